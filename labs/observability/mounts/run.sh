#!/usr/bin/env bash
# mounts: a container's mount table from inside and from the host, its overlay layers (lowerdir,
# upperdir, a copy-up and a whiteout), and mount propagation: shared, slave and private copies of
# one host folder, and which of them see a mount made on the host afterwards.
set -Eeuo pipefail
# shellcheck source=../../../scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/common.sh"

MC=$CFS_REPO_ROOT/scripts/mini-container.sh
NAME=cfs-mnt-box    # the container's name, in the runtime's command line: a tag cleanup.sh kills by
TAG=cfs-mnt-slave   # $0 of the shell in a mount namespace of slave copies

# The mount points of a mountinfo file (field 5), sorted, on one line.
points() { awk '{ print $5 }' "$1" | sort | paste -sd' '; }

# The propagation type of mount point $2 in mountinfo file $1, from its optional fields (between
# field 6 and the "-"): shared:N, master:N (a slave), both, or none (private); unbindable too.
propagation() {
  awk -v mp="$2" '$5 == mp {
      s = 0; m = 0; u = 0
      for (i = 7; $i != "-"; i++) { if ($i ~ /^shared:/) s = 1; if ($i ~ /^master:/) m = 1; if ($i == "unbindable") u = 1 }
      t = s && m ? "shared and slave" : s ? "shared" : m ? "slave" : u ? "unbindable" : "private"
    } END { print (t == "" ? "not mounted" : t) }' "$1"
}

# The value of option $3 in the super options (the last field) of mount point $2 in mountinfo $1.
super_opt() { awk -v mp="$2" '$5 == mp { print $NF }' "$1" | tr ',' '\n' | sed -n "s/^$3=//p"; }

# Is there a mount at $2 in mountinfo $1?
mounted() { awk -v mp="$2" '$5 == mp { f = 1 } END { exit !f }' "$1"; }

