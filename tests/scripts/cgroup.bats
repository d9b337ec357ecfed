#!/usr/bin/env bats
# scripts/cgroup.sh on fake cgroup trees (plain folders and files under $BATS_TEST_TMPDIR, the
# mode forced with CFS_CGROUP_MODE): which files each function writes, with what, on v1 and on
# v2. No root needed, except for the last two tests, which use the real trees of this host (tagged
# kernel: the CI VM runs only those, on its pure cgroup v2 tree).
# shellcheck disable=SC2030,SC2031 # each @test runs in its own subshell: its exports are meant to stay there

load ../helpers

# Labs snapshot every cfs-* cgroup: the real-tree tests never overlap with a lab run.
setup_file() { lab::lock; }

# Run one library function in a fresh bash, as a lab would: common.sh's traps and `die` stay out
# of the bats process. $BATS_TEST_TMPDIR/stubs.bash, when present, is sourced after the library
# (tests replace kill, rmdir and sleep there to watch cgroup::remove's decisions).
cg() {
  bash -c 'set -Eeuo pipefail
    source "$REPO_ROOT/scripts/cgroup.sh"
    if [[ -f $BATS_TEST_TMPDIR/stubs.bash ]]; then source "$BATS_TEST_TMPDIR/stubs.bash"; fi
    "$@"' cg "$@"
}

# fake_files DIR FILE[=CONTENT]...: make DIR and the interface files a kernel would show there.
fake_files() {
  local dir=$1 spec
  shift
  mkdir -p "$dir"
  for spec in "$@"; do
    if [[ $spec == *=* ]]; then printf '%s\n' "${spec#*=}" >"$dir/${spec%%=*}"; else : >"$dir/$spec"; fi
  done
}

# A pure v2 root with nothing enabled for children yet.
fake_v2() {
  export CFS_CGROUP_MODE=v2 CFS_CGROUP_ROOT=$BATS_TEST_TMPDIR/v2
  fake_files "$CFS_CGROUP_ROOT" "cgroup.controllers=cpuset cpu io memory hugetlb pids" \
    cgroup.subtree_control cgroup.procs
}

# A v1/hybrid root: one hierarchy per controller, as on this host (cpu and cpuacct apart).
fake_v1() {
  export CFS_CGROUP_MODE=v1 CFS_CGROUP_ROOT=$BATS_TEST_TMPDIR/v1
  local h
  for h in cpu cpuacct memory pids blkio systemd; do fake_files "$CFS_CGROUP_ROOT/$h" cgroup.procs tasks; done
  fake_files "$CFS_CGROUP_ROOT/unified" cgroup.controllers cgroup.subtree_control
}

# A cgroup on v2 with the files of the cpu, memory, pids and io controllers.
fake_v2_cgroup() {
  fake_files "$CFS_CGROUP_ROOT/$1" cgroup.procs cgroup.kill cgroup.subtree_control \
    memory.max memory.swap.max memory.peak memory.current cpu.max cpu.weight pids.max io.max \
    "memory.events=low 0
high 0
max 7
oom 2
oom_kill 2
oom_group_kill 0" \
    "cpu.stat=usage_usec 600123
user_usec 600000
system_usec 123
nr_periods 30
nr_throttled 29
throttled_usec 2400000" \
    "pids.current=3" "pids.events=max 5" "io.stat=254:0 rbytes=0 wbytes=4194304 rios=0 wios=32 dbytes=0 dios=0"
}

# A cgroup on v1, in the cpu, cpuacct, memory, pids and blkio hierarchies.
fake_v1_cgroup() {
  local r=$CFS_CGROUP_ROOT n=$1
  fake_files "$r/memory/$n" cgroup.procs tasks memory.limit_in_bytes memory.swappiness \
    "memory.memsw.limit_in_bytes=9223372036854771712" "memory.failcnt=12" "memory.memsw.failcnt=3" \
    "memory.max_usage_in_bytes=33554432" "memory.usage_in_bytes=4096" \
    "memory.oom_control=oom_kill_disable 0
under_oom 0
oom_kill 1"
  fake_files "$r/cpu/$n" cgroup.procs tasks cpu.cfs_period_us cpu.cfs_quota_us cpu.shares \
    "cpu.stat=nr_periods 30
nr_throttled 28
throttled_time 2400000000"
  fake_files "$r/cpuacct/$n" cgroup.procs tasks "cpuacct.usage=600123456"
  fake_files "$r/pids/$n" cgroup.procs tasks pids.max "pids.current=3" "pids.events=max 4"
  fake_files "$r/blkio/$n" cgroup.procs tasks blkio.throttle.write_bps_device \
    "blkio.throttle.io_service_bytes=254:0 Read 0
254:0 Write 2097152
254:0 Sync 2097152
254:0 Async 0
254:0 Total 2097152
Total 2097152"
}

