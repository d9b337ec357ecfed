# shellcheck shell=bash
# cgroup.sh: one API over cgroup v2 (unified) and v1/hybrid hosts. The mode is detected at run
# time and every path is derived from it, so a lab prints the same facts on either kind of host.
# Source it after common.sh (it sources common.sh itself when needed).
#
# Controller names are the v2 names: cpu, memory, pids, io. On v1, "cpu" means the cpu AND
# cpuacct hierarchies (usage is accounted by cpuacct) and "io" means blkio; a combined mount such
# as cpu,cpuacct is resolved and used once.
# NAME is a cgroup path relative to the root: "cfs-memory", or nested "cfs-hier/child"; its first
# component must start with cfs-. BYTES, N, QUOTA_US and BPS accept "max" (no limit) too.
#
#   cgroup::mode                        print v2 or v1 (v1 covers hybrid hosts)
#   cgroup::available CONTROLLER        succeed when the host offers CONTROLLER (no output)
#   cgroup::create NAME CONTROLLER...   make NAME with those controllers (v2 allows none: a cgroup
#                                       that only groups processes). v2: mkdir, after adding
#                                       "+ctrl" to every parent's cgroup.subtree_control that
#                                       lacks it (never removes any); v1: mkdir in each hierarchy.
#                                       Pushes nothing on the cleanup stack: the caller does
#                                       cleanup::push "cgroup::remove NAME" (before or right after:
#                                       remove is safe when NAME does not exist).
#   cgroup::remove NAME                 idempotent: thaw NAME and below where frozen (a v1 frozen
#                                       task does not die of SIGKILL until thawed), SIGKILL every
#                                       process in NAME and below (v2:
#                                       cgroup.kill when present), wait until empty, rmdir the
#                                       directories deepest first, in every hierarchy. Warns and
#                                       returns 1 (never exits) on failure: it runs in cleanups.
#   cgroup::exists NAME                 succeed when NAME exists in some hierarchy
#   cgroup::path NAME CONTROLLER        print the directory holding CONTROLLER's files for NAME
#   cgroup::attach NAME PID             move PID into NAME in every hierarchy NAME exists in
#   cgroup::exec NAME CMD...            run CMD inside NAME (a subshell joins it, then execs CMD);
#                                       returns CMD's status. Works in the background too (&).
#   cgroup::spawn NAME CMD...           start CMD in the background inside NAME and return once it
#                                       is in; $! is then CMD's own PID (after `cgroup::exec .. &`
#                                       $! would be a wrapper subshell outside the cgroup)
#   cgroup::procs NAME                  print the PIDs in NAME (one per line; first hierarchy)
#   cgroup::freezer_state NAME          print frozen, freezing or thawed: v1 freezer.state in the
#                                       freezer hierarchy; v2 the frozen key of cgroup.events
#                                       (frozen), else cgroup.freeze (1: freezing, 0: thawed)
#   cgroup::set NAME CONTROLLER FILE VALUE   write VALUE into one interface file (dies naming
#                                       the file when it is missing or the kernel refuses VALUE)
#   cgroup::get NAME CONTROLLER FILE    print one interface file
#   cgroup::set_memory_max NAME BYTES   v2: memory.max, memory.swap.max=0 when present;
#                                       v1: memory.limit_in_bytes, memory.memsw.limit_in_bytes =
#                                       the same when present (no swap), memory.swappiness=0
#   cgroup::set_pids_max NAME N         pids.max (both)
#   cgroup::set_cpu_max NAME QUOTA_US PERIOD_US  v2: cpu.max "QUOTA PERIOD";
#                                       v1: cpu.cfs_period_us, then cpu.cfs_quota_us (max = -1)
#   cgroup::set_cpu_weight NAME WEIGHT  v2: cpu.weight (1-10000); v1: cpu.shares, converted with
#                                       the inverse of runc's ConvertCPUSharesToCgroupV2Value
#                                       (runc >= 1.3.2: 100 <-> 1024, 1 <-> 2, 10000 <-> 262144)
#   cgroup::cpu_weight_to_shares WEIGHT print that conversion
#   cgroup::set_io_wbps NAME MAJ:MIN BPS  v2: io.max "MAJ:MIN wbps=BPS";
#                                       v1: blkio.throttle.write_bps_device "MAJ:MIN BPS" (max = 0).
#                                       v1 throttles the I/O a task submits itself: direct I/O,
#                                       and the writeback it forces with fsync()/O_SYNC; only
#                                       background writeback of dirty pages (by the flusher
#                                       threads, charged to the root) escapes it. v2 also charges
#                                       background writeback to the cgroup that dirtied the pages,
#                                       on file systems with cgroup writeback support (ext4, xfs,
#                                       btrfs). The lab uses oflag=direct, throttled alike on both.
# Evidence readers, each printing one integer:
#   cgroup::oom_kills NAME              v2: memory.events oom_kill; v1: memory.oom_control oom_kill
#   cgroup::memory_max_hits NAME        times usage hit the limit. v2: memory.events max;
#                                       v1: memory.failcnt + memory.memsw.failcnt (when present:
#                                       with swap accounting the memsw counter takes the failures).
#                                       Seen staying 0 on a 6.18 v1 host after an OOM kill: labs
#                                       should prefer oom_kills and memory_peak as evidence.
#   cgroup::memory_current NAME         v2: memory.current; v1: memory.usage_in_bytes
#   cgroup::memory_peak NAME            v2: memory.peak (Linux 5.19+); v1: memory.max_usage_in_bytes
#   cgroup::memory_swap_max NAME        swap the cgroup may use on top of its memory limit, in
#                                       bytes ("max" for no limit). v2: memory.swap.max;
#                                       v1: memory.memsw.limit_in_bytes - memory.limit_in_bytes.
#                                       Prints "unavailable" when the kernel has no swap accounting
#                                       (no such file) and succeeds.
#   cgroup::cpu_throttled NAME          nr_throttled from cpu.stat (both)
#   cgroup::cpu_usage_us NAME           v2: cpu.stat usage_usec; v1: cpuacct.usage / 1000
#   cgroup::pids_current NAME           pids.current (both)
#   cgroup::pids_denied NAME            "max" from pids.events (both): forks refused by pids.max
#   cgroup::pids_peak NAME              pids.peak (both, on kernels that have it): the most
#                                       processes NAME ever held; returns 1 (no die) where it is absent
#   cgroup::io_wbytes NAME MAJ:MIN      bytes written to the device. v2: io.stat wbytes;
#                                       v1: blkio.throttle.io_service_bytes "MAJ:MIN Write"
#
# Environment: CFS_CGROUP_ROOT (default /sys/fs/cgroup) may point at a fake tree for tests;
# CFS_CGROUP_MODE=v1|v2 forces the mode (tests only); detection is
# `stat -f -c %T $CFS_CGROUP_ROOT` = cgroup2fs -> v2, anything else -> v1/hybrid.
# Every function fails with `die` and one sentence, except cgroup::remove (see above).

