# shellcheck shell=bash
# mini-container/commands.sh: the commands of scripts/mini-container.sh other than a foreground
# `run` (part 80, "Run the process"): ps, logs, exec, stop, rm, prune, and run -d's detach. Read
# by it only for those: a `run` never spends time parsing them.
[[ -n ${_MC_COMMANDS_SH:-} ]] && return 0
_MC_COMMANDS_SH=1

# region commands
# Set MC_VALUE to one field of a state.json (a string, unescaped, or a number), with builtins only
# (mc::state_write puts one field on a line).
mc::state_get() {
  local file=$1 key=$2 line v
  while IFS= read -r line; do
    [[ $line =~ ^\ *\"$key\":\ (.*)$ ]] || continue
    v=${BASH_REMATCH[1]%,}
    if [[ $v == \"*\" ]]; then
      v=${v:1:-1}
      v=${v//\\\"/\"}
      v=${v//\\n/$'\n'}
      v=${v//\\t/$'\t'}
      v=${v//\\\\/\\}
    fi
    MC_VALUE=$v
    return 0
  done <"$file"
  MC_VALUE=''
  return 1
}

# Find a container by id, id prefix or name: sets MC_DIR and MC_ID, or dies.
mc::find() {
  local ref=$1 dir found=''
  [[ -n $ref ]] || die "name a container (its id or name)."
  for dir in "$MC_RUN"/*/; do
    dir=${dir%/}
    [[ -f $dir/state.json ]] || continue
    mc::state_get "$dir/state.json" name || true
    if [[ ${dir##*/} == "$ref"* || $MC_VALUE == "$ref" ]]; then
      [[ -z $found ]] || die "'$ref' matches more than one container: give more of the id."
      found=$dir
    fi
  done
  [[ -n $found ]] || die "no container '$ref' (see: mini-container ps)."
  MC_DIR=$found MC_ID=${found##*/}
}

# Succeed when the runtime of the container in $1 is alive: its lock is held, or it is still
# starting (its process is there and has not taken the lock yet).
mc::alive() {
  local dir=$1 line pid='' held=0 cmd=''
  [[ -f $dir/runtime.env ]] || return 1
  flock -n "$dir/runtime.env" true 2>/dev/null || held=1
  while IFS= read -r line; do [[ $line == MC_RUNTIME_PID=* ]] && pid=${line#*=}; done <"$dir/runtime.env"
  if [[ -n $pid && -r /proc/$pid/cmdline ]]; then
    { IFS= read -r -d '' cmd; IFS= read -r -d '' cmd; } <"/proc/$pid/cmdline" 2>/dev/null || true
  fi
  [[ $cmd == *mini-container* ]] && return 0
  ((held)) || return 1
  # The lock is held but the runtime is gone (SIGKILLed): its shim dies with it (PR_SET_PDEATHSIG)
  # and lets go of the lock in a moment; wait for that (the kernel wakes us), then say dead.
  ! flock -w 5 "$dir/runtime.env" true 2>/dev/null
}

mc::ps() {
  local dir f id name pid status cmd
  printf '%-12s  %-16s  %-8s  %-12s  %s\n' ID NAME PID STATUS COMMAND
  for dir in "$MC_RUN"/*/; do
    f=${dir}state.json
    [[ -f $f ]] || continue
    mc::state_get "$f" id; id=$MC_VALUE
    mc::state_get "$f" name; name=$MC_VALUE
    mc::state_get "$f" pid; pid=$MC_VALUE
    mc::state_get "$f" status; status=$MC_VALUE
    mc::state_get "$f" command; cmd=$MC_VALUE
    if [[ $status == running ]] && ! mc::alive "${dir%/}"; then status=dead; fi
    [[ $status == exited ]] && mc::state_get "$f" exitCode && status="exited ($MC_VALUE)"
    printf '%-12s  %-16s  %-8s  %-12s  %s\n' "$id" "$name" "$pid" "$status" "$cmd"
  done
}

mc::logs() {
  mc::find "${1:-}"
  [[ -f $MC_DIR/log ]] || die "container $MC_ID has no log (only a detached container, -d, writes one)."
  cat -- "$MC_DIR/log"
}

# -d: start the same `run` again in a new session, in the background, with its output in the log;
# print the id once its PID 1 is about to exec CMD (a line on a pipe, no polling), or the reason
# it failed. The background runtime stays the container's parent, and cleans up when it exits.
mc::detach() {
  local args=() a line ok=0 rd
  for a in "$@"; do [[ $a == -d || $a == --detach ]] || args+=("$a"); done
  printf -v MC_ID '%08x%04x' "$SRANDOM" "$((SRANDOM & 0xffff))"
  # Only stdin, stdout (the pipe) and stderr go along: an inherited fd (a test harness's, a
  # terminal's) must not stay open for the container's whole life.
  exec {rd}< <(MC_DETACHED=1 exec setsid "$BASH" "$MC_SELF" run --mc-id "$MC_ID" "${args[@]}" \
    </dev/null 2>&1 3>&- 4>&- 5>&- 6>&- 7>&- 8>&- 9>&-)
  # Interrupted before the id is out: stop the background runtime (it tears down on SIGTERM) and
  # wait for it to let go of the pipe, i.e. to exit.
  local child=$!
  trap 'kill -TERM $child 2>/dev/null; cat <&"$rd" >/dev/null; exit 130' INT TERM HUP
  while IFS= read -r -u "$rd" line; do
    [[ $line == started ]] && { ok=1; break; }
    printf '%s\n' "$line" >&2
  done
  ((ok)) || exit 1
  printf '%s\n' "$MC_ID"
  exit 0
}

# stop: SIGTERM to PID 1, then wait for the runtime to let go of its lock (the kernel wakes us, no
# polling) for SECS; after that SIGKILL, which PID 1 cannot ignore.
mc::stop() {
  local grace=10
  if [[ ${1:-} == -t ]]; then
    [[ ${2:-} =~ ^[0-9]+$ ]] || mc::usage_error "stop -t needs a number of seconds."
    grace=$2
    shift 2
  fi
  mc::find "${1:-}"
  mc::alive "$MC_DIR" || return 0
  local pid
  mc::state_get "$MC_DIR/state.json" pid
  pid=$MC_VALUE
  if ((pid > 0)); then kill -TERM "$pid" 2>/dev/null || true; fi
  if ! flock -w "$grace" "$MC_DIR/runtime.env" true 2>/dev/null; then
    ((grace == 0)) || log::info "container $MC_ID did not stop within ${grace}s: SIGKILL"
    if ((pid > 0)); then kill -KILL "$pid" 2>/dev/null || true; fi
    flock "$MC_DIR/runtime.env" true 2>/dev/null || true
  fi
}

# exec [--user UID[:GID]] [-e KEY=VALUE]... [-w DIR] ID CMD...: the same options, checked the
# same way, as run's (the working directory must exist in the container: exec creates nothing).
mc::exec() {
  MC_USER='' MC_ENVS=() MC_WORKDIR=/
  while (($#)); do
    case $1 in
      --) shift; break ;;
      -e | --env | -w | --workdir | --user)
        (($# >= 2)) || mc::usage_error "option $1 needs a value."
        case $1 in
          -e | --env) MC_ENVS+=("$2") ;;
          -w | --workdir) MC_WORKDIR=$2 ;;
          --user) MC_USER=$2 ;;
        esac
        shift ;;
      -*) mc::usage_error "unknown option '$1' for exec." ;;
      *) break ;;
    esac
    shift
  done
  (($# >= 2)) || mc::usage_error "exec needs a container and a command."
  local v
  for v in "${MC_ENVS[@]}"; do
    [[ $v =~ ^[A-Za-z_][A-Za-z0-9_]*(=.*)?$ && $v != *$'\n'* ]] || die "the variable '$v' is not valid: use KEY=VALUE."
  done
  [[ $MC_WORKDIR == /* ]] || die "the working directory '$MC_WORKDIR' must be an absolute path."
  [[ -z $MC_USER || $MC_USER =~ ^[0-9]{1,9}(:[0-9]{1,9})?$ ]] || die "the user '$MC_USER' is not valid: use UID or UID:GID (numbers)."
  mc::find "$1"
  shift
  mc::alive "$MC_DIR" || die "container $MC_ID is not running."
  local pid procs='' dir env=''
  mc::state_get "$MC_DIR/state.json" pid
  pid=$MC_VALUE
  mc::lib cgroup
  cgroup::_detect
  while IFS= read -r dir; do procs+=$dir/cgroup.procs$'\n'; done < <(cgroup::_dirs "$MC_PREFIX$MC_ID")
  for v in "${MC_ENVS[@]}"; do
    [[ $v == *=* ]] || v=$v=${!v:-}
    env+=$v$'\n'
  done
  # shellcheck disable=SC2034 # read by mc::caps (scripts/mini-container.sh)
  MC_CAP_ADD=() MC_CAP_DROP=()
  mc::caps
  MC_PID=$pid MC_CGROUPS=$procs MC_CAPS=$MC_CAPS MC_USER=$MC_USER MC_WORKDIR=$MC_WORKDIR MC_ENV=$env \
    exec perl -x "$MC_SELF" exec "$@"
}

mc::rm() {
  local force=0
  [[ ${1:-} == -f ]] && { force=1; shift; }
  mc::find "${1:-}"
  if mc::alive "$MC_DIR"; then
    ((force)) || die "container $MC_ID is running: stop it first (or rm -f)."
    mc::stop -t 0 "$MC_ID"
  fi
  mc::lock
  mc::teardown "$MC_DIR"
  mc::unlock
  mc::veth_gone "$MC_ID"
}

# A container's veth pair goes with its network namespace, in a kernel worker, a moment after its
# last process (see mc::net_detach). rm waits for that, at most 2 s, so that when it returns the
# host is as it was; run does not wait (the kernel finishes within a millisecond or so).
mc::veth_gone() {
  local tries=200
  while [[ -e /sys/class/net/$MC_PREFIX${1:0:8} ]] && ((tries--)); do sleep 0.01; done
}

# prune: every container whose runtime is gone (exited, or SIGKILLed at any point), and anything
# named cfs-mc-… that no live container owns: cgroups, veths, the bridge and the chains.
mc::prune() {
  local dir id live=" " name
  mc::lib cgroup
  mc::lib network
  mc::lock
  for dir in "$MC_RUN"/*/; do
    dir=${dir%/}
    [[ -d $dir ]] || continue
    if mc::alive "$dir"; then live+="${dir##*/} "; continue; fi
    log::info "removing container ${dir##*/}"
    mc::teardown "$dir"
  done
  local -A seen=()
  for dir in "$CFS_CGROUP_ROOT/$MC_PREFIX"* "$CFS_CGROUP_ROOT"/*/"$MC_PREFIX"*; do
    [[ -d $dir ]] || continue
    name=${dir##*/}
    id=${name#"$MC_PREFIX"}
    [[ -z ${seen[$name]:-} && $live != *" $id "* ]] || continue
    seen[$name]=1
    log::info "removing cgroup $name"
    cgroup::remove "$name" || true
  done
  for name in $(ip -o link show | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }' | grep "^$MC_PREFIX" || true); do
    [[ $name == "$MC_BRIDGE" ]] && continue
    id=${name#"$MC_PREFIX"}
    [[ $live == *" $id"* ]] || ip link delete "$name" 2>/dev/null || true
  done
  MC_GC_ALL=1 mc::net_gc
  mc::unlock
  rmdir -- "$MC_RUN" 2>/dev/null || true
}
# endregion commands
