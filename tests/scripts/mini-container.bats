#!/usr/bin/env bats
# shellcheck disable=SC2154 # $stderr is set by bats' `run --separate-stderr`
# shellcheck disable=SC2016 # the snippets run by the container's shell are expanded there
# scripts/mini-container.sh as root, with real containers: what a container sees (namespaces,
# mounts, /dev, capabilities), its limits (OOM, pids, CPU throttling), its lifecycle (-d, ps,
# exec, logs, stop, rm, prune), its network (bridge, -p), a terminal through a pty, and after every
# test a host-state snapshot equal to the one taken before: nothing is ever left behind.

load ../helpers

MC=$REPO_ROOT/scripts/mini-container.sh

# Real cfs- objects on the host: never while a lab or another library test runs.
# CFS_LABS_LOCK_HELD=1: the caller already holds /run/lock/cfs-labs.lock (flock … bats …).
setup_file() { [[ -n ${CFS_LABS_LOCK_HELD:-} ]] || lab::lock; }

setup() {
  requires root
  host_state::snapshot >"$BATS_TEST_TMPDIR/before"
}

teardown() {
  ((EUID == 0)) || return 0
  # A failed test may leave containers running: remove them all, then whatever is left.
  local dir
  for dir in /run/mini-container/*/; do
    [[ -d $dir ]] && "$MC" rm -f "$(basename "$dir")" >/dev/null 2>&1
  done
  "$MC" prune >/dev/null 2>&1 || true
}

# The host as it was before the test (after the container and the runtime are gone), and no
# state folder left. The runtime leaves a container's veth pair to the kernel, which deletes both
# ends when the container's network namespace dies, in a worker of its own, a moment after the
# runtime has exited: wait for that (at most 5 s, and only for veths, cfs-mc-<id8>@…), then compare.
assert_no_leak() {
  local tries=100 link
  while ((tries-- > 0)); do
    link=$(ip -o link show type veth | grep -o ' cfs-mc-[0-9a-f]\{8\}@' || true)
    [[ -n $link ]] || break
    sleep 0.05
  done
  host_state::snapshot >"$BATS_TEST_TMPDIR/after"
  run diff "$BATS_TEST_TMPDIR/before" "$BATS_TEST_TMPDIR/after"
  assert_success
  [[ ! -e /run/mini-container || -z $(ls -A /run/mini-container) ]] \
    || fail "left in /run/mini-container: $(ls -A /run/mini-container)"
}

mc() { run --separate-stderr "$MC" "$@"; }

# ------------------------------------------------------------------ run: what the container sees
@test "run: CMD is PID 1 in its own namespaces, on a fresh /proc, /sys read-only, a minimal /dev" {
  mc run --hostname box -- sh -c 'echo "pid=$$ host=$(hostname)"; ls /dev | tr "\n" " "; echo
    grep -E " /(proc|sys|dev|dev/pts|dev/shm) " /proc/self/mounts | cut -d" " -f2-4 | cut -d, -f1
    echo "pid 1 is $(cat /proc/1/comm), parent $(cut -d" " -f4 /proc/1/stat)"
    touch /sys/x 2>/dev/null || echo "/sys refuses writes"'
  assert_success
  assert_line --index 0 "pid=1 host=box"
  assert_line --index 1 "fd full null ptmx pts random shm stderr stdin stdout tty urandom zero "
  assert_line "/proc proc rw"
  assert_line "/sys sysfs ro"
  assert_line "/dev tmpfs rw"
  assert_line "/dev/pts devpts rw"
  assert_line "/dev/shm tmpfs rw"
  assert_line "pid 1 is sh, parent 0"
  assert_line "/sys refuses writes"
  assert_no_leak
}

@test "run: the root is an overlay after pivot_root, with no way back to the host's file system" {
  mc run -- sh -c 'grep " / " /proc/self/mounts | cut -d" " -f1,3; ls -A /run; wc -l </proc/self/mountinfo'
  assert_success
  # The rootfs's own empty /run, and / proc sys dev dev/pts dev/shm: nothing of the host's
  # mount table came along.
  assert_output $'cfs-mc-overlay overlay\n6'
  assert_no_leak
}

@test "run: the exit status is the container's, 127 when CMD is not found, 126 when not runnable" {
  mc run -- sh -c 'exit 7'
  assert_equal "$status" 7
  run -127 --separate-stderr "$MC" run -- /no/such/program
  assert_equal "$stderr" "mini-container: /no/such/program: No such file or directory"
  mc run -- /etc/passwd
  assert_equal "$status" 126
  assert_no_leak
}

@test "run: the writable layer is discarded on exit, and --keep keeps it until rm" {
  mc run -- sh -c 'echo one >/etc/mark; cat /etc/mark'
  assert_output one
  mc run -- cat /etc/mark
  assert_failure
  mc run --keep --name kept -- sh -c 'echo two >/etc/mark'
  assert_success
  [[ $(cat /run/mini-container/*/upper/etc/mark) == two ]] || fail "the kept layer does not hold the file"
  mc ps
  assert_output --regexp "kept +[0-9]+ +exited \(0\)"
  mc rm kept
  assert_success
  assert_no_leak
}