[[ -n ${_CFS_CGROUP_SH:-} ]] && return 0
_CFS_CGROUP_SH=1

# shellcheck source-path=SCRIPTDIR source=common.sh
source "${BASH_SOURCE[0]%/*}/common.sh"

CFS_CGROUP_ROOT=${CFS_CGROUP_ROOT:-/sys/fs/cgroup}
# How long cgroup::remove waits for killed processes to leave (in 0.05 s steps).
CFS_CGROUP_WAIT_STEPS=${CFS_CGROUP_WAIT_STEPS:-200}

# --- mode -----------------------------------------------------------------
_CFS_CGROUP_DETECTED=
_CFS_CGROUP_DETECTED_FOR=

# Detect once per root (sets _CFS_CGROUP_DETECTED; no subshell, so the answer is kept).
cgroup::_detect() {
  [[ -n $_CFS_CGROUP_DETECTED && $_CFS_CGROUP_DETECTED_FOR == "$CFS_CGROUP_ROOT" ]] && return 0
  if [[ -n ${CFS_CGROUP_MODE:-} ]]; then
    [[ $CFS_CGROUP_MODE == v1 || $CFS_CGROUP_MODE == v2 ]] \
      || die "CFS_CGROUP_MODE must be v1 or v2, not '$CFS_CGROUP_MODE'."
    _CFS_CGROUP_DETECTED=$CFS_CGROUP_MODE
  else
    [[ -d $CFS_CGROUP_ROOT ]] || die "no cgroup file system at $CFS_CGROUP_ROOT (is /sys mounted?)."
    # The mount table says it without a fork (the mini-container's hot path); a tree that is not
    # a mount (a test's fake tree) is asked with stat.
    local mnt rest fstype=''
    while read -r _ _ _ _ mnt rest; do
      [[ $mnt == "$CFS_CGROUP_ROOT" && $rest == *' - cgroup2 '* ]] && { fstype=cgroup2fs; break; }
      [[ $mnt == "$CFS_CGROUP_ROOT"/* && $rest == *' - cgroup '* ]] && fstype=cgroupfs
    done </proc/self/mountinfo
    if [[ -z $fstype ]]; then
      fstype=$(stat -f -c %T "$CFS_CGROUP_ROOT") || die "cannot stat the file system at $CFS_CGROUP_ROOT."
    fi
    if [[ $fstype == cgroup2fs ]]; then _CFS_CGROUP_DETECTED=v2; else _CFS_CGROUP_DETECTED=v1; fi
  fi
  _CFS_CGROUP_DETECTED_FOR=$CFS_CGROUP_ROOT
}

cgroup::mode() {
  cgroup::_detect
  printf '%s\n' "$_CFS_CGROUP_DETECTED"
}

# --- names and paths ------------------------------------------------------
cgroup::_check_name() {
  local name=$1 part
  [[ $name == "$CFS_PREFIX"* ]] || die "cgroup name '$name' must start with $CFS_PREFIX (everything a lab makes carries the prefix)."
  local IFS=/
  for part in $name; do
    [[ $part =~ ^[A-Za-z0-9._-]+$ && $part != . && $part != .. ]] \
      || die "cgroup name '$name' may only hold letters, digits, '.', '_', '-' and '/' between parts."
  done
}

# The v1 hierarchies a controller lives in (v1 names).
cgroup::_v1_names() {
  case $1 in
    cpu) echo cpu cpuacct ;;
    cpuacct) echo cpuacct ;;
    memory) echo memory ;;
    pids) echo pids ;;
    io | blkio) echo blkio ;;
    *) die "unknown cgroup controller '$1' (this library knows cpu, memory, pids, io)." ;;
  esac
}

# The v2 name of a controller.
cgroup::_v2_name() {
  case $1 in
    cpu | cpuacct) echo cpu ;;
    memory) echo memory ;;
    pids) echo pids ;;
    io | blkio) echo io ;;
    *) die "unknown cgroup controller '$1' (this library knows cpu, memory, pids, io)." ;;
  esac
}

# Print the mount directory of one v1 hierarchy (v1 name), resolving a combined mount such as
# cpu,cpuacct (or a cpu -> cpu,cpuacct symlink) to its real directory. Fails quietly when absent.
cgroup::_v1_hier() {
  local ctrl=$1 dir base part
  if [[ -d $CFS_CGROUP_ROOT/$ctrl ]]; then
    (cd -P "$CFS_CGROUP_ROOT/$ctrl" && pwd)
    return 0
  fi
  for dir in "$CFS_CGROUP_ROOT"/*,*; do
    [[ -d $dir && ! -L $dir ]] || continue
    base=${dir##*/}
    local IFS=,
    for part in $base; do
      [[ $part == "$ctrl" ]] && { printf '%s\n' "$dir"; return 0; }
    done
  done
  return 1
}

# Like _v1_hier, into the variable $1 and without a fork (a symlink such as cpu -> cpu,cpuacct is
# resolved by finding the combined directory it stands for).
cgroup::_v1_hier_into() {
  local -n _cfs_hier=$1
  local ctrl=$2 _cfs_d _cfs_base _cfs_part
  if [[ -d $CFS_CGROUP_ROOT/$ctrl && ! -L $CFS_CGROUP_ROOT/$ctrl ]]; then
    _cfs_hier=$CFS_CGROUP_ROOT/$ctrl
    return 0
  fi
  for _cfs_d in "$CFS_CGROUP_ROOT"/*,*; do
    [[ -d $_cfs_d && ! -L $_cfs_d ]] || continue
    _cfs_base=${_cfs_d##*/}
    local IFS=,
    for _cfs_part in $_cfs_base; do
      [[ $_cfs_part == "$ctrl" ]] && { _cfs_hier=$_cfs_d; return 0; }
    done
  done
  return 1
}