# Stubs that record what cgroup::remove kills and removes, and let a fake cgroup empty out:
# killing a PID drops it from every procs/tasks file, as the kernel would.
stub_remove() {
  cat >"$BATS_TEST_TMPDIR/stubs.bash" <<'EOF'
kill() {
  local pid=${*: -1} f
  printf '%s %s\n' "$1" "$pid" >>"$BATS_TEST_TMPDIR/killed"
  while IFS= read -r f; do sed -i "/^$pid\$/d" "$f"; done < <(find "$CFS_CGROUP_ROOT" -name cgroup.procs -o -name tasks)
}
rmdir() {
  local dir
  [[ $1 == -- ]] && shift
  for dir in "$@"; do
    printf '%s\n' "${dir#"$CFS_CGROUP_ROOT"/}" >>"$BATS_TEST_TMPDIR/removed"
    # A real cgroup directory has no removable files; here they must go with it.
    find "$dir" -maxdepth 1 -type f -delete && command rmdir -- "$dir" || return 1
  done
}
sleep() { :; }
EOF
}

# ---------------------------------------------------------------- mode
@test "cgroup::mode follows CFS_CGROUP_MODE when a test forces it" {
  fake_v2
  run -0 cg cgroup::mode
  assert_output v2
  export CFS_CGROUP_MODE=v1
  run -0 cg cgroup::mode
  assert_output v1
}

@test "cgroup::mode calls a root that is not cgroup2fs v1 (hybrid)" {
  export CFS_CGROUP_ROOT=$BATS_TEST_TMPDIR
  unset CFS_CGROUP_MODE
  run -0 cg cgroup::mode
  assert_output v1
}

@test "cgroup::mode refuses a forced mode other than v1 or v2" {
  export CFS_CGROUP_MODE=v3 CFS_CGROUP_ROOT=$BATS_TEST_TMPDIR
  run -1 cg cgroup::mode
  assert_output --partial "CFS_CGROUP_MODE must be v1 or v2"
}

# ---------------------------------------------------------------- create
@test "cgroup::create refuses a name without the cfs- prefix and creates nothing" {
  fake_v2
  run -1 cg cgroup::create memtest memory
  assert_output --partial "must start with cfs-"
  assert [ ! -e "$CFS_CGROUP_ROOT/memtest" ]
}

@test "cgroup::create on v2 enables +cpu +memory in the root's subtree_control and makes the folder" {
  fake_v2
  run -0 cg cgroup::create cfs-x cpu memory
  assert [ -d "$CFS_CGROUP_ROOT/cfs-x" ]
  assert_equal "$(cat "$CFS_CGROUP_ROOT/cgroup.subtree_control")" "+cpu +memory"
}

@test "cgroup::create on v2 writes nothing when the root already enables the controllers (systemd)" {
  fake_v2
  echo "cpuset cpu io memory pids" >"$CFS_CGROUP_ROOT/cgroup.subtree_control"
  run -0 cg cgroup::create cfs-x cpu memory pids io
  assert_equal "$(cat "$CFS_CGROUP_ROOT/cgroup.subtree_control")" "cpuset cpu io memory pids"
}

@test "cgroup::create on v2 enables only the controllers still missing (never disables any)" {
  fake_v2
  echo "cpu" >"$CFS_CGROUP_ROOT/cgroup.subtree_control"
  run -0 cg cgroup::create cfs-x cpu pids
  assert_equal "$(cat "$CFS_CGROUP_ROOT/cgroup.subtree_control")" "+pids"
}

@test "cgroup::create on v2 names a controller missing from cgroup.controllers and creates nothing" {
  fake_v2
  echo "cpu memory" >"$CFS_CGROUP_ROOT/cgroup.controllers"
  run -1 cg cgroup::create cfs-x memory io
  assert_output --partial "the io controller is not available on this host"
  assert [ ! -e "$CFS_CGROUP_ROOT/cfs-x" ]
  assert_equal "$(cat "$CFS_CGROUP_ROOT/cgroup.subtree_control")" ""
}

@test "cgroup::create on v2 with a nested name enables the controller in the parent too" {
  fake_v2
  run -0 cg cgroup::create cfs-parent memory
  fake_files "$CFS_CGROUP_ROOT/cfs-parent" cgroup.subtree_control cgroup.procs
  run -0 cg cgroup::create cfs-parent/child memory
  assert [ -d "$CFS_CGROUP_ROOT/cfs-parent/child" ]
  assert_equal "$(cat "$CFS_CGROUP_ROOT/cfs-parent/cgroup.subtree_control")" "+memory"
}