@test "run: -e, -w, -v HOST:CTR and :ro, --read-only and --user" {
  local vol=$BATS_TEST_TMPDIR/vol
  mkdir -p "$vol" && echo data >"$vol/f"
  mc run -e GREETING=hello -w /srv/app -v "$vol:/data" -v "$vol:/ro:ro" --user 1000:1000 -- sh -c '
    echo "$GREETING from $(pwd) as $(id -u):$(id -g)"; cat /data/f
    touch /ro/x 2>/dev/null || echo "ro volume refuses writes"'
  assert_success
  assert_line --index 0 "hello from /srv/app as 1000:1000"
  assert_line --index 1 data
  assert_line --index 2 "ro volume refuses writes"
  mc run -v "$vol:/data" -- sh -c 'echo new >/data/g'
  [[ $(cat "$vol/g") == new ]] || fail "a write to a rw volume did not reach the host"
  mc run --read-only -- sh -c 'touch /x 2>/dev/null || echo "root refuses writes"; echo ok >/dev/shm/y && cat /dev/shm/y'
  assert_output $'root refuses writes\nok'
  assert_no_leak
}

# ------------------------------------------------------------------ bad input
@test "bad input: usage and exit 2 for an unknown option or a missing value, nothing created" {
  mc run --bogus -- true
  assert_equal "$status" 2
  [[ $stderr == *"unknown option '--bogus'"*"usage: mini-container run"* ]] || fail "no usage: $stderr"
  mc run --memory
  assert_equal "$status" 2
  [[ $stderr == *"option --memory needs a value"* ]] || fail "stderr: $stderr"
  mc frobnicate
  assert_equal "$status" 2
  assert_no_leak
}

@test "bad input: one sentence and exit 1 for a bad value, a missing rootfs, a used name or port" {
  local cases=(
    "--memory 12q|the memory size '12q' is not valid"
    "--memory 1k|below the minimum of 4m"
    "--cpus abc|the cpus value 'abc' is not valid"
    "--cpus 999|more than the"
    "--pids 0|the pids limit '0' is not a positive whole number"
    "--rootfs /no/such/dir|the rootfs '/no/such/dir' does not exist"
    "--net host|the network 'host' is not valid"
    "-p 80:80|needs --net bridge"
    "--net bridge -p 99999:80|the port mapping '99999:80' is not valid"
    "-v relative:/x|the volume 'relative:/x' is not valid"
    "-v /no/such:/x|the volume source '/no/such' does not exist"
    "--user root|the user 'root' is not valid"
    "--cap-add CAP_FLY|'CAP_FLY' is not a capability"
    "-w relative|must be an absolute path"
  )
  local c
  for c in "${cases[@]}"; do
    # shellcheck disable=SC2086 # the options are words on purpose
    mc run ${c%%|*} -- true
    assert_equal "$status" 1
    [[ $stderr == *"${c#*|}"* && $(wc -l <<<"$stderr") == 1 ]] || fail "for '${c%%|*}': $stderr"
  done
  mc run -d --name taken -- sleep 30
  assert_success
  mc run --name taken -- true
  assert_equal "$status" 1
  [[ $stderr == *"the name 'taken' is already in use"* ]] || fail "stderr: $stderr"
  mc rm -f taken
  assert_success
  assert_no_leak
}

