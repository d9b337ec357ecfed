# shellcheck shell=bash
# common.sh: the helpers every lab and script sources.
#   log::info/warn, die            narration and errors, always on stderr
#   common::require_root           refuse unless uid 0
#   common::require_cmd CMD PKG    refuse unless CMD is on PATH (PKG: Debian/Ubuntu package)
#   common::require_kernel WHAT P  refuse unless path P exists (a kernel feature)
#   common::require_unprivileged_userns  refuse where unprivileged user namespaces are off
#   cleanup::push "CMD"            register an undo step; they run last-in first-out
#   cleanup::run                   run (and forget) every registered step, then SIGKILL any
#                                  background child still running; installed as a trap
#   common::name SUFFIX            print "cfs-SUFFIX": everything a lab creates carries the prefix
#   common::yes_no CMD...          print "yes" if CMD succeeds, else "no"
#   common::fact LABEL CMD...      print "LABEL: yes" if CMD succeeds, else "LABEL: no"
#   common::tmpdir VAR NAME        make /tmp/cfs-NAME.XXXXXX, removed on exit; its path goes in VAR
#   common::repo_root              print the repository's top folder
#   common::kill_tagged TAG        SIGKILL the processes whose command line contains TAG
#   common::wait_until SECS WHAT CMD  poll the shell command CMD (every 0.05 s) until it succeeds;
#                                  after SECS seconds warn "timed out waiting for WHAT", return 1
#   state::dir                     print this script's state folder, /run/cfs-state.ID (ID:
#                                  <topic>.<lab> for a lab, else the script's name)
#   state::dir_of ID               print the state folder of ID
#   state::mark NAME [VALUE]       write a marker there BEFORE creating shared state a later
#                                  cleanup must know was ours (/run/netns, a sysctl's old value)
#   state::unmark NAME             remove a marker, and the folder once it is empty
# stdout is reserved for the facts a lab prints (compared with expected-output.txt).

[[ -n ${_CFS_COMMON_SH:-} ]] && return 0
_CFS_COMMON_SH=1