# Like _v1_hier but dies with a sentence naming the controller.
cgroup::_v1_hier_or_die() {
  cgroup::_v1_hier "$1" || die "the $1 controller is not available on this host (no cgroup v1 hierarchy for it under $CFS_CGROUP_ROOT)."
}

cgroup::available() {
  local ctrl=$1 v1
  cgroup::_detect
  if [[ $_CFS_CGROUP_DETECTED == v2 ]]; then
    local v2
    v2=$(cgroup::_v2_name "$ctrl") || exit 1
    grep -qw -- "$v2" "$CFS_CGROUP_ROOT/cgroup.controllers" 2>/dev/null
  else
    for v1 in $(cgroup::_v1_names "$ctrl"); do
      cgroup::_v1_hier "$v1" >/dev/null || return 1
    done
  fi
}

cgroup::path() {
  local name=$1 ctrl=$2 v1
  cgroup::_check_name "$name"
  cgroup::_detect
  if [[ $_CFS_CGROUP_DETECTED == v2 ]]; then
    cgroup::_v2_name "$ctrl" >/dev/null
    printf '%s\n' "$CFS_CGROUP_ROOT/$name"
  else
    v1=$(cgroup::_v1_names "$ctrl") || exit 1
    v1=${v1%% *} # "cpu cpuacct": the cpu files live in the cpu hierarchy
    local hier
    hier=$(cgroup::_v1_hier_or_die "$v1") || exit 1
    printf '%s\n' "$hier/$name"
  fi
}