@test "bad input: a user who is not root is refused before anything is made" {
  local copy
  copy=$(copy_for_nobody scripts)
  run --separate-stderr setpriv --reuid 65534 --regid 65534 --clear-groups bash "$copy/scripts/mini-container.sh" run -- true
  rm -rf "$copy"
  assert_failure
  [[ $stderr == *"this must run as root"* ]] || fail "stderr: $stderr"
  assert_no_leak
}

# ------------------------------------------------------------------ limits
@test "cgroups: --memory is enforced, the OOM killer's SIGKILL gives 137" {
  mc run --memory 16m -- tail /dev/zero
  assert_equal "$status" 137
  mc run --memory 64m -- sh -c 'head -c 8000000 /dev/zero | tail -c 1 | wc -c'
  assert_success
  assert_output 1
  assert_no_leak
}

@test "cgroups: --pids contains a fork bomb (pids.current stays at the limit, forks are refused)" {
  source "$REPO_ROOT/scripts/common.sh"
  source "$REPO_ROOT/scripts/cgroup.sh"
  # PID 1 forks once, then execs: a refused fork ends BusyBox's sh (see the final lab's run.sh).
  mc run -d --name bomb --pids 12 -- sh -c 'bomb() { bomb & bomb & exec sleep 30; }; bomb & exec sleep 30'
  assert_success
  local id=$output cg=cfs-mc-$output
  sleep 1
  (($(cgroup::pids_current "$cg") <= 12)) || fail "pids.current $(cgroup::pids_current "$cg") > 12"
  (($(cgroup::pids_denied "$cg") > 0)) || fail "no fork was refused"
  mc rm -f "$id"
  assert_success
  assert_no_leak
}

@test "cgroups: --cpus 0.1 throttles a busy loop (the cgroup's own nr_throttled and usage)" {
  source "$REPO_ROOT/scripts/common.sh"
  source "$REPO_ROOT/scripts/cgroup.sh"
  mc run -d --cpus 0.1 -- sh -c 'while :; do :; done'
  assert_success
  local cg=cfs-mc-$output id=$output before after
  before=$(cgroup::cpu_usage_us "$cg")
  sleep 1
  after=$(cgroup::cpu_usage_us "$cg")
  (($(cgroup::cpu_throttled "$cg") > 0)) || fail "nr_throttled is 0"
  # 0.1 CPU for 1 s is 100 ms; allow for the period boundaries.
  ((after - before < 250000)) || fail "used $((after - before)) us of CPU in 1 s"
  mc rm -f "$id"
  assert_no_leak
}

# ------------------------------------------------------------------ capabilities
@test "capabilities: Docker's default set, nothing inherited or ambient, NoNewPrivs: 1" {
  mc run -- grep -E '^(CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs)' /proc/self/status
  assert_success
  assert_output $'CapInh:\t0000000000000000\nCapPrm:\t00000000a80425fb\nCapEff:\t00000000a80425fb\nCapBnd:\t00000000a80425fb\nCapAmb:\t0000000000000000\nNoNewPrivs:\t1'
  assert_no_leak
}

@test "capabilities: --cap-drop and --cap-add change the set, and what root may do follows" {
  mc run --cap-drop chown -- sh -c 'grep CapBnd /proc/self/status; touch /f; chown 1 /f 2>/dev/null || echo "chown refused"'
  assert_output $'CapBnd:\t00000000a80425fa\nchown refused'
  mc run -- sh -c 'ip addr add 10.9.9.9/32 dev lo 2>/dev/null || echo "ip addr add refused"'
  assert_output "ip addr add refused"
  mc run --cap-add NET_ADMIN -- sh -c 'ip addr add 10.9.9.9/32 dev lo && echo "added an address"'
  assert_output "added an address"
  mc run --cap-drop ALL --user 1000 -- grep -E '^Cap(Prm|Bnd)' /proc/self/status
  assert_output $'CapPrm:\t0000000000000000\nCapBnd:\t0000000000000000'
  # Docker's rules (moby TweakCapabilities): --cap-drop ALL keeps the added ones alone; --cap-add
  # ALL is every capability but the dropped ones; one named in both is added.
  mc run --cap-drop ALL --cap-add NET_ADMIN -- grep CapBnd /proc/self/status
  assert_output $'CapBnd:\t0000000000001000'
  mc run --cap-add ALL --cap-drop SYS_ADMIN -- grep CapBnd /proc/self/status
  # (every capability root has here: this test's own bounding set, without CAP_SYS_ADMIN, 21)
  local bnd
  bnd=$(awk '/^CapBnd/ { print $2 }' /proc/self/status)
  assert_output "CapBnd:"$'\t'"$(printf '%016x' $((0x$bnd & ~(1 << 21))))"
  mc run --cap-drop CHOWN --cap-add CHOWN -- grep CapBnd /proc/self/status
  assert_output $'CapBnd:\t00000000a80425fb'
  assert_no_leak
}