@test "cgroup::create refuses a cgroup that already exists (a leftover)" {
  fake_v2
  mkdir "$CFS_CGROUP_ROOT/cfs-x"
  run -1 cg cgroup::create cfs-x memory
  assert_output --partial "already exists"
}

@test "cgroup::create on v1 makes the folder in the cpu, cpuacct and memory hierarchies only" {
  fake_v1
  run -0 cg cgroup::create cfs-x cpu memory
  local h
  for h in cpu cpuacct memory; do assert [ -d "$CFS_CGROUP_ROOT/$h/cfs-x" ]; done
  for h in pids blkio systemd unified; do assert [ ! -e "$CFS_CGROUP_ROOT/$h/cfs-x" ]; done
  assert_equal "$(cat "$CFS_CGROUP_ROOT/unified/cgroup.subtree_control")" ""
}

@test "cgroup::create on v1 refuses a cgroup without controllers; v2 allows one" {
  fake_v1
  run -1 cg cgroup::create cfs-x
  assert_output --partial "on cgroup v1 name at least one controller"
  fake_v2
  run -0 cg cgroup::create cfs-x
  assert [ -d "$CFS_CGROUP_ROOT/cfs-x" ]
  assert_equal "$(cat "$CFS_CGROUP_ROOT/cgroup.subtree_control")" ""
}

@test "cgroup::create on v1 maps io to the blkio hierarchy" {
  fake_v1
  run -0 cg cgroup::create cfs-x io
  assert [ -d "$CFS_CGROUP_ROOT/blkio/cfs-x" ]
}

@test "cgroup::create on v1 resolves a combined cpu,cpuacct mount and its symlinks" {
  fake_v1
  rm -r "$CFS_CGROUP_ROOT/cpu" "$CFS_CGROUP_ROOT/cpuacct"
  fake_files "$CFS_CGROUP_ROOT/cpu,cpuacct" cgroup.procs tasks
  ln -s "cpu,cpuacct" "$CFS_CGROUP_ROOT/cpu"
  ln -s "cpu,cpuacct" "$CFS_CGROUP_ROOT/cpuacct"
  run -0 cg cgroup::create cfs-x cpu
  assert [ -d "$CFS_CGROUP_ROOT/cpu,cpuacct/cfs-x" ]
  run -0 cg cgroup::path cfs-x cpu
  assert_output "$CFS_CGROUP_ROOT/cpu,cpuacct/cfs-x"
}

@test "cgroup::create on v1 names a missing hierarchy and creates nothing" {
  fake_v1
  rm -r "$CFS_CGROUP_ROOT/pids"
  run -1 cg cgroup::create cfs-x memory pids
  assert_output --partial "the pids controller is not available on this host"
  assert [ ! -e "$CFS_CGROUP_ROOT/memory/cfs-x" ]
}

# ---------------------------------------------------------------- paths
@test "cgroup::available answers from cgroup.controllers on v2 and from the hierarchies on v1" {
  fake_v2
  echo "cpu memory" >"$CFS_CGROUP_ROOT/cgroup.controllers"
  run -0 cg cgroup::available memory
  run -1 cg cgroup::available pids
  run -1 cg cgroup::available rdma
  assert_output --partial "unknown cgroup controller 'rdma'"
  fake_v1
  run -0 cg cgroup::available cpu
  rm -r "$CFS_CGROUP_ROOT/cpuacct"
  run -1 cg cgroup::available cpu
}

@test "cgroup::path on v1 names the missing hierarchy instead of printing a wrong path" {
  fake_v1
  rm -r "$CFS_CGROUP_ROOT/blkio"
  run -1 cg cgroup::path cfs-x io
  assert_output --partial "the blkio controller is not available on this host"
  refute_output --partial "/cfs-x"
}

@test "cgroup::path on v2 is the cgroup folder whatever the controller" {
  fake_v2
  run -0 cg cgroup::path cfs-x io
  assert_output "$CFS_CGROUP_ROOT/cfs-x"
  run -0 cg cgroup::path cfs-x memory
  assert_output "$CFS_CGROUP_ROOT/cfs-x"
}

@test "cgroup::path on v1 is the folder in that controller's hierarchy (io is blkio)" {
  fake_v1
  run -0 cg cgroup::path cfs-x io
  assert_output "$CFS_CGROUP_ROOT/blkio/cfs-x"
  run -0 cg cgroup::path cfs-x cpuacct
  assert_output "$CFS_CGROUP_ROOT/cpuacct/cfs-x"
}

