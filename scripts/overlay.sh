# shellcheck shell=bash
# overlay.sh: overlayfs mounts and layers for the filesystem labs and the mini-container (part 80).
# Source it after common.sh. Paths must not contain ',' or ':' (the mount options' separators).
#
#   overlay::mount [-o OPTS] MERGED UPPER WORK LOWER...
#                        mount an overlay of the LOWERs (the first one is the top, as in
#                        lowerdir=) with UPPER and WORK at MERGED, and push its unmount on the
#                        cleanup stack. UPPER and WORK may both be '-': a read-only overlay.
#                        OPTS are added to the mount options (metacopy=on,redirect_dir=on).
#                        MERGED must lie below a folder named cfs-… (a common::tmpdir), so that
#                        cleanup::lab finds the mount after a SIGKILL. Dies with the kernel's
#                        complaint (dmesg says more) when the mount fails.
#   overlay::options VAR UPPER WORK LOWER...
#                        check the paths as overlay::mount does and set the variable VAR to the
#                        mount options it would pass (lowerdir=…[,upperdir=…,workdir=…]), for a
#                        caller that mounts the overlay itself: the mini-container mounts it in
#                        the container's own mount namespace, which the host never sees
#   overlay::umount MERGED
#                        unmount it; lazily (MNT_DETACH) when it is busy; then check that it is
#                        no longer a mount point. Warns and returns 1 (never exits): it runs in
#                        cleanups. Safe when MERGED is not mounted.
#   overlay::tmpfs DIR [SIZE]
#                        mount a tmpfs (SIZE: 64m) on the folder DIR, below a cfs-… folder, and
#                        push its unmount: layers on it get trusted.* xattrs and exact block
#                        counts whatever file system /tmp is on
#   overlay::whiteouts UPPER
#                        print the whiteouts of an upper folder (character devices 0/0), one
#                        path relative to UPPER a line, sorted
#   overlay::opaque_dirs UPPER
#                        print its opaque folders (xattr trusted.overlay.opaque = y), likewise;
#                        needs getfattr (Debian/Ubuntu package attr)
#   overlay::to_oci_tar UPPER TAR
#                        write UPPER as an OCI layer tar: each whiteout becomes an empty file
#                        .wh.NAME, each opaque folder gets an entry .wh..wh..opq; entries sorted
#                        by name, owners numeric (needs getfattr)
#   overlay::from_oci_tar TAR DIR
#                        extract an OCI layer tar (plain or gzip) into the empty folder DIR in
#                        overlay form: .wh.NAME becomes a 0/0 character device NAME,
#                        .wh..wh..opq sets trusted.overlay.opaque=y on its folder (setfattr, attr)
# The two converters do what a runtime's layer applier and differ do for overlayfs storage
# (containerd's overlayfs snapshotter, Docker's overlay2 driver): overlayfs.rst and the OCI
# image-spec's layer.md describe the two whiteout formats.

[[ -n ${_CFS_OVERLAY_SH:-} ]] && return 0
_CFS_OVERLAY_SH=1

# shellcheck source-path=SCRIPTDIR source=common.sh
source "${BASH_SOURCE[0]%/*}/common.sh"

OVERLAY_WH=.wh.                   # OCI whiteout prefix (layer.md)
OVERLAY_OPQ=.wh..wh..opq          # OCI opaque-whiteout entry
OVERLAY_OPAQUE_XATTR=trusted.overlay.opaque

overlay::_check_path() {
  [[ $1 != *[,:]* ]] || die "overlay: '$1' contains ',' or ':', which the mount options cannot carry."
  [[ -d $1 ]] || die "overlay: '$1' is not a folder."
}

overlay::_check_cfs() {
  local real
  real=$(realpath -- "$1")
  [[ /$real/ == */"$CFS_PREFIX"* ]] \
    || die "overlay: $1 is not below a folder named ${CFS_PREFIX}… (make it with common::tmpdir)."
}

overlay::tmpfs() {
  local dir=$1 size=${2:-64m}
  overlay::_check_path "$dir"
  overlay::_check_cfs "$dir"
  # The undo first: a signal that lands while mount runs (bash runs the trap right after it) must
  # not leave the mount behind. It does nothing where nothing was mounted.
  cleanup::push "! mountpoint -q '$dir' || umount '$dir' 2>/dev/null || umount -l '$dir'"
  mount -t tmpfs -o "size=$size,mode=0755" "${CFS_PREFIX}tmpfs" "$dir"
}