# ------------------------------------------------------------------ lifecycle
@test "lifecycle: -d prints the id, ps lists it, exec joins it, logs shows its output, stop and rm end it" {
  mc run -d --name web -- sh -c 'echo started; trap "echo got TERM; exit 0" TERM; while :; do sleep 0.1; done'
  assert_success
  local id=$output
  [[ $id =~ ^[0-9a-f]{12}$ ]] || fail "not an id: $id"
  [[ $(cat "/run/mini-container/$id/state.json") == *'"status": "running"'* ]] || fail "state.json does not say running"
  mc ps
  assert_line --regexp "^$id +web +[0-9]+ +running +sh -c echo started"
  mc exec web sh -c 'echo "exec sees pid 1: $(cat /proc/1/comm)"; cat /proc/self/cgroup | grep -c ":/$"; grep NoNewPrivs /proc/self/status'
  assert_success
  assert_line --index 0 "exec sees pid 1: sh"
  assert_line --index 2 $'NoNewPrivs:\t1'
  mc stop web
  assert_success
  mc logs web
  assert_output $'started\ngot TERM'
  mc ps
  assert_line --regexp "^$id +web +[0-9]+ +exited \(0\)"
  mc rm web
  assert_success
  mc ps
  refute_output --partial web
  assert_no_leak
}

@test "lifecycle: exec honours --user UID[:GID], -e KEY=VALUE and -w DIR like run; bad values are refused" {
  mc run -d --name ex -e FROM=run -w /srv -- sleep 30
  assert_success
  local id=$output
  # The defaults: root, the run's -e not inherited (a fresh environment), the root folder.
  mc exec ex sh -c 'echo "$(id -u):$(id -g) in $(pwd) FROM=${FROM:-unset}"'
  assert_success
  assert_output "0:0 in / FROM=unset"
  export EXEC_FROM_HOST=host-value
  mc exec --user 1000:2000 -e GREETING=hello -e EXEC_FROM_HOST -w /srv ex \
    sh -c 'echo "$(id -u):$(id -g) in $(pwd) $GREETING $EXEC_FROM_HOST"; grep -E "^Cap(Prm|Eff)" /proc/self/status'
  assert_success
  assert_output $'1000:2000 in /srv hello host-value\nCapPrm:\t0000000000000000\nCapEff:\t0000000000000000'
  mc exec --user 1000 ex sh -c 'echo "$(id -u):$(id -g)"'
  assert_output "1000:1000"
  mc exec -w /no/such/dir ex true
  assert_failure
  [[ $stderr == *"chdir /no/such/dir"* ]] || fail "stderr: $stderr"
  mc exec --user root ex true
  assert_equal "$status" 1
  [[ $stderr == *"the user 'root' is not valid"* ]] || fail "stderr: $stderr"
  mc exec -w relative ex true
  assert_equal "$status" 1
  mc exec -e 1BAD=x ex true
  assert_equal "$status" 1
  mc exec --bogus ex true
  assert_equal "$status" 2
  mc exec -e
  assert_equal "$status" 2
  mc rm -f "$id"
  assert_success
  assert_no_leak
}