# ---------------------------------------------------------------- limits
@test "cgroup::set_memory_max on v2 writes memory.max and sets swap to 0" {
  fake_v2
  fake_v2_cgroup cfs-x
  run -0 cg cgroup::set_memory_max cfs-x 33554432
  assert_equal "$(cat "$CFS_CGROUP_ROOT/cfs-x/memory.max")" 33554432
  assert_equal "$(cat "$CFS_CGROUP_ROOT/cfs-x/memory.swap.max")" 0
}

@test "cgroup::set_memory_max on v2 without swap accounting writes memory.max only" {
  fake_v2
  fake_v2_cgroup cfs-x
  rm "$CFS_CGROUP_ROOT/cfs-x/memory.swap.max"
  run -0 cg cgroup::set_memory_max cfs-x 33554432
  assert_equal "$(cat "$CFS_CGROUP_ROOT/cfs-x/memory.max")" 33554432
  assert [ ! -e "$CFS_CGROUP_ROOT/cfs-x/memory.swap.max" ]
}

@test "cgroup::set_memory_max on v1 writes limit_in_bytes, the same memsw limit and swappiness 0" {
  fake_v1
  fake_v1_cgroup cfs-x
  run -0 cg cgroup::set_memory_max cfs-x 33554432
  local d=$CFS_CGROUP_ROOT/memory/cfs-x
  assert_equal "$(cat "$d/memory.limit_in_bytes")" 33554432
  assert_equal "$(cat "$d/memory.memsw.limit_in_bytes")" 33554432
  assert_equal "$(cat "$d/memory.swappiness")" 0
}

@test "cgroup::set_memory_max on v1 without swap accounting writes limit_in_bytes and swappiness only" {
  fake_v1
  fake_v1_cgroup cfs-x
  rm "$CFS_CGROUP_ROOT/memory/cfs-x/memory.memsw.limit_in_bytes"
  run -0 cg cgroup::set_memory_max cfs-x 33554432
  assert_equal "$(cat "$CFS_CGROUP_ROOT/memory/cfs-x/memory.limit_in_bytes")" 33554432
  assert [ ! -e "$CFS_CGROUP_ROOT/memory/cfs-x/memory.memsw.limit_in_bytes" ]
}

@test "cgroup::set_memory_max max means -1 on v1 and max on v2" {
  fake_v1
  fake_v1_cgroup cfs-x
  run -0 cg cgroup::set_memory_max cfs-x max
  assert_equal "$(cat "$CFS_CGROUP_ROOT/memory/cfs-x/memory.limit_in_bytes")" -1
  fake_v2
  fake_v2_cgroup cfs-x
  run -0 cg cgroup::set_memory_max cfs-x max
  assert_equal "$(cat "$CFS_CGROUP_ROOT/cfs-x/memory.max")" max
}

@test "cgroup::set_memory_max refuses a size that is not a number" {
  fake_v2
  fake_v2_cgroup cfs-x
  run -1 cg cgroup::set_memory_max cfs-x 32M
  assert_output --partial "neither a whole number nor 'max'"
}

@test "cgroup::set_pids_max writes pids.max on v2 and on v1" {
  fake_v2
  fake_v2_cgroup cfs-x
  run -0 cg cgroup::set_pids_max cfs-x 20
  assert_equal "$(cat "$CFS_CGROUP_ROOT/cfs-x/pids.max")" 20
  fake_v1
  fake_v1_cgroup cfs-x
  run -0 cg cgroup::set_pids_max cfs-x 20
  assert_equal "$(cat "$CFS_CGROUP_ROOT/pids/cfs-x/pids.max")" 20
}

@test "cgroup::set_cpu_max on v2 writes quota and period into cpu.max" {
  fake_v2
  fake_v2_cgroup cfs-x
  run -0 cg cgroup::set_cpu_max cfs-x 20000 100000
  assert_equal "$(cat "$CFS_CGROUP_ROOT/cfs-x/cpu.max")" "20000 100000"
}

@test "cgroup::set_cpu_max on v1 writes cfs_period_us and cfs_quota_us (max is -1)" {
  fake_v1
  fake_v1_cgroup cfs-x
  run -0 cg cgroup::set_cpu_max cfs-x 20000 100000
  assert_equal "$(cat "$CFS_CGROUP_ROOT/cpu/cfs-x/cpu.cfs_period_us")" 100000
  assert_equal "$(cat "$CFS_CGROUP_ROOT/cpu/cfs-x/cpu.cfs_quota_us")" 20000
  run -0 cg cgroup::set_cpu_max cfs-x max 100000
  assert_equal "$(cat "$CFS_CGROUP_ROOT/cpu/cfs-x/cpu.cfs_quota_us")" -1
}

@test "cgroup::set_cpu_weight on v2 writes cpu.weight unchanged" {
  fake_v2
  fake_v2_cgroup cfs-x
  run -0 cg cgroup::set_cpu_weight cfs-x 200
  assert_equal "$(cat "$CFS_CGROUP_ROOT/cfs-x/cpu.weight")" 200
}

