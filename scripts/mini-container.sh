#!/bin/bash
# mini-container.sh: a small, real container runtime in bash (part 80, "Practical: build a container").
#
#   mini-container run [OPTIONS] [--] CMD [ARGS...]   run CMD as PID 1 of a new container
#   mini-container ps                                 list the containers (from their state files)
#   mini-container exec [OPTS] ID|NAME CMD [ARGS...]  run CMD inside a running container
#                                                     (--user, -e, -w as for run)
#   mini-container logs ID|NAME                       print the output of a detached container
#   mini-container stop [-t SECS] ID|NAME             SIGTERM its PID 1, SIGKILL after SECS (10)
#   mini-container rm [-f] ID|NAME                    remove a stopped container (-f: stop it first)
#   mini-container prune                              remove whatever any container left behind
#
# What it builds on (scripts/): common.sh (log, die, the cleanup stack), rootfs.sh (the BusyBox
# rootfs), overlay.sh (the overlay options), cgroup.sh (v1 and v2 limits), netns.sh (veth, bridge,
# iptables). Everything it makes on the host is named cfs-mc-…; its state lives in
# /run/mini-container/<id>/ (state.json, log, runtime.env).
#
# The work of the new namespaces (unshare, mounts, pivot_root, eth0, capabilities, the final exec)
# is done by a short Perl program, MC_INIT at the end of this file: after pivot_root the host's
# tools (mount, setpriv, capsh) are out of reach, and bash has no builtin for unshare, pivot_root,
# capset or prctl. Perl (perl-base, always on Debian) makes those system calls itself, with no
# program to start for them: what runc does in Go.
set -Eeuo pipefail
# shellcheck source=common.sh
source "${BASH_SOURCE[0]%/*}/common.sh"
# The libraries are read when first needed: bash parses a file as it reads it, at about a
# millisecond per 300 lines, on every start. overlay.sh is the only one a plain `run` reads;
# rootfs.sh, cgroup.sh and netns.sh serve one option or one first run each, and so do the two
# parts of this runtime kept in files of their own: mini-container/network.sh (--net bridge) and
# mini-container/commands.sh (every command but a foreground run).
mc::lib() {
  case $1 in
    network)
      # shellcheck source=mini-container/network.sh
      [[ -n ${_MC_NETWORK_SH:-} ]] || source "${BASH_SOURCE[0]%/*}/mini-container/network.sh" ;;
    commands)
      # shellcheck source=mini-container/commands.sh
      [[ -n ${_MC_COMMANDS_SH:-} ]] || source "${BASH_SOURCE[0]%/*}/mini-container/commands.sh" ;;
    overlay)
      # shellcheck source=overlay.sh
      [[ -n ${_CFS_OVERLAY_SH:-} ]] || source "${BASH_SOURCE[0]%/*}/overlay.sh" ;;
    rootfs)
      # shellcheck source=rootfs.sh
      [[ -n ${_CFS_ROOTFS_SH:-} ]] || source "${BASH_SOURCE[0]%/*}/rootfs.sh" ;;
    cgroup)
      # shellcheck source=cgroup.sh
      [[ -n ${_CFS_CGROUP_SH:-} ]] || source "${BASH_SOURCE[0]%/*}/cgroup.sh" ;;
    netns)
      # shellcheck source=netns.sh
      [[ -n ${_CFS_NETNS_SH:-} ]] || source "${BASH_SOURCE[0]%/*}/netns.sh" ;;
  esac
}
# mkdir and rm as bash's loadable builtins (Debian: bash-builtins), when they are there: the same
# commands without a fork and an exec each. Without the package, the usual programs run. (Not its
# rmdir: it takes `--` for a folder name.)
{ enable -f mkdir mkdir && enable -f rm rm; } 2>/dev/null || true

CFS_LOG_TAG=mini-container
MC_SELF=$CFS_REPO_ROOT/scripts/mini-container.sh
MC_RUN=${MC_RUN:-/run/mini-container}                 # one folder per container
MC_CACHE=$CFS_MC_ROOTFS                               # the BusyBox rootfs, built once
MC_PREFIX=cfs-mc-                                     # every host object: cfs-mc-<id…>
MC_BRIDGE=cfs-mc-br0
MC_SUBNET=10.213.0        # /24: the bridge is .1, containers get .2 to .254
MC_CHAIN_DNAT=CFS-MC-DNAT # nat chains for -p (netns.sh: CFS- chains, tagged with a comment)
MC_CHAIN_POST=CFS-MC-POST