@test "lifecycle: stop of a PID 1 that ignores SIGTERM sends SIGKILL after the grace (137)" {
  mc run -d -- sh -c 'trap "" TERM; while :; do sleep 1; done'
  local id=$output start=$SECONDS
  mc stop -t 1 "$id"
  assert_success
  ((SECONDS - start <= 4)) || fail "stop took $((SECONDS - start)) s"
  mc ps
  assert_line --regexp "^$id .* exited \(137\)"
  mc rm "$id"
  assert_no_leak
}

@test "lifecycle: rm refuses a running container, rm -f stops it; exec refuses a stopped one" {
  mc run -d --keep --name busy -- sleep 30
  mc rm busy
  assert_equal "$status" 1
  [[ $stderr == *"is running"* ]] || fail "stderr: $stderr"
  mc rm -f busy
  assert_success
  mc exec busy true
  assert_equal "$status" 1
  assert_no_leak
}

@test "faults: SIGINT to a foreground run, and SIGKILL of the runtime at any moment, then prune: nothing left" {
  local delay pid
  "$MC" run -- sleep 30 &
  pid=$!
  sleep 0.5
  kill -INT "$pid"
  wait "$pid" || true
  assert_no_leak
  for delay in 0.01 0.03 0.06 0.1 0.3; do
    "$MC" run --memory 32m --pids 20 -- sleep 30 &
    pid=$!
    sleep "$delay"
    kill -KILL "$pid"
    wait "$pid" 2>/dev/null || true
    mc prune
    assert_success
    assert_no_leak
  done
}

@test "faults: PID 1's program failing before it reads its configuration: one sentence, exit 1, nothing left" {
  # A perl that fails at once, first on PATH. The runtime writes the configuration to a pipe
  # nobody reads any more (with --memory, its preparation, a cgroup, outlasts the fake perl): that
  # must not end it with SIGPIPE (141, without a word); and bash closes a coproc's fds once it
  # has reaped it, which must not turn into "invalid file descriptor".
  mkdir "$BATS_TEST_TMPDIR/bin"
  printf '%s\n' '#!/bin/sh' 'echo "perl: cannot start" >&2' 'exit 1' >"$BATS_TEST_TMPDIR/bin/perl"
  chmod +x "$BATS_TEST_TMPDIR/bin/perl"
  local opts
  for opts in "" "--memory 64m" "--net bridge --name cfs-fail"; do
    # shellcheck disable=SC2086 # the options are words
    PATH=$BATS_TEST_TMPDIR/bin:$PATH run --separate-stderr "$MC" run $opts -- true
    assert_failure 1
    [[ $stderr == *"perl: cannot start"*"the container failed to start"* && $stderr != *"file descriptor"* ]] \
      || fail "options '$opts': $stderr"
  done
  assert_no_leak
}

@test "faults: SIGKILL of a detached runtime kills its container; prune removes the rest" {
  mc run -d --name orphan -- sleep 30
  local id=$output rt
  rt=$(grep '^MC_RUNTIME_PID=' "/run/mini-container/$id/runtime.env")
  kill -KILL "${rt#*=}"
  sleep 0.3
  mc ps
  assert_line --regexp "^$id +orphan .* dead"
  mc prune
  assert_success
  assert_no_leak
}

@test "concurrency: several containers at once, named, each its own cgroup" {
  local i pids=()
  for i in 1 2 3 4; do
    "$MC" run --name "c$i" --pids 10 -- sh -c "sleep 0.5; echo c$i" >"$BATS_TEST_TMPDIR/out$i" &
    pids+=($!)
  done
  for i in "${!pids[@]}"; do wait "${pids[i]}" || fail "container c$((i + 1)) failed"; done
  for i in 1 2 3 4; do [[ $(cat "$BATS_TEST_TMPDIR/out$i") == "c$i" ]] || fail "c$i said $(cat "$BATS_TEST_TMPDIR/out$i")"; done
  assert_no_leak
}

# ------------------------------------------------------------------ network
@test "network: a --net bridge container starts while a container without a network runs (its MC_IP is empty)" {
  mc run -d --name quiet -- sleep 30
  assert_success
  local id=$output
  mc run --net bridge -- sh -c 'ip -4 -o addr show eth0 | awk "{ print \$4 }"'
  assert_success
  assert_output 10.213.0.2/24
  mc rm -f "$id"
  assert_success
  assert_no_leak
}