@test "cgroup::set_cpu_weight on v1 converts weight 100 to 1024 shares" {
  fake_v1
  fake_v1_cgroup cfs-x
  run -0 cg cgroup::set_cpu_weight cfs-x 100
  assert_equal "$(cat "$CFS_CGROUP_ROOT/cpu/cfs-x/cpu.shares")" 1024
}

@test "cgroup::cpu_weight_to_shares inverts runc's conversion at its fixed points" {
  local pair
  for pair in 1:2 100:1024 10000:262144; do
    run -0 cg cgroup::cpu_weight_to_shares "${pair%%:*}"
    assert_output "${pair#*:}"
  done
}

@test "cgroup::cpu_weight_to_shares gives shares that runc converts back to the same weight" {
  local w s back
  for w in 2 10 50 150 200 500 1000 5000 9999; do
    s=$(cg cgroup::cpu_weight_to_shares "$w")
    # runc (opencontainers/cgroups) ConvertCPUSharesToCgroupV2Value, written in awk.
    back=$(awk -v s="$s" 'BEGIN { l = log(s) / log(2); x = exp(((l * l + 125 * l) / 612 - 7 / 34) * log(10));
      c = int(x); if (c < x - 1e-9) c++; print c }')
    assert_equal "$back" "$w"
  done
}

@test "cgroup::cpu_weight_to_shares refuses a weight outside 1-10000" {
  run -1 cg cgroup::cpu_weight_to_shares 0
  assert_output --partial "from 1 to 10000"
  run -1 cg cgroup::cpu_weight_to_shares 10001
}

@test "cgroup::set_io_wbps on v2 writes a wbps entry into io.max" {
  fake_v2
  fake_v2_cgroup cfs-x
  run -0 cg cgroup::set_io_wbps cfs-x 254:0 1048576
  assert_equal "$(cat "$CFS_CGROUP_ROOT/cfs-x/io.max")" "254:0 wbps=1048576"
}

@test "cgroup::set_io_wbps on v1 writes blkio.throttle.write_bps_device" {
  fake_v1
  fake_v1_cgroup cfs-x
  run -0 cg cgroup::set_io_wbps cfs-x 254:0 1048576
  assert_equal "$(cat "$CFS_CGROUP_ROOT/blkio/cfs-x/blkio.throttle.write_bps_device")" "254:0 1048576"
}

@test "a setter names the missing file instead of creating it" {
  fake_v2
  fake_v2_cgroup cfs-x
  rm "$CFS_CGROUP_ROOT/cfs-x/pids.max"
  run -1 cg cgroup::set_pids_max cfs-x 20
  assert_output --partial "pids.max does not exist"
  assert [ ! -e "$CFS_CGROUP_ROOT/cfs-x/pids.max" ]
}

@test "a setter on a cgroup that was never created says so" {
  fake_v1
  run -1 cg cgroup::set_pids_max cfs-nothing 20
  assert_output --partial "cgroup cfs-nothing does not exist in the pids hierarchy"
}

# ---------------------------------------------------------------- evidence
@test "the v2 readers parse memory.events, cpu.stat, pids.events, memory.peak and io.stat" {
  fake_v2
  fake_v2_cgroup cfs-x
  echo 33554432 >"$CFS_CGROUP_ROOT/cfs-x/memory.peak"
  run -0 cg cgroup::oom_kills cfs-x
  assert_output 2
  run -0 cg cgroup::memory_max_hits cfs-x
  assert_output 7
  run -0 cg cgroup::cpu_throttled cfs-x
  assert_output 29
  run -0 cg cgroup::cpu_usage_us cfs-x
  assert_output 600123
  run -0 cg cgroup::pids_denied cfs-x
  assert_output 5
  run -0 cg cgroup::pids_current cfs-x
  assert_output 3
  run -0 cg cgroup::memory_peak cfs-x
  assert_output 33554432
  run -0 cg cgroup::io_wbytes cfs-x 254:0
  assert_output 4194304
  run -0 cg cgroup::io_wbytes cfs-x 8:0
  assert_output 0
}

@test "the v1 readers parse oom_control, failcnt plus memsw.failcnt, cpu.stat, cpuacct.usage in microseconds and pids.events" {
  fake_v1
  fake_v1_cgroup cfs-x
  run -0 cg cgroup::oom_kills cfs-x
  assert_output 1
  run -0 cg cgroup::memory_max_hits cfs-x
  assert_output 15
  run -0 cg cgroup::cpu_throttled cfs-x
  assert_output 28
  run -0 cg cgroup::cpu_usage_us cfs-x
  assert_output 600123
  run -0 cg cgroup::pids_denied cfs-x
  assert_output 4
  run -0 cg cgroup::memory_peak cfs-x
  assert_output 33554432
  run -0 cg cgroup::io_wbytes cfs-x 254:0
  assert_output 2097152
}

