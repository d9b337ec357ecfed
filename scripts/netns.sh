# shellcheck shell=bash
# netns.sh: named network namespaces (`ip netns`) for labs. Source it after common.sh.
#   netns::add NAME      `ip netns add NAME`, and push its undo on the cleanup stack
#   netns::delete NAME   delete NAME if it exists (safe when it does not: for cleanup.sh)
#   netns::undo_run_dir STATE_DIR   for cleanup.sh after a SIGKILL: undo the /run/netns mount
#                        and folder that the markers in STATE_DIR say this script made
#
# Why a helper: the first `ip netns add` on a host also turns /run/netns into a shared bind
# mount of itself (so that unmounting a namespace file propagates to every mount namespace), and
# `ip netns delete` never undoes that. Left alone, every lab would leave a new mount behind. The
# undo pushed by netns::add removes that mount (and the folder) again when this call is what
# created it and no namespace file is left in it. So that cleanup.sh can do the same after a
# SIGKILL (no trap runs), netns::add first leaves markers (state::mark) saying which of the two
# it is about to create.

[[ -n ${_CFS_NETNS_SH:-} ]] && return 0
_CFS_NETNS_SH=1

NETNS_RUN_DIR=/run/netns

netns::add() {
  local name=$1 had_dir=0 had_mount=0
  [[ $name == "$CFS_PREFIX"* ]] || die "netns::add: '$name' does not start with $CFS_PREFIX"
  [[ -d $NETNS_RUN_DIR ]] && had_dir=1
  mountpoint -q "$NETNS_RUN_DIR" 2>/dev/null && had_mount=1
  ((had_dir)) || state::mark netns-made-run-dir
  ((had_mount)) || state::mark netns-made-run-mount
  cleanup::push "netns::_undo_add '$name'"
  ip netns add "$name"
}

netns::delete() {
  local name=$1
  [[ $name == "$CFS_PREFIX"* ]] || die "netns::delete: '$name' does not start with $CFS_PREFIX"
  [[ -e $NETNS_RUN_DIR/$name ]] || return 0
  ip netns delete "$name" 2>/dev/null || {
    # A half-made entry (the file without its bind mount) makes `ip netns delete` fail.
    umount "$NETNS_RUN_DIR/$name" 2>/dev/null || true
    rm -f -- "${NETNS_RUN_DIR:?}/$name"
  }
}

netns::_undo_add() {
  netns::delete "$1"
  netns::undo_run_dir "$(state::dir)"
}

# Remove the /run/netns mount and folder we made, once no namespace file is left in it.
netns::_undo_run_dir() {
  local had_dir=$1 had_mount=$2
  [[ -d $NETNS_RUN_DIR && -z $(ls -A "$NETNS_RUN_DIR") ]] || return 0
  if ((!had_mount)) && mountpoint -q "$NETNS_RUN_DIR"; then
    umount "$NETNS_RUN_DIR"
  fi
  if ((!had_dir)) && ! mountpoint -q "$NETNS_RUN_DIR"; then
    rmdir "$NETNS_RUN_DIR"
  fi
  return 0
}

netns::undo_run_dir() {
  local state=$1 had_dir=1 had_mount=1
  [[ -f $state/netns-made-run-dir ]] && had_dir=0
  [[ -f $state/netns-made-run-mount ]] && had_mount=0
  ((had_dir && had_mount)) && return 0
  netns::_undo_run_dir "$had_dir" "$had_mount"
  # Keep the markers while namespaces are still listed there: a later clean-up may finish it.
  [[ -d $NETNS_RUN_DIR && -n $(ls -A "$NETNS_RUN_DIR") ]] && return 0
  rm -f -- "$state/netns-made-run-dir" "$state/netns-made-run-mount"
  rmdir -- "$state" 2>/dev/null || true
}