CFS_PREFIX=cfs-
# The BusyBox rootfs mini-container builds once and reuses (MC_CACHE overrides the folder): one
# value for mini-container.sh, the benchmark and the labs that read that rootfs themselves.
# shellcheck disable=SC2034 # read by the scripts that source this file
CFS_MC_ROOTFS=${MC_CACHE:-/var/cache/cfs-mc-rootfs}
# The folder of the running script, and the repository, found without a fork (a fork+exec costs
# 30-80 ms in the emulated CI VM, and every lab script sources this file).
_cfs_here=$PWD
_cfs_abs() { if [[ $1 == /* ]]; then printf -v _cfs_path '%s' "$1"; else printf -v _cfs_path '%s/%s' "$_cfs_here" "$1"; fi; }
CFS_SCRIPT_DIR=$_cfs_here
if [[ $0 == */* ]]; then
  _cfs_abs "${0%/*}"
  CDPATH='' cd -- "$_cfs_path" 2>/dev/null && CFS_SCRIPT_DIR=$PWD
fi
_cfs_abs "${BASH_SOURCE[0]%/*}/.."
CDPATH='' cd -- "$_cfs_path" || return 1
CFS_REPO_ROOT=$PWD
CDPATH='' cd -- "$_cfs_here" 2>/dev/null || true
unset _cfs_here _cfs_path
unset -f _cfs_abs
# Log lines are tagged with the lab's folder name (pid-ns, memory, ...).
CFS_LOG_TAG=${CFS_LOG_TAG:-${CFS_SCRIPT_DIR##*/}}

log::info() { printf '[%s] %s\n' "${CFS_LOG_TAG:-cfs}" "$*" >&2; }
log::warn() { printf '[%s] warning: %s\n' "${CFS_LOG_TAG:-cfs}" "$*" >&2; }
die() {
  printf '[%s] error: %s\n' "${CFS_LOG_TAG:-cfs}" "$*" >&2
  exit 1
}

common::repo_root() { printf '%s\n' "$CFS_REPO_ROOT"; }

common::require_root() {
  ((EUID == 0)) || die "this must run as root (try: sudo $0)."
}

common::require_cmd() {
  local cmd=$1 pkg=${2:-$1}
  command -v "$cmd" >/dev/null 2>&1 \
    || die "'$cmd' is not installed: install the Debian/Ubuntu package '$pkg' (apt-get install $pkg)."
}

common::require_kernel() {
  local what=$1 path=$2
  [[ -e $path ]] || die "this kernel lacks $what ($path is missing)."
}

# Refuse, naming the sysctl, where unprivileged users may not create user namespaces (Debian's
# unprivileged_userns_clone=0, max_user_namespaces=0, Ubuntu's AppArmor restriction). Never
# changes them.
common::require_unprivileged_userns() {
  local f=/proc/sys/kernel/unprivileged_userns_clone
  if [[ -r $f && $(<"$f") == 0 ]]; then
    die "unprivileged user namespaces are off on this host: to run this lab, set 'sysctl kernel.unprivileged_userns_clone=1' (this lab does not change it)."
  fi
  f=/proc/sys/user/max_user_namespaces
  if [[ -r $f && $(<"$f") == 0 ]]; then
    die "user namespaces are capped at 0 on this host: to run this lab, set 'sysctl user.max_user_namespaces=15000' or another positive value (this lab does not change it)."
  fi
  f=/proc/sys/kernel/apparmor_restrict_unprivileged_userns
  if [[ -r $f && $(<"$f") == 1 ]]; then
    die "AppArmor denies capabilities in unprivileged user namespaces on this host: to run this lab, set 'sysctl kernel.apparmor_restrict_unprivileged_userns=0' (this lab does not change it)."
  fi
}

common::name() { printf '%s%s\n' "$CFS_PREFIX" "$1"; }

common::yes_no() { if "$@"; then echo yes; else echo no; fi; }

common::fact() {
  local label=$1
  shift
  echo "$label: $(common::yes_no "$@")"
}

# The parent PID of $1, read with builtins.
common::_ppid() {
  local key value
  while read -r key value; do
    [[ $key == PPid: ]] && { printf '%s\n' "$value"; return 0; }
  done <"/proc/$1/status"
  return 1
} 2>/dev/null

# Kill a background job and the children it has, for good, before its files are removed: stop it
# first (it can start no new child), SIGKILL its children and itself, then wait until they are gone.
# A job started with & ignores SIGINT, and so do its children: an interrupt does not end them.
#   cleanup::push "common::kill_tree $!"
common::kill_tree() {
  local pid=$1 kids kid tries
  kill -STOP "$pid" 2>/dev/null || return 0
  kids=$(pgrep -P "$pid" || true)
  # shellcheck disable=SC2086 # one word per PID
  kill -KILL $kids "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  for kid in $kids; do
    tries=200
    while ((tries-- > 0)) && [[ -e /proc/$kid ]] && ! grep -qs '^State:.*Z' "/proc/$kid/status"; do sleep 0.01; done
  done
}

# The PID (as the host sees it) of the first process at or below $1 whose innermost PID is 1:
# the PID 1 of a PID namespace that $1 started (unshare --pid --fork, a subshell around it, ...).
# Fails while there is none yet, so it fits common::wait_until.
#   common::wait_until 10 "the container's PID 1" "init=\$(common::ns_init $job)"
common::ns_init() {
  local queue=("$1") pid nspid
  while ((${#queue[@]})); do
    pid=${queue[0]}
    queue=("${queue[@]:1}")
    nspid=$(sed -n 's/^NSpid:[[:space:]]*//p' "/proc/$pid/status" 2>/dev/null) || nspid=
    if [[ $nspid == *[[:space:]]1 ]]; then
      printf '%s\n' "$pid"
      return 0
    fi
    # shellcheck disable=SC2207 # one word per PID
    queue+=($(pgrep -P "$pid" || true))
  done
  return 1
}

common::kill_tagged() {
  local tag=$1 pid ancestors=" " p=$BASHPID
  [[ $tag == "$CFS_PREFIX"* ]] || die "common::kill_tagged: '$tag' does not start with $CFS_PREFIX"
  # Never this shell or its ancestors, whose command lines may well contain the tag.
  while ((p > 1)); do
    ancestors+="$p "
    p=$(common::_ppid "$p") || break
  done
  for pid in $(pgrep -f -- "$tag" || true); do
    [[ $ancestors == *" $pid "* ]] || kill -KILL "$pid" 2>/dev/null || true
  done
}

common::wait_until() {
  local secs=$1 what=$2 cmd=$3 steps
  steps=$((secs * 20))
  until eval "$cmd"; do
    if ((steps-- <= 0)); then
      log::warn "timed out after ${secs} s waiting for $what"
      return 1
    fi
    sleep 0.05
  done
}

# --- state markers --------------------------------------------------------
CFS_STATE_PARENT=${CFS_STATE_PARENT:-/run}

state::dir_of() { printf '%s/%sstate.%s\n' "$CFS_STATE_PARENT" "$CFS_PREFIX" "$1"; }

state::dir() {
  local dir=$CFS_SCRIPT_DIR parent name=${0##*/}
  if [[ -f $dir/lab.manifest ]]; then
    parent=${dir%/*}
    state::dir_of "${parent##*/}.${dir##*/}"
  else
    state::dir_of "${name%.sh}"
  fi
}

state::mark() {
  local dir
  dir=$(state::dir)
  mkdir -p "$dir"
  printf '%s\n' "${2:-}" >"$dir/$1"
}

state::unmark() {
  local dir
  dir=$(state::dir)
  rm -f -- "$dir/$1"
  rmdir -- "$dir" 2>/dev/null || true
}

# --- cleanup stack --------------------------------------------------------
_CFS_CLEANUP=()

cleanup::push() {
  _CFS_CLEANUP+=("$1")
  cleanup::_install_traps
}

cleanup::run() {
  local i status=0
  for ((i = ${#_CFS_CLEANUP[@]} - 1; i >= 0; i--)); do
    # Undo steps must not abort the rest of the stack: report and go on.
    eval "${_CFS_CLEANUP[i]}" >&2 || { status=$?; log::warn "cleanup step failed ($status): ${_CFS_CLEANUP[i]}"; }
  done
  _CFS_CLEANUP=()
  # Last, any background child still running: a signal that lands between `cmd &` and the
  # cleanup::push of its undo must not leak cmd. The kernel lists the children (read without a
  # fork); pkill only runs when there is one, or when the list is unavailable.
  # $BASHPID, not $$: in a subshell that pushed its own undo steps, $$ is the parent, whose
  # children include this subshell itself.
  local kids=unknown me=$BASHPID
  if [[ -r /proc/$me/task/$me/children ]]; then kids=''; read -r kids <"/proc/$me/task/$me/children" || true; fi
  [[ -z $kids ]] || pkill -KILL -P "$me" 2>/dev/null || true
  return 0
}

cleanup::_on_signal() {
  local sig=$1
  log::warn "interrupted by SIG$sig: cleaning up"
  trap - EXIT
  cleanup::run
  trap - "$sig"
  kill -s "$sig" "$$"
}

cleanup::_install_traps() {
  [[ -n ${_CFS_TRAPS:-} ]] && return 0
  _CFS_TRAPS=1
  trap 'cleanup::run' EXIT
  local sig
  for sig in INT TERM HUP; do
    # shellcheck disable=SC2064 # expand $sig now: each trap names its own signal
    trap "cleanup::_on_signal $sig" "$sig"
  done
}

# Not `$(common::tmpdir)`: a command substitution is a subshell, and the
# cleanup step it pushed would be lost with it.
# The undo is pushed before mktemp runs and reads the folder's name from _CFS_TMPDIRS when it
# runs: a signal that lands while mktemp runs (bash runs the trap right after the assignment)
# must not leave the folder behind.
_CFS_TMPDIRS=()
common::tmpdir() {
  local -n _cfs_dir_var=$1
  local i=${#_CFS_TMPDIRS[@]}
  _CFS_TMPDIRS[i]=''
  cleanup::push "common::_rm_tmpdir $i"
  _CFS_TMPDIRS[i]=$(mktemp -d "/tmp/${CFS_PREFIX}$2.XXXXXX")
  _cfs_dir_var=${_CFS_TMPDIRS[i]}
}

common::_rm_tmpdir() {
  [[ -z ${_CFS_TMPDIRS[$1]:-} ]] || rm -rf -- "${_CFS_TMPDIRS[$1]}"
}

# Print file:line and the failing command when `set -E` + ERR fire.
common::_on_err() {
  local status=$? line=${BASH_LINENO[0]} file=${BASH_SOURCE[1]:-$0}
  printf '[%s] error: %s:%s: command failed (exit %s): %s\n' \
    "${CFS_LOG_TAG:-cfs}" "$file" "$line" "$status" "$BASH_COMMAND" >&2
}
trap 'common::_on_err' ERR