@test "cgroup::memory_swap_max reads memory.swap.max on v2, memsw minus memory on v1, and says unavailable without swap accounting" {
  fake_v2
  fake_v2_cgroup cfs-x
  echo 0 >"$CFS_CGROUP_ROOT/cfs-x/memory.swap.max"
  run -0 cg cgroup::memory_swap_max cfs-x
  assert_output 0
  rm "$CFS_CGROUP_ROOT/cfs-x/memory.swap.max"
  run -0 cg cgroup::memory_swap_max cfs-x
  assert_output unavailable
  fake_v1
  fake_v1_cgroup cfs-y
  echo 33554432 >"$CFS_CGROUP_ROOT/memory/cfs-y/memory.limit_in_bytes"
  run -0 cg cgroup::memory_swap_max cfs-y
  assert_output max
  echo 33554432 >"$CFS_CGROUP_ROOT/memory/cfs-y/memory.memsw.limit_in_bytes"
  run -0 cg cgroup::memory_swap_max cfs-y
  assert_output 0
  rm "$CFS_CGROUP_ROOT/memory/cfs-y/memory.memsw.limit_in_bytes"
  run -0 cg cgroup::memory_swap_max cfs-y
  assert_output unavailable
}

@test "cgroup::pids_peak prints pids.peak where the kernel has it and fails where not" {
  fake_v2
  fake_v2_cgroup cfs-x
  run -1 cg cgroup::pids_peak cfs-x
  echo 20 >"$CFS_CGROUP_ROOT/cfs-x/pids.peak"
  run -0 cg cgroup::pids_peak cfs-x
  assert_output 20
}

@test "cgroup::memory_peak on a v2 kernel without memory.peak says which kernel it needs" {
  fake_v2
  fake_v2_cgroup cfs-x
  rm "$CFS_CGROUP_ROOT/cfs-x/memory.peak"
  run -1 cg cgroup::memory_peak cfs-x
  assert_output --partial "needs Linux 5.19"
}

@test "an evidence reader names the line it could not find" {
  fake_v1
  fake_v1_cgroup cfs-x
  echo "oom_kill_disable 0" >"$CFS_CGROUP_ROOT/memory/cfs-x/memory.oom_control"
  run -1 cg cgroup::oom_kills cfs-x
  assert_output --partial "has no 'oom_kill' line"
}

# ---------------------------------------------------------------- attach / exec
@test "cgroup::attach on v1 writes the PID into cgroup.procs of every hierarchy the cgroup is in" {
  fake_v1
  mkdir "$CFS_CGROUP_ROOT/memory/cfs-x" "$CFS_CGROUP_ROOT/pids/cfs-x"
  : >"$CFS_CGROUP_ROOT/memory/cfs-x/cgroup.procs"
  : >"$CFS_CGROUP_ROOT/pids/cfs-x/cgroup.procs"
  run -0 cg cgroup::attach cfs-x 4242
  assert_equal "$(cat "$CFS_CGROUP_ROOT/memory/cfs-x/cgroup.procs")" 4242
  assert_equal "$(cat "$CFS_CGROUP_ROOT/pids/cfs-x/cgroup.procs")" 4242
  assert [ ! -e "$CFS_CGROUP_ROOT/cpu/cfs-x" ]
}

@test "cgroup::attach on v2 writes the PID into the one cgroup.procs" {
  fake_v2
  fake_v2_cgroup cfs-x
  run -0 cg cgroup::attach cfs-x 4242
  assert_equal "$(cat "$CFS_CGROUP_ROOT/cfs-x/cgroup.procs")" 4242
}

@test "cgroup::attach refuses a cgroup that does not exist" {
  fake_v2
  run -1 cg cgroup::attach cfs-nothing 4242
  assert_output --partial "cgroup cfs-nothing does not exist"
}

@test "cgroup::exec joins the cgroup before it runs the command, and returns its status" {
  fake_v2
  fake_v2_cgroup cfs-x
  # shellcheck disable=SC2016 # $$ and $1 belong to the inner sh
  run -3 cg cgroup::exec cfs-x sh -c 'echo "$$" >"$1"; exit 3' sh "$BATS_TEST_TMPDIR/pid"
  assert_equal "$(cat "$CFS_CGROUP_ROOT/cfs-x/cgroup.procs")" "$(cat "$BATS_TEST_TMPDIR/pid")"
}