overlay::options() {
  local -n _cfs_ov_opts=$1
  local upper=$2 work=$3 lower lowers=''
  shift 3
  (($#)) || die "usage: overlay::options VAR UPPER WORK LOWER..."
  for lower in "$@"; do
    overlay::_check_path "$lower"
    lowers+=${lowers:+:}$lower
  done
  _cfs_ov_opts="lowerdir=$lowers"
  if [[ $upper != - || $work != - ]]; then
    overlay::_check_path "$upper"
    overlay::_check_path "$work"
    _cfs_ov_opts+=",upperdir=$upper,workdir=$work"
  fi
}

overlay::mount() {
  local opts='' extra='' merged
  if [[ ${1:-} == -o ]]; then
    extra=$2
    shift 2
  fi
  (($# >= 4)) || die "usage: overlay::mount [-o OPTS] MERGED UPPER WORK LOWER..."
  merged=$1
  shift
  overlay::_check_path "$merged"
  overlay::_check_cfs "$merged"
  overlay::options opts "$@"
  # The lowers first, then the extra options, then upper and work (the order the kernel reports).
  local lowers=${opts%%,upperdir=*}
  opts=$lowers${extra:+,$extra}${opts#"$lowers"}
  log::info "mount -t overlay ${CFS_PREFIX}overlay -o $opts $merged"
  # The undo first (as in overlay::tmpfs); overlay::umount leaves a folder that is no mount point alone.
  cleanup::push "overlay::umount '$merged'"
  mount -t overlay "${CFS_PREFIX}overlay" -o "$opts" "$merged" \
    || die "overlay::mount: the kernel refused 'mount -t overlay -o $opts $merged' (see dmesg)."
}

overlay::umount() {
  local merged=$1
  mountpoint -q -- "$merged" 2>/dev/null || return 0
  umount -- "$merged" 2>/dev/null || umount -l -- "$merged" \
    || { log::warn "overlay::umount: could not unmount $merged"; return 1; }
  if mountpoint -q -- "$merged" 2>/dev/null; then
    log::warn "overlay::umount: $merged is still a mount point (stacked mounts?)"
    return 1
  fi
}

overlay::whiteouts() {
  local upper=$1 path
  while IFS= read -r -d '' path; do
    [[ $(stat -c '%t:%T' -- "$path") == 0:0 ]] && printf '%s\n' "${path#"$upper"/}"
  done < <(find "$upper" -type c -print0)
  return 0
}

overlay::opaque_dirs() {
  local upper=$1 path
  while IFS= read -r -d '' path; do
    [[ $(getfattr --absolute-names --only-values -n "$OVERLAY_OPAQUE_XATTR" -- "$path" 2>/dev/null) == y ]] \
      && printf '%s\n' "${path#"$upper"/}"
  done < <(find "$upper" -mindepth 1 -type d -print0)
  return 0
}

overlay::to_oci_tar() {
  local upper=$1 tar=$2 stage path rel
  stage=$(mktemp -d "$(dirname "$tar")/${CFS_PREFIX}stage.XXXXXX")
  # A copy, so that the upper folder stays as the kernel wrote it.
  cp -a -- "$upper/." "$stage/"
  while IFS= read -r rel; do
    path=$stage/$rel
    rm -f -- "$path"
    : >"${path%/*}/$OVERLAY_WH${path##*/}" # $path is $stage/...: it has a slash
  done < <(overlay::whiteouts "$stage" | sort -r)
  while IFS= read -r rel; do
    : >"$stage/$rel/$OVERLAY_OPQ"
  done < <(overlay::opaque_dirs "$stage")
  # No --xattrs: the kernel's own xattrs (trusted.overlay.origin, ...) stay out of the layer.
  tar --sort=name --numeric-owner -C "$stage" -cf "$tar" .
  rm -rf -- "$stage"
}

overlay::from_oci_tar() {
  local tar=$1 dir=$2 path name parent
  [[ -d $dir && -z $(ls -A -- "$dir") ]] || die "overlay::from_oci_tar: $dir must be an empty folder."
  tar --numeric-owner -C "$dir" -xf "$tar"
  while IFS= read -r -d '' path; do
    name=$(basename "$path")
    parent=$(dirname "$path")
    rm -f -- "$path"
    if [[ $name == "$OVERLAY_OPQ" ]]; then
      setfattr -n "$OVERLAY_OPAQUE_XATTR" -v y -- "$parent"
    else
      mknod -- "$parent/${name#"$OVERLAY_WH"}" c 0 0
    fi
  done < <(find "$dir" -name "$OVERLAY_WH*" -print0)
  return 0
}