# Set the array $1 to every existing top directory of NAME ($2), one per hierarchy (v1: a symlink
# such as cpu -> cpu,cpuacct is skipped, its target is listed under its own name). No fork.
cgroup::_dirs_into() {
  local -n _cfs_dirs=$1
  local name=$2 dir
  _cfs_dirs=()
  if [[ $_CFS_CGROUP_DETECTED == v2 ]]; then
    [[ -d $CFS_CGROUP_ROOT/$name ]] && _cfs_dirs+=("$CFS_CGROUP_ROOT/$name")
    return 0
  fi
  for dir in "$CFS_CGROUP_ROOT"/*/; do
    dir=${dir%/}
    [[ -L $dir ]] && continue
    [[ -d $dir/$name ]] && _cfs_dirs+=("$dir/$name")
  done
  return 0
}

# Print them, one a line.
cgroup::_dirs() {
  local _cfs_list=()
  cgroup::_dirs_into _cfs_list "$1"
  ((${#_cfs_list[@]} == 0)) || printf '%s\n' "${_cfs_list[@]}"
}

cgroup::exists() {
  local tops=()
  cgroup::_check_name "$1"
  cgroup::_detect
  cgroup::_dirs_into tops "$1"
  ((${#tops[@]}))
}

# --- writing and reading --------------------------------------------------
# Write VALUE into an existing interface file, or die naming it.
cgroup::_write() {
  local file=$1 value=$2
  [[ -f $file ]] || die "$file does not exist (is the cgroup created with that controller, and does this kernel have the file?)."
  { printf '%s\n' "$value" >"$file"; } 2>/dev/null || die "the kernel refused '$value' in $file."
}

# The path of FILE of CONTROLLER for NAME, checked to exist.
cgroup::_file() {
  local name=$1 ctrl=$2 file=$3 dir
  dir=$(cgroup::path "$name" "$ctrl") || exit 1
  [[ -d $dir ]] || die "cgroup $name does not exist in the $ctrl hierarchy (create it with: cgroup::create $name $ctrl)."
  [[ -f $dir/$file ]] || die "$dir/$file does not exist (this kernel lacks it, or $ctrl is not enabled for $name)."
  printf '%s\n' "$dir/$file"
}

cgroup::set() {
  local name=$1 ctrl=$2 file=$3 value=$4 path
  cgroup::_detect
  path=$(cgroup::_file "$name" "$ctrl" "$file") || exit 1
  cgroup::_write "$path" "$value"
}

cgroup::get() {
  local path
  cgroup::_detect
  path=$(cgroup::_file "$1" "$2" "$3") || exit 1
  cat -- "$path"
}

# Print the value on the line whose first word is KEY ("key value" files), or die.
cgroup::_key() {
  local file=$1 key=$2 value
  value=$(awk -v k="$key" '$1 == k { print $2; found = 1; exit } END { exit !found }' "$file") \
    || die "$file has no '$key' line."
  printf '%s\n' "$value"
}

# Print one integer read from a one-value file.
cgroup::_int() {
  local value
  value=$(cat -- "$1") || die "cannot read $1."
  [[ $value =~ ^[0-9]+$ ]] || die "$1 holds '$value', not a number."
  printf '%s\n' "$value"
}

# --- create / remove ------------------------------------------------------
# v2: make sure every controller in $2.. is enabled in DIR/cgroup.subtree_control (one write).
cgroup::_enable_v2() {
  local dir=$1 ctrl want=() have
  shift
  have=" $(cat -- "$dir/cgroup.subtree_control" 2>/dev/null) "
  for ctrl in "$@"; do
    [[ $have == *" $ctrl "* ]] || want+=("+$ctrl")
  done
  ((${#want[@]})) || return 0
  log::info "enabling ${want[*]} in $dir/cgroup.subtree_control"
  [[ -f $dir/cgroup.subtree_control ]] || die "$dir/cgroup.subtree_control does not exist."
  { printf '%s\n' "${want[*]}" >"$dir/cgroup.subtree_control"; } 2>/dev/null \
    || die "the kernel refused '${want[*]}' in $dir/cgroup.subtree_control (a cgroup that holds processes cannot enable domain controllers such as memory or io for its children)."
}

cgroup::create() {
  local name=$1 ctrl v1 dirs=() dir
  shift
  cgroup::_check_name "$name"
  cgroup::_detect
  (($#)) || [[ $_CFS_CGROUP_DETECTED == v2 ]] || die "cgroup::create $name: on cgroup v1 name at least one controller."
  cgroup::exists "$name" && die "cgroup $name already exists (a leftover? run the lab's cleanup.sh)."
  if [[ $_CFS_CGROUP_DETECTED == v2 ]]; then
    local v2=() v
    for ctrl in "$@"; do
      v=$(cgroup::_v2_name "$ctrl") || exit 1
      v2+=("$v")
      cgroup::available "$ctrl" \
        || die "the $v controller is not available on this host (not listed in $CFS_CGROUP_ROOT/cgroup.controllers)."
    done
    # Enable the controllers in every ancestor, making missing cfs- parents on the way.
    local parent=$CFS_CGROUP_ROOT part rest=$name
    while :; do
      part=${rest%%/*}
      cgroup::_enable_v2 "$parent" "${v2[@]}"
      mkdir -- "$parent/$part" 2>/dev/null || [[ -d $parent/$part ]] \
        || die "cannot create $parent/$part."
      [[ $rest == */* ]] || break
      parent=$parent/$part
      rest=${rest#*/}
    done
    return 0
  fi
  # v1: check every hierarchy first, so a missing one changes nothing.
  local names
  for ctrl in "$@"; do
    case $ctrl in cpu) names=(cpu cpuacct) ;; cpuacct | memory | pids) names=("$ctrl") ;; io | blkio) names=(blkio) ;;
      *) cgroup::_v1_names "$ctrl" ;; esac
    for v1 in "${names[@]}"; do
      cgroup::_v1_hier_into dir "$v1" || cgroup::_v1_hier_or_die "$v1"
      [[ " ${dirs[*]} " == *" $dir "* ]] || dirs+=("$dir")
    done
  done
  # One mkdir for every hierarchy (a fork each would cost more than the rest of create).
  mkdir -p -- "${dirs[@]/%//$name}" || { cgroup::remove "$name"; die "cannot create $name in ${dirs[*]}."; }
}