# ---------------------------------------------------------------- remove
@test "cgroup::remove on v2 writes 1 to cgroup.kill, then removes the folders deepest first" {
  fake_v2
  fake_v2_cgroup cfs-x
  fake_files "$CFS_CGROUP_ROOT/cfs-x/child" cgroup.procs cgroup.kill
  stub_remove
  run -0 cg cgroup::remove cfs-x
  assert [ ! -e "$CFS_CGROUP_ROOT/cfs-x" ]
  assert_equal "$(cat "$BATS_TEST_TMPDIR/removed")" "cfs-x/child
cfs-x"
  assert [ ! -e "$BATS_TEST_TMPDIR/killed" ]
}

@test "cgroup::remove on v2 writes to cgroup.kill when the kernel has it" {
  fake_v2
  fake_v2_cgroup cfs-x
  # No stub: the real rmdir fails on a fake folder full of files, so the kill is what we see.
  run -1 cg cgroup::remove cfs-x
  assert_equal "$(cat "$CFS_CGROUP_ROOT/cfs-x/cgroup.kill")" 1
  assert_output --partial "could not remove"
}

@test "cgroup::remove on v2 without cgroup.kill SIGKILLs every PID in cgroup.procs, children included" {
  fake_v2
  fake_v2_cgroup cfs-x
  rm "$CFS_CGROUP_ROOT/cfs-x/cgroup.kill"
  printf '101\n102\n' >"$CFS_CGROUP_ROOT/cfs-x/cgroup.procs"
  fake_files "$CFS_CGROUP_ROOT/cfs-x/child" "cgroup.procs=103"
  stub_remove
  run -0 cg cgroup::remove cfs-x
  assert_equal "$(sort "$BATS_TEST_TMPDIR/killed")" "-KILL 101
-KILL 102
-KILL 103"
  assert [ ! -e "$CFS_CGROUP_ROOT/cfs-x" ]
}

@test "cgroup::remove on v1 SIGKILLs the tasks and removes the folder in every hierarchy" {
  fake_v1
  fake_v1_cgroup cfs-x
  printf '201\n202\n' >"$CFS_CGROUP_ROOT/memory/cfs-x/tasks"
  printf '201\n202\n' >"$CFS_CGROUP_ROOT/pids/cfs-x/tasks"
  stub_remove
  run -0 cg cgroup::remove cfs-x
  assert_equal "$(sort -u "$BATS_TEST_TMPDIR/killed")" "-KILL 201
-KILL 202"
  assert_equal "$(sort "$BATS_TEST_TMPDIR/removed")" "blkio/cfs-x
cpu/cfs-x
cpuacct/cfs-x
memory/cfs-x
pids/cfs-x"
}

@test "cgroup::remove is safe when the cgroup does not exist" {
  fake_v1
  stub_remove
  run -0 cg cgroup::remove cfs-nothing
  assert [ ! -e "$BATS_TEST_TMPDIR/removed" ]
  fake_v2
  run -0 cg cgroup::remove cfs-nothing
}

@test "cgroup::remove warns and returns 1, without exiting, when processes will not leave" {
  fake_v2
  fake_v2_cgroup cfs-x
  echo 301 >"$CFS_CGROUP_ROOT/cfs-x/cgroup.procs"
  stub_remove
  echo 'kill() { :; }' >>"$BATS_TEST_TMPDIR/stubs.bash"
  export CFS_CGROUP_WAIT_STEPS=3
  # shellcheck disable=SC2016 # expanded by the inner bash
  run -0 cg bash -c 'source "$REPO_ROOT/scripts/cgroup.sh"; source "$BATS_TEST_TMPDIR/stubs.bash"
    cgroup::remove cfs-x && echo "returned 0" || echo "returned $?"'
  assert_output --partial "processes are still in"
  assert_output --partial "returned 1"
  assert [ -d "$CFS_CGROUP_ROOT/cfs-x" ]
}

@test "cgroup::remove thaws a frozen cgroup and its children before it kills (v1 and v2)" {
  fake_v1
  fake_v1_cgroup cfs-x
  fake_files "$CFS_CGROUP_ROOT/freezer/cfs-x" cgroup.procs tasks "freezer.state=FROZEN"
  fake_files "$CFS_CGROUP_ROOT/freezer/cfs-x/child" cgroup.procs tasks "freezer.state=FROZEN"
  stub_remove
  # The stub rmdir removes the folders: record what freezer.state held just before.
  # shellcheck disable=SC2016 # the stub expands them when it runs
  # cgroup::remove passes every folder, deepest first, to one rmdir.
  echo 'rmdir() { local d; [[ $1 == -- ]] && shift; for d; do cat "$d/freezer.state" >>"$BATS_TEST_TMPDIR/thawed" 2>/dev/null || true; find "$d" -maxdepth 1 -type f -delete && command rmdir -- "$d"; done; }' >>"$BATS_TEST_TMPDIR/stubs.bash"
  run -0 cg cgroup::remove cfs-x
  assert_equal "$(cat "$BATS_TEST_TMPDIR/thawed")" "THAWED
THAWED"
  fake_v2
  fake_v2_cgroup cfs-y
  printf '1\n' >"$CFS_CGROUP_ROOT/cfs-y/cgroup.freeze"
  rm -f "$BATS_TEST_TMPDIR/stubs.bash"
  run -1 cg cgroup::remove cfs-y
  assert_equal "$(cat "$CFS_CGROUP_ROOT/cfs-y/cgroup.freeze")" 0
}