# region cli
mc::usage() {
  cat >&2 <<'EOF'
usage: mini-container run [OPTIONS] [--] CMD [ARGS...]
       mini-container exec [--user UID[:GID]] [-e KEY=VALUE] [-w DIR] ID CMD...
       mini-container ps | logs ID | stop [-t SECS] ID | rm [-f] ID | prune
run options:
  --rootfs DIR        root file system (default: a cached BusyBox rootfs)
  --name NAME         a name for ps, exec, stop (default: the id)
  --hostname NAME     the container's host name (default: the name)
  --memory SIZE       memory limit, e.g. 64m (k, m, g); the OOM killer answers with 137
  --cpus N.N          CPU time, in CPUs (0.5 = half of one)
  --pids N            at most N processes
  --net none|bridge   no network (default), or a veth on the bridge cfs-mc-br0
  -p HOSTPORT:CPORT   publish a TCP port (needs --net bridge)
  -v HOST:CTR[:ro]    bind mount a host folder or file
  -e KEY=VALUE        set an environment variable
  -w DIR              working directory
  --read-only         mount the root file system read-only
  --user UID[:GID]    run CMD as that user
  --cap-add CAP       add a capability to the default set (Docker's); ALL for every one
  --cap-drop CAP      drop one; ALL for every one
  -d, --detach        run in the background, print the id (output goes to: mini-container logs)
  --keep              keep the writable layer (and the state) after exit, until rm
EOF
}

# A wrong command line: usage and exit 2 (as getopt-style tools do); everything else is exit 1.
mc::usage_error() {
  printf '[mini-container] error: %s\n' "$1" >&2
  mc::usage
  exit 2
}

# Docker's default capability set (moby's oci/caps/defaults.go), and the kernel's numbering.
MC_DEFAULT_CAPS=(CHOWN DAC_OVERRIDE FSETID FOWNER MKNOD NET_RAW SETGID SETUID SETFCAP SETPCAP
  NET_BIND_SERVICE SYS_CHROOT KILL AUDIT_WRITE)
MC_CAP_NAMES=(CHOWN DAC_OVERRIDE DAC_READ_SEARCH FOWNER FSETID KILL SETGID SETUID SETPCAP
  LINUX_IMMUTABLE NET_BIND_SERVICE NET_BROADCAST NET_ADMIN NET_RAW IPC_LOCK IPC_OWNER SYS_MODULE
  SYS_RAWIO SYS_CHROOT SYS_PTRACE SYS_PACCT SYS_ADMIN SYS_BOOT SYS_NICE SYS_RESOURCE SYS_TIME
  SYS_TTY_CONFIG MKNOD LEASE AUDIT_WRITE AUDIT_CONTROL SETFCAP MAC_OVERRIDE MAC_ADMIN SYSLOG
  WAKE_ALARM BLOCK_SUSPEND AUDIT_READ PERFMON BPF CHECKPOINT_RESTORE)

declare -A MC_CAP_NUMBER=() # name -> number, filled at the first lookup (after PID 1's start)

# Set MC_CAP to the number of capability $1 (NET_ADMIN, cap_net_admin, CAP_NET_ADMIN), or fail.
mc::cap_number() {
  local cap=${1^^} i
  if ((${#MC_CAP_NUMBER[@]} == 0)); then
    for i in "${!MC_CAP_NAMES[@]}"; do MC_CAP_NUMBER[${MC_CAP_NAMES[i]}]=$i; done
  fi
  cap=${cap#CAP_}
  [[ -n ${MC_CAP_NUMBER[$cap]:-} ]] || return 1
  MC_CAP=${MC_CAP_NUMBER[$cap]}
}

# SIZE (k/m/g, or bytes) -> bytes in $MC_BYTES; fails on anything else.
mc::parse_size() {
  [[ $1 =~ ^([0-9]{1,12})([kKmMgG]?)[bB]?$ ]] || return 1
  local n=${BASH_REMATCH[1]} unit=${BASH_REMATCH[2],,}
  case $unit in
    k) MC_BYTES=$((10#$n * 1024)) ;;
    m) MC_BYTES=$((10#$n * 1024 * 1024)) ;;
    g) MC_BYTES=$((10#$n * 1024 * 1024 * 1024)) ;;
    *) MC_BYTES=$((10#$n)) ;;
  esac
}

# N.N CPUs -> a CFS quota in microseconds per 100 ms period, in $MC_QUOTA; fails on bad input.
mc::parse_cpus() {
  [[ $1 =~ ^([0-9]{1,3})(\.([0-9]{1,3}))?$ ]] || return 1
  local frac=${BASH_REMATCH[3]}000
  MC_QUOTA=$((10#${BASH_REMATCH[1]} * 100000 + 10#${frac:0:3} * 100))
  ((MC_QUOTA >= 1000)) # the kernel's minimum quota is 1 ms
}

# Parse `run`'s options into MC_* variables. Only syntax here: what needs the host (does the rootfs
# exist, is the port free) is checked by mc::validate.
mc::parse_run() {
  MC_ROOTFS='' MC_NAME='' MC_HOSTNAME='' MC_MEMORY='' MC_CPUS='' MC_PIDS='' MC_NET=none
  MC_PORTS=() MC_VOLUMES=() MC_ENVS=() MC_WORKDIR=/ MC_READONLY=0 MC_USER='' MC_DETACH=0 MC_KEEP=0
  MC_CAP_ADD=() MC_CAP_DROP=() MC_ID='' MC_CMD=()
  while (($#)); do
    case $1 in
      --) shift; break ;;
      -d | --detach) MC_DETACH=1 ;;
      --keep) MC_KEEP=1 ;;
      --read-only) MC_READONLY=1 ;;
      --rootfs | --name | --hostname | --memory | --cpus | --pids | --net | -p | --publish | -v | --volume | \
        -e | --env | -w | --workdir | --user | --cap-add | --cap-drop | --mc-id)
        (($# >= 2)) || mc::usage_error "option $1 needs a value."
        case $1 in
          --rootfs) MC_ROOTFS=$2 ;;
          --name) MC_NAME=$2 ;;
          --hostname) MC_HOSTNAME=$2 ;;
          --memory) MC_MEMORY=$2 ;;
          --cpus) MC_CPUS=$2 ;;
          --pids) MC_PIDS=$2 ;;
          --net) MC_NET=$2 ;;
          -p | --publish) MC_PORTS+=("$2") ;;
          -v | --volume) MC_VOLUMES+=("$2") ;;
          -e | --env) MC_ENVS+=("$2") ;;
          -w | --workdir) MC_WORKDIR=$2 ;;
          --user) MC_USER=$2 ;;
          --cap-add) MC_CAP_ADD+=("$2") ;;
          --cap-drop) MC_CAP_DROP+=("$2") ;;
          --mc-id) MC_ID=$2 ;; # internal: the id a detached run was given by its parent
        esac
        shift ;;
      -*) mc::usage_error "unknown option '$1'." ;;
      *) break ;;
    esac
    shift
  done
  (($#)) || mc::usage_error "run needs a command to run in the container."
  MC_CMD=("$@")
}

# Check every value against the host, before anything is created: one sentence, exit 1.
mc::validate() {
  local v c
  if [[ -n $MC_ROOTFS ]]; then
    [[ -d $MC_ROOTFS ]] || die "the rootfs '$MC_ROOTFS' does not exist or is not a folder."
    MC_ROOTFS=$(realpath -- "$MC_ROOTFS")
    [[ $MC_ROOTFS != *[,:]* ]] || die "the rootfs path '$MC_ROOTFS' contains ',' or ':', which overlayfs cannot take."
  fi
  [[ -z $MC_NAME || $MC_NAME =~ ^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}$ ]] \
    || die "the name '$MC_NAME' is not valid (letters, digits, '_', '.', '-'; at most 63)."
  [[ -z $MC_HOSTNAME || $MC_HOSTNAME =~ ^[a-zA-Z0-9][a-zA-Z0-9.-]{0,62}$ ]] \
    || die "the host name '$MC_HOSTNAME' is not valid."
  if [[ -n $MC_MEMORY ]]; then
    mc::parse_size "$MC_MEMORY" || die "the memory size '$MC_MEMORY' is not valid (a number with k, m or g, e.g. 64m)."
    ((MC_BYTES >= 4 * 1024 * 1024)) || die "the memory size '$MC_MEMORY' is below the minimum of 4m."
  fi
  if [[ -n $MC_CPUS ]]; then
    mc::parse_cpus "$MC_CPUS" || die "the cpus value '$MC_CPUS' is not valid (a number such as 0.5, at least 0.01)."
    local ncpu
    ncpu=$(nproc)
    ((MC_QUOTA <= ncpu * 100000)) || die "--cpus $MC_CPUS is more than the $ncpu CPUs of this host."
  fi
  [[ -z $MC_PIDS || ($MC_PIDS =~ ^[0-9]{1,7}$ && $((10#$MC_PIDS)) != 0) ]] \
    || die "the pids limit '$MC_PIDS' is not a positive whole number."
  [[ $MC_NET == none || $MC_NET == bridge ]] || die "the network '$MC_NET' is not valid: use none or bridge."
  for v in "${MC_PORTS[@]}"; do
    if ! [[ $v =~ ^([0-9]{1,5}):([0-9]{1,5})$ ]] || ((10#${BASH_REMATCH[1]} < 1 || 10#${BASH_REMATCH[1]} > 65535 \
      || 10#${BASH_REMATCH[2]} < 1 || 10#${BASH_REMATCH[2]} > 65535)); then
      die "the port mapping '$v' is not valid: use HOSTPORT:CONTAINERPORT (1-65535)."
    fi
    [[ $MC_NET == bridge ]] || die "publishing a port (-p $v) needs --net bridge."
  done
  for v in "${MC_VOLUMES[@]}"; do
    [[ $v =~ ^(/[^:]*):(/[^:]*)(:(ro|rw))?$ ]] || die "the volume '$v' is not valid: use /HOST/PATH:/CONTAINER/PATH[:ro]."
    [[ -e ${BASH_REMATCH[1]} ]] || die "the volume source '${BASH_REMATCH[1]}' does not exist."
  done
  for v in "${MC_ENVS[@]}"; do
    [[ $v =~ ^[A-Za-z_][A-Za-z0-9_]*(=.*)?$ && $v != *$'\n'* ]] || die "the variable '$v' is not valid: use KEY=VALUE."
  done
  [[ $MC_WORKDIR == /* ]] || die "the working directory '$MC_WORKDIR' must be an absolute path."
  [[ -z $MC_USER || $MC_USER =~ ^[0-9]{1,9}(:[0-9]{1,9})?$ ]] || die "the user '$MC_USER' is not valid: use UID or UID:GID (numbers)."
  for c in "${MC_CAP_ADD[@]}" "${MC_CAP_DROP[@]}"; do
    [[ ${c^^} == ALL ]] || mc::cap_number "$c" || die "'$c' is not a capability this runtime knows."
  done
}
# endregion cli

# The capabilities CMD keeps, as kernel numbers joined by commas, by Docker's rules (moby's
# TweakCapabilities, oci/caps/utils.go): --cap-add ALL is every capability but the dropped ones;
# --cap-drop ALL is the added ones alone (the hardening idiom: --cap-drop ALL --cap-add NET_BIND_SERVICE);
# otherwise Docker's default set, without the dropped ones, with the added ones (added wins).
mc::caps() {
  local -A keep=() drop=()
  local c n last add_all=0 drop_all=0
  read -r last </proc/sys/kernel/cap_last_cap
  for c in "${MC_CAP_ADD[@]}"; do [[ ${c^^} != ALL ]] || add_all=1; done
  for c in "${MC_CAP_DROP[@]}"; do
    if [[ ${c^^} == ALL ]]; then drop_all=1; else mc::cap_number "$c" && drop[$MC_CAP]=1; fi
  done
  if ((add_all)); then
    for ((n = 0; n <= last; n++)); do [[ -n ${drop[$n]:-} ]] || keep[$n]=1; done
  else
    if ((!drop_all)); then
      for c in "${MC_DEFAULT_CAPS[@]}"; do mc::cap_number "$c" && [[ -z ${drop[$MC_CAP]:-} ]] && keep[$MC_CAP]=1; done
    fi
    for c in "${MC_CAP_ADD[@]}"; do mc::cap_number "$c" && keep[$MC_CAP]=1; done
  fi
  local IFS=,
  MC_CAPS="${!keep[*]}"
}

# region rootfs
# The default root file system: scripts/rootfs.sh's BusyBox tree, built once into MC_CACHE and
# reused (read-only: every container gets its own overlay on top). Built in a temporary folder and
# renamed, under a lock, so two first runs at once never see a half-made tree.
mc::rootfs() {
  [[ -n $MC_ROOTFS ]] && return 0
  MC_ROOTFS=$MC_CACHE
  [[ -x $MC_CACHE/bin/busybox ]] && return 0 # the hot path: no fork at all
  local lock
  exec {lock}>"$MC_CACHE.lock"
  flock "$lock"
  if [[ ! -x $MC_CACHE/bin/busybox ]]; then
    log::info "building the BusyBox rootfs in $MC_CACHE (once)"
    mc::lib rootfs
    rm -rf -- "$MC_CACHE.tmp"
    rootfs::busybox "$MC_CACHE.tmp"
    mv -- "$MC_CACHE.tmp" "$MC_CACHE"
  fi
  exec {lock}>&-
}
# endregion rootfs

# region overlay
# The writable layer: an upper and a work folder, on top of the rootfs, and the mount point rootfs,
# all in the container's state folder. The mount is made inside the container's own mount
# namespace (MC_INIT below), so the host never sees it and it vanishes with the container,
# whatever happens to this script. Without --keep, the three folders are made there too, on a
# tmpfs that PID 1 mounts over the state folder (MC_LAYER_TMPFS): the layer lives in memory, is
# never on the host's disk, and the kernel frees it with the namespace, so there is nothing to
# remove (removing folders from a disk costs milliseconds each on some file systems). With
# --keep, the folders are on the disk, made with the state folder, and stay after exit.
mc::layer() {
  local dir=$1
  [[ $dir != *[,:]* ]] || die "the state folder '$dir' contains ',' or ':', which overlayfs cannot take."
  mc::lib overlay
  if ((MC_KEEP)); then
    overlay::options MC_OVERLAY_OPTS "$dir/upper" "$dir/work" "$MC_ROOTFS"
  else # the folders do not exist yet: overlay::options checks the rootfs only
    overlay::options MC_OVERLAY_OPTS - - "$MC_ROOTFS"
    MC_OVERLAY_OPTS+=",upperdir=$dir/upper,workdir=$dir/work"
  fi
}
# endregion overlay

# region cgroups
# One cgroup per container with a limit, cfs-mc-<id>, in every hierarchy the limits need
# (cgroup.sh picks v1 or v2 at run time). The container's PID 1 moves itself in before it starts
# CMD (MC_INIT), so every process of the container is counted, and nothing else is.
# A container without --memory, --cpus or --pids gets none: there is nothing to enforce, its PID
# namespace already ends every process when PID 1 exits, and moving a process into a v1 cgroup
# costs a wait for an RCU grace period (tens of ms): the largest single cost of a start.
mc::cgroup_create() {
  local name=$1 dir
  mc::lib cgroup
  cgroup::create "$name" memory pids cpu
  [[ -z $MC_MEMORY ]] || cgroup::set_memory_max "$name" "$MC_BYTES"
  [[ -z $MC_PIDS ]] || cgroup::set_pids_max "$name" "$((10#$MC_PIDS))"
  [[ -z $MC_CPUS ]] || cgroup::set_cpu_max "$name" "$MC_QUOTA" 100000
  # The cgroup.procs files the container's PID 1 writes itself into (one per v1 hierarchy).
  MC_CGROUP_PROCS=''
  local dirs=()
  cgroup::_dirs_into dirs "$name"
  for dir in "${dirs[@]}"; do MC_CGROUP_PROCS+=$dir/cgroup.procs$'\n'; done
}
# endregion cgroups

# region namespaces
# Start the container: MC_INIT (Perl, in the coproc that runs this function) calls unshare(2) for
# new mount, UTS, IPC, network and PID namespaces, makes every mount of the new mount namespace
# private (nothing mounted inside propagates to the host), and forks PID 1, the first process of
# the new PID namespace; PID 1 then joins the cgroup and unshares the cgroup namespace itself, so
# that its view of /proc/self/cgroup starts at its own cgroup. (This is what util-linux's
# `unshare --mount --uts --ipc --net --pid --fork` does, without a program of its own to start.)
# It starts before the runtime has prepared the container: Perl takes 3 to 4 ms to start, compile
# MC_INIT and make the namespaces, while bash prepares the layer, the cgroup and the network (two
# CPUs do both at once). Its environment holds only the fd of the runtime's lock (and LC_ALL=C:
# no locale files for perl to read); what PID 1 needs comes later, on the sync pipe.
mc::launch() {
  MC_ALIVE_FD=$MC_ALIVE LC_ALL=C exec perl -x "$MC_SELF" init "${MC_CMD[@]}"
}

# fd 3 and 4 of MC_INIT are the sync pipe. The runtime sends PID 1's configuration on it
# (mc::configure: KEY=VALUE records, each ended by a NUL, which no value can hold, then an empty
# one); PID 1 reports its host PID at once, so that the runtime writes state.json (and with --net
# bridge, attaches the network) while PID 1 builds its root; then "ready", and it waits for "go".
mc::configure() {
  printf '%s\0' "MC_HOSTNAME=$MC_HOSTNAME" "MC_CGROUPS=$MC_CGROUP_PROCS" "MC_OVERLAY=$MC_OVERLAY_OPTS" \
    "MC_MERGED=$MC_DIR/rootfs" "MC_LAYER_TMPFS=$((!MC_KEEP))" "MC_VOLS=$MC_VOLS" "MC_READONLY=$MC_READONLY" \
    "MC_WORKDIR=$MC_WORKDIR" "MC_ENV=$MC_ENV" "MC_USER=$MC_USER" "MC_CAPS=$MC_CAPS" \
    "MC_NET_SETUP=${MC_NET#none}" "MC_IP=$MC_IP" "MC_GATEWAY=$MC_SUBNET.1" '' >&"$1"
}
# endregion namespaces

# region state
# /run/mini-container/<id>/: state.json (in the spirit of runc's: id, pid, status, bundle, and
# what ps shows), runtime.env (what teardown needs, in bash syntax), log (-d), and the layer.
# A lock on the folder is held by the runtime process for the container's life: `stop` waits on
# it, and `prune` knows a container whose lock is free has no runtime left (SIGKILLed, say).

# Set the variable $1 to the JSON string of $2.
mc::json_str() {
  local -n _mc_json=$1
  local s=${2//\\/\\\\}
  s=${s//\"/\\\"}
  s=${s//$'\n'/\\n}
  s=${s//$'\t'/\\t}
  _mc_json="\"$s\""
}

# Write state.json for the container in MC_DIR: status ($1), PID 1's host pid ($2), exit code ($3).
mc::state_write() {
  local status=$1 pid=$2 code=${3:-} cmd='' a j_name j_rootfs j_cmd j_host
  for a in "${MC_CMD[@]}"; do cmd+=${cmd:+ }$a; done
  mc::json_str j_name "$MC_NAME"
  mc::json_str j_rootfs "$MC_ROOTFS"
  mc::json_str j_cmd "$cmd"
  mc::json_str j_host "$MC_HOSTNAME"
  local json # built in a variable, then written with one write(2)
  printf -v json '{\n  "ociVersion": "1.0.2",\n  "id": "%s",\n  "name": %s,\n  "status": "%s",\n  "pid": %s,\n' \
    "$MC_ID" "$j_name" "$status" "$pid"
  printf -v json '%s  "exitCode": %s,\n  "bundle": "%s",\n  "rootfs": %s,\n  "command": %s,\n  "hostname": %s,\n' \
    "$json" "${code:-null}" "$MC_DIR" "$j_rootfs" "$j_cmd" "$j_host"
  printf -v json '%s  "cgroup": "%s",\n  "ip": "%s",\n  "ports": "%s",\n  "created": "%s"\n}\n' \
    "$json" "${MC_CGROUP_PROCS:+$MC_PREFIX$MC_ID}" "${MC_IP:-}" "${MC_PORTS[*]}" "$MC_CREATED"
  printf '%s' "$json" >"$MC_DIR/state.json"
}

# Hold MC_RUN's lock (allocation of ids, names, addresses, ports; the bridge and chains).
mc::lock() {
  while :; do
    # Another run may make it between the test and mkdir (bash's loadable mkdir -p then fails
    # with "File exists"): what counts is that it exists.
    [[ -d $MC_RUN ]] || mkdir -p -- "$MC_RUN" 2>/dev/null || [[ -d $MC_RUN ]] || die "cannot create $MC_RUN."
    exec {MC_LOCK}<"$MC_RUN"
    flock "$MC_LOCK"
    # Removed (by the last container's teardown) while we waited: lock the new one instead.
    [[ /proc/self/fd/$MC_LOCK -ef $MC_RUN ]] && return 0
    exec {MC_LOCK}<&-
  done
}
mc::unlock() { exec {MC_LOCK}<&-; }
# endregion state

# Remove what one container made on the host: the cgroup (killing what is left in it), the network
# bits, the layer (unless kept), and the state folder (unless kept). Safe to run twice.
mc::teardown() {
  local dir=$1 id=${1##*/} keep_state=${2:-0}
  local line ip='' ports='' cgroup=1 lines=()
  if [[ -f $dir/runtime.env ]]; then
    while IFS= read -r line; do
      case $line in
        MC_IP=?*) ip=${line#MC_IP=} ;;
        MC_PORTS=?*) ports=${line#MC_PORTS=} ;;
        MC_CGROUP=0) cgroup=0 ;; # run made none (no limit): nothing to look for
      esac
      lines+=("$line")
    done <"$dir/runtime.env"
  fi
  if ((cgroup)); then
    mc::lib cgroup
    cgroup::remove "$MC_PREFIX$id" || true
  fi
  if [[ -n $ip ]]; then
    # Released first (the next allocation may take it), then the host side undone.
    printf '%s\n' "${lines[@]/#MC_IP=*/MC_IP=}" >"$dir/runtime.env"
    mc::lib network
    mc::net_detach "$id" "$ports"
  fi
  ((keep_state)) && return 0
  rm -rf -- "$dir"
  # The last container out removes MC_RUN too (mc::lock checks that it still holds the real one),
  # with bash's loadable rmdir when it is there, loaded for this one call (it takes no `--`).
  if enable -f rmdir rmdir 2>/dev/null; then
    rmdir "$MC_RUN" 2>/dev/null || true
    enable -d rmdir
  else
    rmdir -- "$MC_RUN" 2>/dev/null || true
  fi
}

# region lifecycle
# run: validate, then create in this order, each with its undo on the cleanup stack: the state
# folder (and its lock); PID 1's program, which starts up meanwhile; the network's shared part, the
# layer, the cgroup; then PID 1's configuration, the network, the state file; tell PID 1 to go;
# wait. Ctrl-C or a signal runs the same undo stack.
mc::run() {
  mc::parse_run "$@"
  common::require_root
  [[ $HOSTTYPE == x86_64 ]] || die "this runtime's system call numbers are for x86_64; this host is $HOSTTYPE."
  mc::validate
  if ((MC_DETACH)); then mc::lib commands; mc::detach "$@"; fi
  mc::rootfs
  [[ $MC_NET == none ]] || mc::lib network

  # MC_RUN's lock, only when there is something to allocate: a name, an address, a port.
  local shared=0
  [[ -z $MC_NAME && $MC_NET == none ]] || { shared=1; mc::lock; }
  if [[ -z $MC_ID ]]; then printf -v MC_ID '%08x%04x' "$SRANDOM" "$((SRANDOM & 0xffff))"; fi
  if [[ -n $MC_NAME ]]; then
    # Names are taken in runtime.env, written under the lock (state.json comes later).
    local f line
    for f in "$MC_RUN"/*/runtime.env; do
      [[ -f $f ]] || continue
      while IFS= read -r line; do
        [[ $line == "MC_NAME=$MC_NAME" ]] \
          && { f=${f%/runtime.env}; die "the name '$MC_NAME' is already in use by container ${f##*/}."; }
      done <"$f"
    done
  else MC_NAME=$MC_ID; fi
  MC_HOSTNAME=${MC_HOSTNAME:-${MC_NAME:0:63}}
  MC_DIR=$MC_RUN/$MC_ID MC_IP=''
  ((${#MC_PORTS[@]} == 0)) || { common::require_cmd iptables iptables; mc::net_check_ports; }
  [[ $MC_NET == none ]] || mc::net_alloc_ip
  MC_KEEP_STATE=0 # read by the teardown on the cleanup stack: 1 keeps the state folder
  [[ ! -e $MC_DIR ]] || die "container id $MC_ID is taken (try again)."
  cleanup::push "mc::teardown '$MC_DIR' \$MC_KEEP_STATE"
  # The state folder (and MC_RUN), and for --keep the layer's folders (mc::layer).
  # Tried twice: without the lock, another run may make MC_RUN at the same moment (bash's loadable
  # mkdir -p then fails with "File exists"), or the last container's teardown remove it.
  local made=("$MC_DIR")
  ((MC_KEEP)) && made=("$MC_DIR/upper" "$MC_DIR/work" "$MC_DIR/rootfs")
  mkdir -p -- "${made[@]}" 2>/dev/null || mkdir -p -- "${made[@]}"
  if [[ -n ${MC_DETACHED:-} ]]; then MC_LOG=$MC_DIR/log; : >"$MC_LOG"; fi
  local cgroup=0
  [[ -z $MC_MEMORY$MC_CPUS$MC_PIDS ]] || cgroup=1
  printf 'MC_IP=%s\nMC_PORTS=%s\nMC_KEEP=%s\nMC_RUNTIME_PID=%s\nMC_CGROUP=%s\nMC_NAME=%s\n' "$MC_IP" "${MC_PORTS[*]}" \
    "$MC_KEEP" "$$" "$cgroup" "$MC_NAME" >"$MC_DIR/runtime.env"
  # The runtime's lock on its container, for its whole life (stop and prune test it): this open
  # file, locked by the shim (MC_INIT) without a fork, and held while either keeps it open.
  exec {MC_ALIVE}<"$MC_DIR/runtime.env"

  # PID 1's program, started now (see mc::launch). Its stdin, stdout and stderr: the terminal (or
  # whatever this script has), or for -d /dev/null and the log. It gets neither MC_RUN's lock
  # (held for a moment more, by us alone) nor -d's "started" pipe.
  local in=0 out=1 err=2
  if [[ -n ${MC_LOG:-} ]]; then exec {in}</dev/null {out}>>"$MC_LOG"; err=$out; fi
  exec {MC_TTY_IN}<&"$in" {MC_TTY_OUT}>&"$out" {MC_TTY_ERR}>&"$err"
  coproc MC_PID1 {
    [[ -z ${MC_READY:-} ]] || exec {MC_READY}>&-
    ((shared == 0)) || exec {MC_LOCK}<&-
    mc::launch 3<&0 4>&1 0<&"$MC_TTY_IN" 1>&"$MC_TTY_OUT" 2>&"$MC_TTY_ERR" {MC_TTY_IN}<&- {MC_TTY_OUT}>&- {MC_TTY_ERR}>&-
  }
  local shim=$MC_PID1_PID to_pid1 from_pid1 pid1 status
  exec {MC_TTY_IN}<&- {MC_TTY_OUT}>&- {MC_TTY_ERR}>&-
  cleanup::push "kill -KILL $shim 2>/dev/null || true"
  # Our own copies of the pipe's ends: bash closes the coproc's once it has reaped it, which for a
  # PID 1 that failed at once can be before we write to it (or even before this line).
  if ! { exec {to_pid1}>&"${MC_PID1[1]:-}" {from_pid1}<&"${MC_PID1[0]:-}"; } 2>/dev/null; then
    wait "$shim" || true
    die "the container failed to start (see the message above)."
  fi

  # While Perl starts: the bridge and the chains, the layer's options, the cgroup, the volumes
  # and variables.
  printf -v MC_CREATED '%(%Y-%m-%dT%H:%M:%SZ)T' -1
  if [[ $MC_NET == bridge ]]; then
    if ((${#MC_PORTS[@]})) && ! nft list table ip nat >/dev/null 2>&1; then : >"$MC_RUN/.nat-table-ours"; fi
    mc::net_host_setup
  fi
  ((shared == 0)) || mc::unlock
  mc::caps
  mc::layer "$MC_DIR"
  MC_CGROUP_PROCS=''
  ((cgroup == 0)) || mc::cgroup_create "$MC_PREFIX$MC_ID"
  local v src dst mode
  MC_VOLS='' MC_ENV=''
  for v in "${MC_VOLUMES[@]}"; do
    [[ $v =~ ^(/[^:]*):(/[^:]*)(:(ro|rw))?$ ]]
    src=${BASH_REMATCH[1]} dst=${BASH_REMATCH[2]} mode=${BASH_REMATCH[4]:-rw}
    MC_VOLS+=$src$'\t'$dst$'\t'$mode$'\n'
  done
  for v in "${MC_ENVS[@]}"; do
    [[ $v == *=* ]] || v=$v=${!v:-}
    MC_ENV+=$v$'\n'
  done

  # PID 1's configuration. Writes to the pipe ignore SIGPIPE: a PID 1 that has already failed
  # (its message is on stderr) has closed it, and the read that follows says so; the signal
  # would end the runtime with 141 (after its EXIT trap) and not a word.
  trap '' PIPE
  mc::configure "$to_pid1" 2>/dev/null || true
  trap - PIPE
  if ! read -r -u "$from_pid1" pid1; then
    wait "$shim" || true
    die "the container failed to start (see the message above)."
  fi
  # On an interrupt: SIGKILL PID 1 and wait for the shim, which returns once the PID namespace
  # is empty (no polling), before the teardown.
  cleanup::push "kill -KILL $pid1 2>/dev/null; wait $shim 2>/dev/null || true"
  # While PID 1 builds its root (two CPUs: at the same time), the network and the state; then
  # PID 1's "ready" (its root is built) and our "go".
  [[ $MC_NET == none ]] || mc::net_attach "$pid1"
  mc::state_write running "$pid1"
  local ready=''
  if ! read -r -u "$from_pid1" ready || [[ $ready != ready ]]; then
    wait "$shim" || true
    die "the container failed to start (see the message above)."
  fi
  trap '' PIPE
  printf 'go\n' 1>&"$to_pid1" 2>/dev/null || true
  trap - PIPE
  exec {to_pid1}>&- {from_pid1}<&-
  [[ -z ${MC_READY:-} ]] || { printf 'started\n' >&"$MC_READY"; exec {MC_READY}>&- 1>/dev/null 2>>"$MC_LOG"; }
  status=0
  wait "$shim" || status=$?
  if ((MC_KEEP || ${MC_DETACHED:-0})); then
    mc::state_write exited "$pid1" "$status"
    # shellcheck disable=SC2034 # read by the teardown on the cleanup stack
    MC_KEEP_STATE=1
  fi
  exit "$status"
}
# endregion lifecycle

main() {
  local cmd=${1:-}
  (($#)) && shift
  case $cmd in
    run)
      # The background half of -d: its stdout is the pipe the parent reads "started" on.
      [[ -z ${MC_DETACHED:-} ]] || exec {MC_READY}>&1
      mc::run "$@" ;;
    ps) common::require_root; mc::lib commands; mc::ps ;;
    exec) common::require_root; mc::lib commands; mc::exec "$@" ;;
    logs) common::require_root; mc::lib commands; mc::logs "$@" ;;
    stop) common::require_root; mc::lib commands; mc::stop "$@" ;;
    rm) common::require_root; mc::lib commands; mc::rm "$@" ;;
    prune) common::require_root; mc::lib commands; mc::prune ;;
    -h | --help | help) mc::usage ;;
    '') mc::usage_error "name a command." ;;
    *) mc::usage_error "unknown command '$cmd'." ;;
  esac
}
main "$@"
exit
# Bash reads no further (it parses a script as it runs it, and main has exited): what follows is
# MC_INIT, the program that runs in the new namespaces (see the top of this file for why Perl),
# which `perl -x` runs from this very file, starting at its #! line. A heredoc nobody runs keeps
# it out of bash's way: bash never spends time reading it, and shellcheck sees only text.
# In `init` mode it runs with fds 3 (read) and 4 (write) of the sync pipe.
# shellcheck disable=SC2317 # never run, on purpose
: <<'PERL'
#!/usr/bin/perl
use strict;   # and no other module: each one costs milliseconds of start-up
# x86_64 system call numbers (asm/unistd_64.h) and flags (linux/mount.h, linux/prctl.h, sched.h).
my %NR = (mount => 165, umount2 => 166, pivot_root => 155, sethostname => 170, mknod => 133,
  prctl => 157, capset => 126, setgroups => 116, setresgid => 119, setresuid => 117,
  unshare => 272, setns => 308);
sub MS_RDONLY () { 1 } sub MS_NOSUID () { 2 } sub MS_NODEV () { 4 } sub MS_NOEXEC () { 8 }
sub MS_REMOUNT () { 32 } sub MS_BIND () { 4096 } sub MS_REC () { 16384 } sub MNT_DETACH () { 2 }
sub MS_PRIVATE () { 1 << 18 } sub CLONE_NEWNS () { 0x00020000 } sub CLONE_NEWUTS () { 0x04000000 }
sub CLONE_NEWIPC () { 0x08000000 } sub CLONE_NEWNET () { 0x40000000 } sub CLONE_NEWPID () { 0x20000000 }
sub CLONE_NEWCGROUP () { 0x02000000 } sub PR_SET_PDEATHSIG () { 1 } sub PR_CAPBSET_READ () { 23 }
sub PR_CAPBSET_DROP () { 24 }
sub PR_SET_NO_NEW_PRIVS () { 38 } sub PR_CAP_AMBIENT () { 47 }
# syscall() may write into its string arguments: pass copies (numbers stay numbers).
sub sys { my $name = shift; my @a = map { my $c = $_; $c } @_; my $r = syscall($NR{$name}, @a);
  die "mini-container: $name(@{[join ', ', map { defined $_ ? $_ : 'NULL' } @_]}): $!\n" if $r == -1; $r }
sub hostname { open(my $h, '<', '/proc/sys/kernel/hostname') or return ''; <$h> =~ s/\s+$//r }
sub close_fd { my $fh; open($fh, '<&=', $_[0]) and close $fh }
sub lines { my $v = $ENV{$_[0]} // ''; grep { length } split /\n/, $v }
# Read the runtime's KEY=VALUE records (mc::configure) from the handle $_[0] into %ENV, where
# `exec` mode finds the same variables in its environment. False when the pipe ends first: the
# runtime gave up.
sub read_config { my $fh = shift; local $/ = "\0";
  while (defined(my $r = <$fh>)) { chomp $r; return 1 if $r eq ''; my ($k, $v) = split /=/, $r, 2; $ENV{$k} = $v }
  return 0 }
sub mkdir_p { my $p = ''; for (grep { length } split m{/}, $_[0]) { $p .= "/$_"; mkdir $p } }

# Move this process into the container's cgroup (one cgroup.procs per v1 hierarchy; "0" = me).
sub join_cgroups {
  for my $f (lines('MC_CGROUPS')) {
    open(my $fh, '>', $f) or die "mini-container: $f: $!\n"; print $fh "0\n";
    close($fh) or die "mini-container: cannot join the cgroup ($f): $!\n";
  }
}

# Bring lo up in the new network namespace (SIOCGIFFLAGS/SIOCSIFFLAGS on a UDP socket).
sub lo_up {
  socket(my $s, 2, 2, 0) or die "mini-container: socket: $!\n";
  my $req = pack('a16 x24', 'lo'); ioctl($s, 0x8913, $req) or die "mini-container: SIOCGIFFLAGS lo: $!\n";
  my $flags = unpack('x16 s', $req) | 1;
  ioctl($s, 0x8914, pack('a16 s x22', 'lo', $flags)) or die "mini-container: SIOCSIFFLAGS lo: $!\n";
}

# --net bridge: eth0 (its host end is on the bridge by now) gets its address/24, goes up, and the
# default route goes via the bridge, with the ioctls of ifconfig and route: SIOCSIFADDR,
# SIOCSIFNETMASK, SIOCSIFFLAGS (struct ifreq), SIOCADDRT (struct rtentry, RTF_UP | RTF_GATEWAY).
sub sin4 { pack('S n C4 x8', 2, 0, split /\./, $_[0]) }      # struct sockaddr_in, AF_INET
sub eth0_up {
  my ($ip, $gw) = @_;
  socket(my $s, 2, 2, 0) or die "mini-container: socket: $!\n";
  ioctl($s, 0x8916, pack('a16 a16 x8', 'eth0', sin4($ip))) or die "mini-container: SIOCSIFADDR eth0: $!\n";
  ioctl($s, 0x891c, pack('a16 a16 x8', 'eth0', sin4('255.255.255.0'))) or die "mini-container: SIOCSIFNETMASK eth0: $!\n";
  my $req = pack('a16 x24', 'eth0'); ioctl($s, 0x8913, $req) or die "mini-container: SIOCGIFFLAGS eth0: $!\n";
  ioctl($s, 0x8914, pack('a16 s x22', 'eth0', unpack('x16 s', $req) | 1)) or die "mini-container: SIOCSIFFLAGS eth0: $!\n";
  ioctl($s, 0x890b, pack('x8 a16 a16 a16 S x62', sin4('0.0.0.0'), sin4($gw), sin4('0.0.0.0'), 3))
    or die "mini-container: SIOCADDRT default via $gw: $!\n";
}

# region pivot-root
# The container's file system, built under MC_MERGED in this (private) mount namespace, then made
# the root with pivot_root. Docker's defaults: /proc fresh for the new PID namespace, /sys
# read-only, /dev a small tmpfs with only the harmless devices, its own devpts and /dev/shm.
sub mount_fs { my ($src, $dst, $type, $flags, $data) = @_;
  sys('mount', $src, $dst, $type, 0 + $flags, defined $data ? $data : 0) }
sub make_dev { my ($path, $major, $minor) = @_;   # a character device, mode 0666
  sys('mknod', $path, 0020666, 0 + (($major << 8) | $minor)); chmod 0666, $path }

sub build_root {
  my $r = $ENV{MC_MERGED};
  if ($ENV{MC_LAYER_TMPFS}) {   # no --keep: the layer on a tmpfs over the state folder, here only
    my $state = $r =~ s{/[^/]+$}{}r;
    mount_fs('cfs-mc-layer', $state, 'tmpfs', MS_NOSUID | MS_NODEV, 'mode=755');
    mkdir "$state/$_" or die "mini-container: mkdir $state/$_: $!\n" for qw(upper work rootfs);
  }
  mount_fs('cfs-mc-overlay', $r, 'overlay', 0, $ENV{MC_OVERLAY});   # the writable layer
  -d "$r/$_" or mkdir "$r/$_" for qw(proc sys dev tmp);
  mount_fs('proc', "$r/proc", 'proc', MS_NOSUID | MS_NODEV | MS_NOEXEC);
  mount_fs('sysfs', "$r/sys", 'sysfs', MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC);
  mount_fs('tmpfs', "$r/dev", 'tmpfs', MS_NOSUID | MS_NOEXEC, 'mode=755,size=65536k');
  make_dev("$r/dev/$$_[0]", $$_[1], $$_[2]) for (['null', 1, 3], ['zero', 1, 5], ['full', 1, 7],
    ['random', 1, 8], ['urandom', 1, 9], ['tty', 5, 0]);
  mkdir "$r/dev/pts"; mkdir "$r/dev/shm";
  mount_fs('devpts', "$r/dev/pts", 'devpts', MS_NOSUID | MS_NOEXEC, 'newinstance,ptmxmode=0666,mode=0620');
  mount_fs('shm', "$r/dev/shm", 'tmpfs', MS_NOSUID | MS_NODEV | MS_NOEXEC, 'mode=1777,size=65536k');
  symlink('pts/ptmx', "$r/dev/ptmx"); symlink('/proc/self/fd', "$r/dev/fd");
  symlink("/proc/self/fd/$$_[1]", "$r/dev/$$_[0]") for (['stdin', 0], ['stdout', 1], ['stderr', 2]);
  for (lines('MC_VOLS')) {                                    # -v HOST:CTR[:ro], "HOST\tCTR\tro"
    my ($host, $ctr, $ro) = split /\t/;
    if (-d $host) { mkdir_p("$r$ctr") } else { mkdir_p("$r$ctr" =~ s{/[^/]*$}{}r); open(my $t, '>>', "$r$ctr") }
    mount_fs($host, "$r$ctr", 0, MS_BIND | MS_REC);
    mount_fs(0, "$r$ctr", 0, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV) if $ro eq 'ro';
  }
  mkdir_p("$r$ENV{MC_WORKDIR}");
  mount_fs(0, $r, 0, MS_BIND | MS_REMOUNT | MS_RDONLY) if $ENV{MC_READONLY};   # --read-only
  # pivot_root(".", "."): the old root ends up stacked on top of the new one; detaching it leaves
  # the new root alone, with no path back to the host's file system (runc does the same).
  chdir $r or die "mini-container: chdir $r: $!\n";
  sys('pivot_root', '.', '.');
  sys('umount2', '.', MNT_DETACH);
  chdir '/';
}
# endregion pivot-root

# region capabilities
# Docker's default: a bounding set of 14 capabilities (MC_CAPS, kernel numbers), nothing inherited
# or ambient, no_new_privs (setuid binaries and file capabilities can never add any), and for
# --user a switch of uid/gid, which clears the permitted and effective sets by itself.
sub drop_privileges {
  my %keep = map { $_ => 1 } grep { length } split /,/, $ENV{MC_CAPS} // '';
  open(my $fh, '<', '/proc/sys/kernel/cap_last_cap') or die; my $last = 0 + <$fh>;
  for my $cap (0 .. $last) { sys('prctl', PR_CAPBSET_DROP, $cap, 0, 0, 0) unless $keep{$cap} }
  sys('prctl', PR_CAP_AMBIENT, 4, 0, 0, 0);                   # PR_CAP_AMBIENT_CLEAR_ALL
  my ($uid, $gid) = (0, 0);
  if (length($ENV{MC_USER} // '')) {
    ($uid, $gid) = split /:/, $ENV{MC_USER}; $gid //= $uid; ($uid, $gid) = (0 + $uid, 0 + $gid);
    sys('setgroups', 1, pack('L', $gid)); sys('setresgid', $gid, $gid, $gid); sys('setresuid', $uid, $uid, $uid);
  }
  my ($lo, $hi) = (0, 0);
  # Kept and still in the bounding set (PR_CAPBSET_READ): --cap-add ALL on a host whose root lacks
  # a capability gets what root has (capset(2) refuses more than the permitted set).
  if ($uid == 0) { for (grep { sys('prctl', PR_CAPBSET_READ, 0 + $_, 0, 0, 0) } keys %keep) {
    if ($_ < 32) { $lo |= 1 << $_ } else { $hi |= 1 << ($_ - 32) } } }
  # capset(_LINUX_CAPABILITY_VERSION_3): effective, permitted, inheritable for caps 0-31, then 32-63.
  sys('capset', pack('LL', 0x20080522, 0), pack('L6', $lo, $lo, 0, $hi, $hi, 0));
  sys('prctl', PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
  return $uid;
}
# endregion capabilities

# region init
# The last step: a clean environment, the working directory, and exec of CMD, which becomes PID 1
# (or, for `exec`, a process in the container). Not found: 127, as a shell says; not runnable: 126.
sub start_cmd {
  my ($uid, @cmd) = @_;
  my $term = $ENV{TERM}; my @env = lines('MC_ENV'); my $wd = $ENV{MC_WORKDIR_IN} // '/';
  %ENV = (PATH => '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    HOME => $uid == 0 ? '/root' : '/', HOSTNAME => hostname());
  $ENV{TERM} = $term if defined $term;
  for (@env) { my ($k, $v) = split /=/, $_, 2; $ENV{$k} = $v }
  chdir($wd) or die "mini-container: chdir $wd: $!\n";
  exec { $cmd[0] } @cmd;
  my ($errno, $err) = (0 + $!, "$!"); print STDERR "mini-container: $cmd[0]: $err\n";
  exit($errno == 2 ? 127 : 126);                                 # 2: ENOENT (no Errno.pm: it is slow to load)
}

# Wait for PID 1 and exit with its status: 128 + the signal when it was killed (137 for SIGKILL,
# the OOM killer's signal), as a shell reports it.
sub wait_status { my $pid = shift; waitpid($pid, 0); exit($? & 127 ? 128 + ($? & 127) : $? >> 8) }

my $mode = shift @ARGV;
if ($mode eq 'init') {
  # The new namespaces (the cgroup one comes later, from PID 1), every mount made private, and
  # PID 1: a new PID namespace applies to the children of the caller, not to the caller itself.
  sys('unshare', CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWPID);
  mount_fs(0, '/', 0, MS_REC | MS_PRIVATE);
  my $pid = fork() // die "mini-container: fork: $!\n";
  if ($pid) {                     # the shim: stays on the host side, dies with the runtime
    sys('prctl', PR_SET_PDEATHSIG, 9, 0, 0, 0); close_fd($_) for 3, 4;
    # Ctrl-C and the like are for the container and the runtime: the shim stays until PID 1 is
    # gone, so that the runtime, waiting for the shim, knows the container has ended.
    $SIG{$_} = 'IGNORE' for qw(INT TERM HUP QUIT);
    # The runtime's lock on its container (shared open file: held until both let go of it).
    my $alive; open($alive, '<&=', $ENV{MC_ALIVE_FD}) and flock($alive, 2);
    wait_status($pid);
  }
  sys('prctl', PR_SET_PDEATHSIG, 9, 0, 0, 0);                    # PID 1 dies with the shim
  close_fd($ENV{MC_ALIVE_FD});
  # The configuration: the runtime sends it once the layer, the cgroup and the bridge are there.
  open(my $to_host, '>&=', 4) or die; open(my $from_host, '<&=', 3) or die;
  read_config($from_host) or exit 1;                             # the runtime gave up: say nothing
  join_cgroups(); sys('unshare', CLONE_NEWCGROUP);
  open(my $st, '<', '/proc/self/stat') or die; my ($host_pid) = split ' ', <$st>;  # host /proc still
  # The host PID at once: the runtime writes state.json (and attaches the network) meanwhile.
  syswrite($to_host, "$host_pid\n");
  $ENV{MC_HOSTNAME} and sys('sethostname', $ENV{MC_HOSTNAME}, length $ENV{MC_HOSTNAME});
  lo_up(); build_root();
  syswrite($to_host, "ready\n"); close $to_host;
  my $go = <$from_host> // ''; close $from_host;
  exit 1 unless $go eq "go\n";                                   # the runtime gave up: say nothing
  eth0_up($ENV{MC_IP}, $ENV{MC_GATEWAY}) if $ENV{MC_NET_SETUP};    # the host made the veth by now
  $ENV{MC_WORKDIR_IN} = $ENV{MC_WORKDIR};
  start_cmd(drop_privileges(), @ARGV);
} elsif ($mode eq 'exec') {
  # Join a running container: its cgroup, then every namespace of its PID 1 (mnt last: it also
  # moves us to the container's root), then fork, since a new PID namespace applies to children.
  my $target = $ENV{MC_PID};
  join_cgroups();
  my @ns = map { open(my $fh, '<', "/proc/$target/ns/$_") or die "mini-container: $_: $!\n"; $fh }
    qw(cgroup ipc uts net pid mnt);
  sys('setns', fileno($_), 0) for @ns;
  close $_ for @ns;
  my $pid = fork() // die "mini-container: fork: $!\n";
  wait_status($pid) if $pid;
  $ENV{MC_WORKDIR_IN} = $ENV{MC_WORKDIR};
  start_cmd(drop_privileges(), @ARGV);
}
die "mini-container: unknown mode $mode\n";
# endregion init
__END__
PERL
