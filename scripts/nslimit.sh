# shellcheck shell=bash
# nslimit.sh: watch the kernel free a namespace, through its per-user-namespace count.
# Source it after common.sh.
#
# The kernel counts the namespaces of each type that the users of a user namespace own, and
# /proc/sys/user/max_<type>_namespaces caps that count; creating one more fails with ENOSPC
# (namespaces(7), "The /proc/sys/user directory"). The count goes down only when the kernel frees
# a namespace. So, in a user namespace whose cap is 1: while a namespace of that type exists, a
# second one is refused; once the first is freed, a new one can be made. That is the probe.
# The cap is set inside a new user namespace (root there may set its own limits), never on the host.
#
#   nslimit::start VAR TYPE TAG     start a holder: a process in a new user namespace whose
#                                   user.max_TYPE_namespaces is 1 (TYPE: uts, ipc, ...); its PID
#                                   goes in VAR, TAG is its argv[0] (cleanup.sh finds it by TAG)
#   nslimit::in HOLDER CMD...       run CMD as uid 0 of the holder's user namespace (a function:
#                                   to start CMD with &, call nsenter --target HOLDER --user directly,
#                                   or $! is a subshell)
#   nslimit::try HOLDER FLAG        print "created" if `unshare FLAG true` succeeds in the holder's
#                                   user namespace, else "refused: <unshare's error text>"
#   nslimit::wait_free HOLDER FLAG  like try, but retry for up to 5 s while refused: the kernel
#                                   frees some namespaces (IPC, network) from a work queue

[[ -n ${_CFS_NSLIMIT_SH:-} ]] && return 0
_CFS_NSLIMIT_SH=1

nslimit::start() {
  local -n _holder=$1
  local type=$2 tag=$3 tries=50 comm=''
  [[ $tag == "$CFS_PREFIX"* ]] || die "nslimit::start: '$tag' does not start with $CFS_PREFIX"
  # Registered before the start: SIGKILL every child of this script, then reap them.
  cleanup::push "pkill -KILL -P $$ 2>/dev/null; wait 2>/dev/null || true"
  unshare --user --map-root-user \
    bash -c "echo 1 >/proc/sys/user/max_${type}_namespaces && exec -a $tag sleep 300" </dev/null >/dev/null &
  _holder=$!
  while [[ $comm != sleep ]] && ((tries--)); do
    sleep 0.1
    read -r comm <"/proc/$_holder/comm" || true
  done
  [[ $comm == sleep ]] || die "the user namespace holder $_holder never started"
}

nslimit::in() {
  local holder=$1
  shift
  nsenter --target "$holder" --user -- "$@"
}

nslimit::try() {
  local err
  if err=$(nslimit::in "$1" unshare "$2" true 2>&1); then
    echo created
  else
    echo "refused: ${err##*: }"
  fi
}

nslimit::wait_free() {
  local holder=$1 flag=$2 tries=50 answer
  while :; do
    answer=$(nslimit::try "$holder" "$flag")
    [[ $answer == created ]] || ((tries-- == 0)) || { sleep 0.1; continue; }
    echo "$answer"
    return 0
  done
}