@test "cgroup::freezer_state reads freezer.state on v1 and cgroup.events/cgroup.freeze on v2" {
  fake_v1
  fake_files "$CFS_CGROUP_ROOT/freezer/cfs-x" "freezer.state=FROZEN"
  run -0 cg cgroup::freezer_state cfs-x
  assert_output frozen
  echo THAWED >"$CFS_CGROUP_ROOT/freezer/cfs-x/freezer.state"
  run -0 cg cgroup::freezer_state cfs-x
  assert_output thawed
  fake_v2
  fake_files "$CFS_CGROUP_ROOT/cfs-x" "cgroup.events=populated 1
frozen 1" "cgroup.freeze=1"
  run -0 cg cgroup::freezer_state cfs-x
  assert_output frozen
  printf 'populated 1\nfrozen 0\n' >"$CFS_CGROUP_ROOT/cfs-x/cgroup.events"
  run -0 cg cgroup::freezer_state cfs-x
  assert_output freezing
  echo 0 >"$CFS_CGROUP_ROOT/cfs-x/cgroup.freeze"
  run -0 cg cgroup::freezer_state cfs-x
  assert_output thawed
}

@test "cgroup::freezer_state names what is missing: the v1 freezer hierarchy, or the cgroup" {
  fake_v1
  run -1 cg cgroup::freezer_state cfs-x
  assert_output --partial "freezer controller is not available"
  fake_files "$CFS_CGROUP_ROOT/freezer" cgroup.procs
  run -1 cg cgroup::freezer_state cfs-x
  assert_output --partial "freezer.state does not exist"
  fake_v2
  run -1 cg cgroup::freezer_state cfs-x
  assert_output --partial "no cgroup.events and cgroup.freeze"
}

# ---------------------------------------------------------------- the real thing
# bats test_tags=kernel
@test "on this host, a cfs-test cgroup really takes a process and cgroup::remove leaves nothing" {
  requires root
  unset CFS_CGROUP_MODE CFS_CGROUP_ROOT
  run -0 cg cgroup::create cfs-test memory pids
  sleep 300 &
  local pid=$!
  run -0 cg cgroup::attach cfs-test "$pid"
  run -0 grep -c ':/cfs-test$' "/proc/$pid/cgroup"
  run -0 cg cgroup::set_pids_max cfs-test 5
  run -0 cg cgroup::pids_current cfs-test
  assert_output 1
  run -0 cg cgroup::remove cfs-test
  wait "$pid" || true
  assert [ ! -d "/proc/$pid" ]
  run -0 find /sys/fs/cgroup -maxdepth 3 -type d -name cfs-test
  assert_output ""
}

# bats test_tags=kernel
@test "on this host's cgroup2 mount, cgroup::spawn joins a cfs-test cgroup and cgroup::remove kills it and leaves nothing" {
  requires root
  local root
  root=$(findmnt -n -t cgroup2 -o TARGET | head -n 1)
  [[ -n $root ]] || skip "no cgroup2 file system is mounted"
  export CFS_CGROUP_ROOT=$root
  unset CFS_CGROUP_MODE
  run -0 cg cgroup::mode
  assert_output v2
  # No controllers: a hybrid host binds them all to v1, and a v2 cgroup can exist without any.
  run -0 cg cgroup::create cfs-test
  # shellcheck disable=SC2016 # expanded by the inner bash
  run -0 cg bash -c 'source "$REPO_ROOT/scripts/cgroup.sh"
    cgroup::spawn cfs-test sleep 300 >/dev/null 2>&1
    echo "$!"'
  local pid=$output
  run -0 cat "/proc/$pid/cgroup"
  assert_output --partial "0::/cfs-test"
  run -0 cg cgroup::procs cfs-test
  assert_output "$pid"
  run -0 cg cgroup::remove cfs-test
  local tries=50
  while [[ -d /proc/$pid ]] && ((tries--)); do sleep 0.1; done
  assert [ ! -d "/proc/$pid" ]
  assert [ ! -d "$root/cfs-test" ]
}