# Print the PIDs listed in one cgroup directory (v2: cgroup.procs; v1: tasks).
cgroup::_members() {
  local file=$1/cgroup.procs pid
  [[ $_CFS_CGROUP_DETECTED == v1 ]] && file=$1/tasks
  [[ -f $file ]] || return 0
  { while read -r pid; do printf '%s\n' "$pid"; done <"$file"; } 2>/dev/null
  return 0
}

# Append TOP and every cgroup below it to the array _CFS_CG_TREE, deepest first (globs: no fork).
cgroup::_tree() {
  local dir
  for dir in "$1"/*/; do
    dir=${dir%/}
    [[ -d $dir && ! -L $dir ]] && cgroup::_tree "$dir"
  done
  _CFS_CG_TREE+=("$1")
}

# Set the variable $1 to the PIDs in TOP ($2) and every cgroup below it, one a line; no fork.
cgroup::_pids_into() {
  local -n _cfs_pids=$1
  local dir file pid _CFS_CG_TREE=()
  _cfs_pids=''
  cgroup::_tree "$2"
  for dir in "${_CFS_CG_TREE[@]}"; do
    file=$dir/cgroup.procs
    [[ $_CFS_CGROUP_DETECTED == v1 ]] && file=$dir/tasks
    [[ -f $file ]] || continue
    { while read -r pid; do _cfs_pids+=$pid$'\n'; done <"$file"; } 2>/dev/null || true
  done
}

# Print the PIDs in TOP and every cgroup below it.
cgroup::_all_members() {
  local dir _CFS_CG_TREE=()
  cgroup::_tree "$1"
  for dir in "${_CFS_CG_TREE[@]}"; do cgroup::_members "$dir"; done
}

cgroup::remove() {
  local name=$1 top dir pids pid steps
  cgroup::_check_name "$name"
  cgroup::_detect
  local tops=() _CFS_CG_TREE=()
  cgroup::_dirs_into tops "$name"
  for top in "${tops[@]}"; do
    # Thaw first: a frozen v1 task stays until thawed, even after SIGKILL (freezer-subsystem.rst).
    while IFS= read -r dir; do
      if [[ -f $dir/freezer.state ]]; then
        { printf 'THAWED\n' >"$dir/freezer.state"; } 2>/dev/null || log::warn "could not thaw $dir"
      elif [[ -f $dir/cgroup.freeze ]]; then
        { printf '0\n' >"$dir/cgroup.freeze"; } 2>/dev/null || log::warn "could not thaw $dir"
      fi
    done < <(find "$top" -type d 2>/dev/null)
    if [[ $_CFS_CGROUP_DETECTED == v2 && -f $top/cgroup.kill ]]; then
      # One write kills the whole subtree, racing forks included (Linux 5.14+).
      { printf '1\n' >"$top/cgroup.kill"; } 2>/dev/null || log::warn "could not write $top/cgroup.kill"
    fi
    steps=$CFS_CGROUP_WAIT_STEPS
    # Read in this shell, not in $(…): an empty cgroup (the usual case) costs no fork at all.
    while cgroup::_pids_into pids "$top" && [[ -n $pids ]]; do
      if ((steps-- <= 0)); then
        log::warn "processes are still in $top after SIGKILL: ${pids//$'\n'/ }"
        return 1
      fi
      # Kill again on every pass: a fork bomb may have started new ones meanwhile.
      for pid in $pids; do kill -KILL "$pid" 2>/dev/null || true; done
      sleep 0.05
    done
    cgroup::_tree "$top"
  done
  # Deepest first, every hierarchy in one rmdir (a fork each costs more than the rest of
  # remove): a cgroup with children cannot be removed.
  ((${#_CFS_CG_TREE[@]})) || return 0
  if ! rmdir -- "${_CFS_CG_TREE[@]}" 2>/dev/null; then
    for dir in "${_CFS_CG_TREE[@]}"; do
      [[ ! -d $dir ]] || { log::warn "could not remove $dir"; return 1; }
    done
  fi
  return 0
}

cgroup::freezer_state() {
  local name=$1 dir state
  cgroup::_check_name "$name"
  cgroup::_detect
  if [[ $_CFS_CGROUP_DETECTED == v2 ]]; then
    dir=$CFS_CGROUP_ROOT/$name
    [[ -f $dir/cgroup.events && -f $dir/cgroup.freeze ]] \
      || die "$dir has no cgroup.events and cgroup.freeze (no such cgroup, or a kernel before 5.2 without the v2 freezer)."
    if [[ $(cgroup::_key "$dir/cgroup.events" frozen) == 1 ]]; then
      echo frozen
    elif [[ $(<"$dir/cgroup.freeze") == 1 ]]; then
      echo freezing
    else
      echo thawed
    fi
  else
    dir=$(cgroup::_v1_hier freezer) || die "the freezer controller is not available on this host (no cgroup v1 freezer hierarchy under $CFS_CGROUP_ROOT)."
    [[ -f $dir/$name/freezer.state ]] || die "$dir/$name/freezer.state does not exist (is the cgroup in the freezer hierarchy?)."
    state=$(<"$dir/$name/freezer.state")
    case $state in
      FROZEN | FREEZING | THAWED) echo "${state,,}" ;;
      *) die "$dir/$name/freezer.state holds '$state', not FROZEN, FREEZING or THAWED." ;;
    esac
  fi
}

cgroup::attach() {
  local name=$1 pid=$2 dir found=
  cgroup::_check_name "$name"
  cgroup::_detect
  [[ $pid =~ ^[0-9]+$ ]] || die "cgroup::attach $name: '$pid' is not a PID."
  while IFS= read -r dir; do
    found=1
    cgroup::_write "$dir/cgroup.procs" "$pid"
  done < <(cgroup::_dirs "$name")
  [[ -n $found ]] || die "cgroup $name does not exist (create it with cgroup::create first)."
}

cgroup::exec() {
  local name=$1
  shift
  (($#)) || die "cgroup::exec $name: name a command to run."
  (
    cgroup::attach "$name" "$BASHPID"
    exec "$@"
  )
}

cgroup::spawn() {
  local name=$1 tops=() tries=100
  shift
  (($#)) || die "cgroup::spawn $name: name a command to run."
  cgroup::_check_name "$name"
  cgroup::_detect
  mapfile -t tops < <(cgroup::_dirs "$name")
  ((${#tops[@]})) || die "cgroup $name does not exist (create it with cgroup::create first)."
  (
    cgroup::attach "$name" "$BASHPID"
    exec "$@"
  ) &
  local pid=$!
  # Return once the child is inside (or already gone), so the caller never measures too early.
  until grep -qx -- "$pid" "${tops[0]}/cgroup.procs" 2>/dev/null || ! kill -0 "$pid" 2>/dev/null; do
    ((tries--)) || die "PID $pid did not join cgroup $name."
    sleep 0.01
  done
}

cgroup::procs() {
  local name=$1 tops=()
  cgroup::_check_name "$name"
  cgroup::_detect
  mapfile -t tops < <(cgroup::_dirs "$name")
  ((${#tops[@]})) || die "cgroup $name does not exist."
  cgroup::_members "${tops[0]}"
}

# --- limits ---------------------------------------------------------------
cgroup::_check_limit() {
  [[ $2 =~ ^[0-9]+$ || $2 == max ]] || die "$1: '$2' is neither a whole number nor 'max'."
}

cgroup::set_memory_max() {
  local name=$1 bytes=$2
  cgroup::_check_limit "cgroup::set_memory_max $name" "$bytes"
  cgroup::_detect
  local dir
  dir=$(cgroup::path "$name" memory) || exit 1
  if [[ $_CFS_CGROUP_DETECTED == v2 ]]; then
    cgroup::set "$name" memory memory.max "$bytes"
    [[ -f $dir/memory.swap.max ]] && cgroup::_write "$dir/memory.swap.max" 0
    return 0
  fi
  [[ $bytes == max ]] && bytes=-1
  if [[ -f $dir/memory.memsw.limit_in_bytes ]]; then
    # memsw must stay >= limit_in_bytes: raise memsw first, lower it last.
    local memsw
    memsw=$(cat -- "$dir/memory.memsw.limit_in_bytes")
    if [[ $bytes == -1 ]] || ((bytes > memsw)); then
      cgroup::_write "$dir/memory.memsw.limit_in_bytes" "$bytes"
      cgroup::set "$name" memory memory.limit_in_bytes "$bytes"
    else
      cgroup::set "$name" memory memory.limit_in_bytes "$bytes"
      cgroup::_write "$dir/memory.memsw.limit_in_bytes" "$bytes"
    fi
  else
    cgroup::set "$name" memory memory.limit_in_bytes "$bytes"
  fi
  cgroup::set "$name" memory memory.swappiness 0
}

cgroup::set_pids_max() {
  cgroup::_check_limit "cgroup::set_pids_max $1" "$2"
  cgroup::set "$1" pids pids.max "$2"
}

cgroup::set_cpu_max() {
  local name=$1 quota=$2 period=$3
  cgroup::_check_limit "cgroup::set_cpu_max $name" "$quota"
  [[ $period =~ ^[0-9]+$ ]] || die "cgroup::set_cpu_max $name: period '$period' is not a whole number of microseconds."
  cgroup::_detect
  if [[ $_CFS_CGROUP_DETECTED == v2 ]]; then
    cgroup::set "$name" cpu cpu.max "$quota $period"
  else
    [[ $quota == max ]] && quota=-1
    cgroup::set "$name" cpu cpu.cfs_period_us "$period"
    cgroup::set "$name" cpu cpu.cfs_quota_us "$quota"
  fi
}

# Inverse of ConvertCPUSharesToCgroupV2Value as in runc >= 1.3.2 (github.com/opencontainers/cgroups
# utils.go, from opencontainers/runc PR #4785, after kubernetes/kubernetes#131216):
#   weight = ceil(10^((l*l + 125*l)/612 - 7/34)), l = log2(shares)
# which maps the minimum, default and maximum onto each other (2 -> 1, 1024 -> 100,
# 262144 -> 10000). Older runc used the linear 1 + (shares - 2) * 9999 / 262142, which turns the
# default 1024 shares into weight 39. Solving for l:
#   l = (-125 + sqrt(125^2 + 2448 * (log10(weight) + 7/34))) / 2, shares = 2^l,
# rounded down, so that converting the shares back gives WEIGHT again.
cgroup::cpu_weight_to_shares() {
  local weight=$1
  if [[ ! $weight =~ ^[0-9]+$ ]] || ((weight < 1 || weight > 10000)); then
    die "a cpu weight is a whole number from 1 to 10000, not '$weight'."
  fi
  awk -v w="$weight" 'BEGIN {
    e = log(w) / log(10) + 7 / 34
    l = (-125 + sqrt(125 * 125 + 2448 * e)) / 2
    s = int(exp(l * log(2)) + 1e-6)
    if (s < 2) s = 2
    if (s > 262144) s = 262144
    print s
  }'
}

cgroup::set_cpu_weight() {
  local name=$1 weight=$2 shares
  shares=$(cgroup::cpu_weight_to_shares "$weight") || exit 1
  cgroup::_detect
  if [[ $_CFS_CGROUP_DETECTED == v2 ]]; then
    cgroup::set "$name" cpu cpu.weight "$weight"
  else
    cgroup::set "$name" cpu cpu.shares "$shares"
  fi
}

cgroup::set_io_wbps() {
  local name=$1 dev=$2 bps=$3
  [[ $dev =~ ^[0-9]+:[0-9]+$ ]] || die "cgroup::set_io_wbps $name: '$dev' is not a MAJ:MIN device number."
  cgroup::_check_limit "cgroup::set_io_wbps $name" "$bps"
  cgroup::_detect
  if [[ $_CFS_CGROUP_DETECTED == v2 ]]; then
    cgroup::set "$name" io io.max "$dev wbps=$bps"
  else
    [[ $bps == max ]] && bps=0
    cgroup::set "$name" io blkio.throttle.write_bps_device "$dev $bps"
  fi
}

# --- evidence -------------------------------------------------------------
# Print KEY's value from FILE of CONTROLLER for NAME ("key value" lines).
cgroup::_read_key() {
  local path
  path=$(cgroup::_file "$1" "$2" "$3") || exit 1
  cgroup::_key "$path" "$4"
}

# Print the integer held by FILE of CONTROLLER for NAME.
cgroup::_read_int() {
  local path
  path=$(cgroup::_file "$1" "$2" "$3") || exit 1
  cgroup::_int "$path"
}

cgroup::oom_kills() {
  cgroup::_detect
  if [[ $_CFS_CGROUP_DETECTED == v2 ]]; then
    cgroup::_read_key "$1" memory memory.events oom_kill
  else
    cgroup::_read_key "$1" memory memory.oom_control oom_kill
  fi
}

cgroup::memory_max_hits() {
  cgroup::_detect
  if [[ $_CFS_CGROUP_DETECTED == v2 ]]; then
    cgroup::_read_key "$1" memory memory.events max
  else
    # With swap accounting the memory+swap counter is charged first and takes the failure.
    local dir hits memsw=0
    hits=$(cgroup::_read_int "$1" memory memory.failcnt) || exit 1
    dir=$(cgroup::path "$1" memory) || exit 1
    [[ -f $dir/memory.memsw.failcnt ]] && { memsw=$(cgroup::_int "$dir/memory.memsw.failcnt") || exit 1; }
    printf '%s\n' "$((hits + memsw))"
  fi
}

cgroup::memory_current() {
  cgroup::_detect
  if [[ $_CFS_CGROUP_DETECTED == v2 ]]; then
    cgroup::_read_int "$1" memory memory.current
  else
    cgroup::_read_int "$1" memory memory.usage_in_bytes
  fi
}

cgroup::memory_peak() {
  cgroup::_detect
  if [[ $_CFS_CGROUP_DETECTED == v2 ]]; then
    local dir
    dir=$(cgroup::path "$1" memory) || exit 1
    [[ ! -d $dir || -f $dir/memory.peak ]] || die "memory.peak is not available on this kernel (it needs Linux 5.19 or later)."
    cgroup::_read_int "$1" memory memory.peak
  else
    cgroup::_read_int "$1" memory memory.max_usage_in_bytes
  fi
}

cgroup::memory_swap_max() {
  local dir
  cgroup::_detect
  dir=$(cgroup::path "$1" memory) || exit 1
  if [[ $_CFS_CGROUP_DETECTED == v2 ]]; then
    [[ -f $dir/memory.swap.max ]] || { echo unavailable; return 0; }
    cat -- "$dir/memory.swap.max"
  else
    [[ -f $dir/memory.memsw.limit_in_bytes ]] || { echo unavailable; return 0; }
    local mem memsw
    mem=$(cgroup::_int "$dir/memory.limit_in_bytes") || exit 1
    memsw=$(cgroup::_int "$dir/memory.memsw.limit_in_bytes") || exit 1
    # v1 writes "no limit" as the largest page-aligned long: report it as v2 does.
    if ((memsw >= 9223372036854771712)); then echo max; else echo $((memsw - mem)); fi
  fi
}

cgroup::cpu_throttled() {
  cgroup::_detect
  cgroup::_read_key "$1" cpu cpu.stat nr_throttled
}

cgroup::cpu_usage_us() {
  cgroup::_detect
  if [[ $_CFS_CGROUP_DETECTED == v2 ]]; then
    cgroup::_read_key "$1" cpu cpu.stat usage_usec
  else
    local ns
    ns=$(cgroup::_read_int "$1" cpuacct cpuacct.usage) || exit 1
    printf '%s\n' "$((ns / 1000))"
  fi
}

cgroup::pids_current() {
  cgroup::_detect
  cgroup::_read_int "$1" pids pids.current
}

cgroup::pids_denied() {
  cgroup::_detect
  cgroup::_read_key "$1" pids pids.events max
}

cgroup::pids_peak() {
  local dir
  cgroup::_detect
  dir=$(cgroup::path "$1" pids) || exit 1
  [[ -f $dir/pids.peak ]] || return 1
  cgroup::_int "$dir/pids.peak"
}

cgroup::io_wbytes() {
  local name=$1 dev=$2 file
  [[ $dev =~ ^[0-9]+:[0-9]+$ ]] || die "cgroup::io_wbytes $name: '$dev' is not a MAJ:MIN device number."
  cgroup::_detect
  if [[ $_CFS_CGROUP_DETECTED == v2 ]]; then
    file=$(cgroup::_file "$name" io io.stat) || exit 1
    # "8:0 rbytes=1 wbytes=2 rios=3 ..."; no line yet means nothing was done.
    awk -v d="$dev" '$1 == d { for (i = 2; i <= NF; i++) if ($i ~ /^wbytes=/) { sub(/^wbytes=/, "", $i); print $i; f = 1 } }
      END { if (!f) print 0 }' "$file"
  else
    file=$(cgroup::_file "$name" io blkio.throttle.io_service_bytes) || exit 1
    awk -v d="$dev" '$1 == d && $2 == "Write" { print $3; f = 1 } END { if (!f) print 0 }' "$file"
  fi
}