@test "network: --net bridge gives each container its own address on cfs-mc-br0, all at once" {
  local i pids=()
  for i in 1 2 3 4; do
    "$MC" run --net bridge -- sh -c 'ip -4 -o addr show eth0 | awk "{ print \$4 }"; sleep 0.5
      ping -c 1 -W 2 10.213.0.1 >/dev/null && echo "gateway reachable"' >"$BATS_TEST_TMPDIR/net$i" &
    pids+=($!)
  done
  for i in "${!pids[@]}"; do wait "${pids[i]}" || fail "container $((i + 1)) failed"; done
  local addrs
  addrs=$(head -qn1 "$BATS_TEST_TMPDIR"/net? | sort -u | wc -l)
  assert_equal "$addrs" 4
  for i in 1 2 3 4; do
    [[ $(sed -n 2p "$BATS_TEST_TMPDIR/net$i") == "gateway reachable" ]] || fail "container $i: $(cat "$BATS_TEST_TMPDIR/net$i")"
  done
  assert_no_leak
}

@test "network: -p publishes a port on the host's 127.0.0.1 and to other containers; a used port is refused" {
  mc run -d --name srv --net bridge -p 18080:80 -- sh -c 'mkdir /www; echo hello-from-srv >/www/index.html; exec httpd -f -p 80 -h /www'
  assert_success
  local reply tries=50
  # The runtime returns once CMD is about to start: httpd listens a moment later.
  until { exec {conn}<>/dev/tcp/127.0.0.1/18080; } 2>/dev/null; do
    ((tries--)) || fail "nothing answers on 127.0.0.1:18080"
    sleep 0.1
  done
  printf 'GET / HTTP/1.0\r\n\r\n' >&"$conn"
  reply=$(tail -n1 <&"$conn")
  exec {conn}<&-
  assert_equal "$reply" hello-from-srv
  mc run --net bridge -- sh -c 'printf "GET / HTTP/1.0\r\n\r\n" | nc -w 2 10.213.0.1 18080 | tail -n1'
  assert_output hello-from-srv
  mc run --net bridge -p 18080:80 -- true
  assert_equal "$status" 1
  [[ $stderr == *"the host port 18080 is already published"* ]] || fail "stderr: $stderr"
  mc rm -f srv
  assert_success
  assert_no_leak
}

# ------------------------------------------------------------------ interactive
@test "interactive: through a pty, /bin/sh has a terminal, job control, and Ctrl-C reaches its foreground process" {
  cat >"$BATS_TEST_TMPDIR/tty-driver.py" <<'EOF'
import os, pty, sys, time, select
mc = sys.argv[1]
pid, fd = pty.fork()
if pid == 0:
    os.execv(mc, [mc, 'run', '--hostname', 'ttybox', '--', '/bin/sh'])
buf = b''
def expect(s, timeout=10):
    global buf
    end = time.time() + timeout
    while s.encode() not in buf:
        r, _, _ = select.select([fd], [], [], max(0, end - time.time()))
        if not r:
            sys.stderr.write('timeout waiting for %r; got %r\n' % (s, buf)); sys.exit(99)
        buf += os.read(fd, 4096)
    buf = buf[buf.index(s.encode()) + len(s):]
def send(s): os.write(fd, s.encode())
send('[ -t 0 ] && echo "TTY""-yes"; hostname\n'); expect('TTY-yes'); expect('ttybox')
print('stdin is a terminal, host name ttybox')
send('sleep 30 &\n'); send('jobs\n'); expect('Running'); print('job control: a background job is listed')
send('kill %1; sleep 30\n'); time.sleep(0.7); send('\x03'); send('echo "after $?"\n'); expect('after 130')
print('Ctrl-C killed the foreground sleep (130), the shell lives on')
send('exit 3\n')
_, status = os.waitpid(pid, 0)
print('exit status', os.waitstatus_to_exitcode(status))
EOF
  run timeout 60 python3 "$BATS_TEST_TMPDIR/tty-driver.py" "$MC"
  assert_success
  assert_output $'stdin is a terminal, host name ttybox\njob control: a background job is listed\nCtrl-C killed the foreground sleep (130), the shell lives on\nexit status 3'
  assert_no_leak
}