main() {
  common::require_root
  common::require_cmd unshare util-linux
  common::require_cmd nsenter util-linux
  common::require_cmd flock util-linux
  common::require_cmd setsid util-linux
  common::require_cmd mount mount
  common::require_cmd umount mount
  common::require_cmd perl perl-base
  common::require_cmd busybox busybox-static
  common::require_cmd ip iproute2
  # Whatever a container of this lab leaves (after Ctrl-C too): the runtime's own prune.
  cleanup::push "'$MC' prune >/dev/null 2>&1 || true"

  local dir
  common::tmpdir dir mounts
  mkdir -p "$dir/vol/sub"
  log::info "mount --bind $dir/vol $dir/vol; mount --make-shared $dir/vol: a shared mount on the host"
  cleanup::push "umount -R '$dir/vol' 2>/dev/null || true"
  mount --bind "$dir/vol" "$dir/vol"
  mount --make-shared "$dir/vol"

  log::info "a mount namespace whose copies are slaves: unshare --mount --propagation slave"
  unshare --mount --propagation slave --pid --fork --kill-child sh -c 'sleep 600' "$TAG" &
  local job=$! slave=''
  cleanup::push "kill -KILL $job 2>/dev/null; wait $job 2>/dev/null || true"
  common::wait_until 5 "the shell tagged $TAG" "slave=\$(common::ns_init $job)"

  # --keep puts the writable layer on the host's disk, in the container's state folder, where
  # this shell can read it; without it the layer is on a tmpfs that only the container's mount
  # namespace ever had (and pivot_root detached it there too): no path on the host leads to it.
  log::info "$MC run -d --keep --name $NAME -v $dir/vol:/data -- sh -c 'sleep 600 & wait'"
  cleanup::push "'$MC' rm -f $NAME >/dev/null 2>&1 || true"
  local id pid
  id=$("$MC" run -d --keep --name "$NAME" -v "$dir/vol:/data" -- sh -c 'sleep 600 & wait')
  cleanup::push "'$MC' rm -f $id >/dev/null 2>&1 || true"
  pid=$(sed -n 's/^  "pid": \([0-9]*\),$/\1/p' "/run/mini-container/$id/state.json")
  local inside=$dir/inside.mountinfo outside=/proc/$pid/mountinfo
  "$MC" exec "$NAME" cat /proc/self/mountinfo >"$inside"

  log::info "its mount table: /proc/self/mountinfo inside, /proc/$pid/mountinfo from the host"
  echo "mount points inside: $(points "$inside")"
  echo "the same mount points in /proc/<pid>/mountinfo from the host: $(common::yes_no test "$(points "$inside")" = "$(points "$outside")")"
  echo "its root in the host's own mount table: $(common::yes_no mounted /proc/self/mountinfo "/run/mini-container/$id/rootfs")"
  echo "/data's root (field 4) ends in the host folder's name: $(common::yes_no test "$(awk '$5 == "/data" { print $4 }' "$outside" | sed 's|.*/\(cfs-mounts\.[^/]*/vol\)$|\1|')" = "${dir##*/}/vol")"

  log::info "the overlay at /: its super options name the layers"
  local lower upper
  lower=$(super_opt "$outside" / lowerdir)
  upper=$(super_opt "$outside" / upperdir)
  echo "type of /: $(awk '$5 == "/" { for (i = 7; $i != "-"; i++); print $(i + 1) }' "$outside")"
  echo "lowerdir holds the image (its etc/passwd): $(common::yes_no test -f "$lower/etc/passwd")"
  echo "upperdir is in the container's state folder: $(common::yes_no test "$upper" = "/run/mini-container/$id/upper")"
  "$MC" exec "$NAME" sh -c 'echo hello >/etc/cfs-note; echo root:x:0:0::/root:/bin/sh >>/etc/group; rm /etc/passwd'
  local in_upper in_lower
  in_upper=$(common::yes_no test -f "$upper/etc/cfs-note")
  in_lower=$(common::yes_no test -e "$lower/etc/cfs-note")
  echo "a new file written inside, in upperdir: $in_upper; in lowerdir: $in_lower"
  in_upper=$(common::yes_no test -f "$upper/etc/group")
  in_lower=$(common::yes_no cmp -s "$lower/etc/group" <(grep -v -x 'root:x:0:0::/root:/bin/sh' "$upper/etc/group"))
  echo "a lower file changed inside, copied up to upperdir: $in_upper; lowerdir's copy unchanged: $in_lower"
  in_upper=$(common::yes_no test -c "$upper/etc/passwd" -a "$(stat -c %t:%T "$upper/etc/passwd")" = 0:0)
  in_lower=$(common::yes_no test -f "$lower/etc/passwd")
  echo "a lower file removed inside, upperdir has a whiteout (char device 0:0): $in_upper; lowerdir's still there: $in_lower"

  log::info "propagation of one folder, $dir/vol, in three mount namespaces"
  echo "propagation on the host: $(propagation /proc/self/mountinfo "$dir/vol")"
  echo "propagation in the slave namespace: $(propagation "/proc/$slave/mountinfo" "$dir/vol")"
  echo "propagation of /data in the container: $(propagation "$outside" /data)"
  log::info "mount -t tmpfs cfs-mnt-tmpfs $dir/vol/sub on the host"
  cleanup::push "umount '$dir/vol/sub' 2>/dev/null || true"
  mount -t tmpfs cfs-mnt-tmpfs "$dir/vol/sub"
  echo "the host's new mount seen in the slave namespace: $(common::yes_no mounted "/proc/$slave/mountinfo" "$dir/vol/sub")"
  echo "the host's new mount seen in the container at /data/sub: $(common::yes_no mounted "$outside" /data/sub)"
  log::info "nsenter -t <slave> -m mount -t tmpfs cfs-mnt-back $dir/vol/back (a mount in the slave namespace)"
  mkdir -p "$dir/vol/back"
  nsenter -t "$slave" -m mount -t tmpfs cfs-mnt-back "$dir/vol/back"
  echo "the slave namespace's mount seen on the host: $(common::yes_no mounted /proc/self/mountinfo "$dir/vol/back")"

  "$MC" rm -f "$id"
}
main "$@"
