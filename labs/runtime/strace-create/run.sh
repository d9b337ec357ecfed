#!/usr/bin/env bash
# strace runc run: follow every process of `runc run` (runc, runc init's nsexec stages, the
# container's process) with strace -f, keep the system calls that build the container
# (namespaces, cgroups, mounts, identity and capabilities, seccomp, exec), and print the order
# in which they first happen. The trace is taken twice: the key calls come out the same, the
# Go runtime's calls (futex, nanosleep, mmap, threads) do not, so the lab leaves those out.
set -Eeuo pipefail
# shellcheck source=../../../scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/common.sh"
# shellcheck source=../../../scripts/runc.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/runc.sh"

ID=cfs-strace-create-box    # container id, hostname and cgroup name (lab.manifest: cgroups:)
TAG=cfs-strace-create-init  # $0 of the container's shell (lab.manifest: tags:)

# What the container runs: mkdir in the writable /dev/shm, which the seccomp filter refuses.
# shellcheck disable=SC2016 # expanded by the container's shell
INSIDE='if out=$(mkdir /dev/shm/cfs 2>&1); then echo "mkdir /dev/shm/cfs: allowed"; else echo "mkdir /dev/shm/cfs: ${out##*: }"; fi'

# A seccomp profile: allow everything but mkdir and mkdirat (they fail with EPERM).
SECCOMP='{"defaultAction": "SCMP_ACT_ALLOW",
  "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO"}]}'

# The key system calls of an strace -f log, one "group<TAB>call" a line, in the order they were
# entered, without PIDs, addresses or random names: the same for every run of the same bundle.
key_calls() {
  awk -v id="$ID" '
    $2 ~ /^<\.\.\./ || $2 ~ /^(---|\+\+\+)/ { next }     # "resumed" halves, signals, exits
    {
      line = $0; sub(/^[0-9]+ +/, "", line); sub(/ *<unfinished \.\.\.>$/, "", line)
      call = line; sub(/\(.*/, "", call)
      args = line; sub(/^[a-z0-9_]+\(/, "", args)
      split(args, a, ", ")
      gsub(/"/, "", a[1]); gsub(/"/, "", a[2])
      gsub(/runc\.[A-Za-z0-9]+/, "runc.XXXXXX", a[1]); gsub(/runc\.[A-Za-z0-9]+/, "runc.XXXXXX", a[2])
    }
    call == "execve"                             { print "exec\texecve " a[1]; next }
    call == "clone" && /CLONE_PARENT/            { print "namespaces\tclone CLONE_PARENT"; next }
    call == "clone" && /CLONE_VFORK/             { print "exec\tclone CLONE_VFORK"; next }
    call == "unshare"                            { f = args; sub(/[ <].*/, "", f); sub(/\)$/, "", f); print "namespaces\tunshare " f; next }
    call == "setns"                              { print "namespaces\tsetns"; next }
    call == "mount"                              { print "mounts\tmount " a[1] " " a[2]; next }
    call == "umount2"                            { print "mounts\tumount2 " a[1]; next }
    call == "pivot_root"                         { print "mounts\tpivot_root"; next }
    call == "sethostname"                        { print "uts\tsethostname " a[1]; next }
    call == "mkdirat" && a[2] ~ "^/sys/fs/cgroup/" && a[2] ~ id { print "cgroups\tmkdir " a[2]; next }
    (call == "openat2" || call == "openat") && /O_WRONLY/ && a[2] ~ id && a[2] !~ /^\/run/ {
                                                   print "cgroups\twrite " a[2]; next }
    call == "prctl" && /PR_SET_SECCOMP/ && /\{len=/ { print "seccomp\tprctl PR_SET_SECCOMP filter"; next }
    call == "prctl" && /PR_SET_NO_NEW_PRIVS|PR_SET_KEEPCAPS|PR_CAPBSET_DROP/ {
                                                   p = a[1]; if (p == "PR_CAPBSET_DROP") p = p " " a[2]; sub(/[,)].*/, "", p)
                                                   print "identity\tprctl " p; next }
    call ~ /^(setgroups|setgid|setuid|setresgid|setresuid)$/ { print "identity\t" call; next }
    call == "capset"                             { print "identity\tcapset"; next }
    call == "seccomp" && /SECCOMP_SET_MODE_FILTER/ && /\{len=/ { print "seccomp\tseccomp SECCOMP_SET_MODE_FILTER filter"; next }
    call == "seccomp"                            { print "seccomp\tseccomp probe"; next }
  ' "$1"
}

# The line number in the key-call list $1 of the first call matching the ERE $2 (0: none).
first() { grep -nE -m1 -- "$2" "$1" | cut -d: -f1 || true; }
# ... and of the last one.
last() { grep -nE -- "$2" "$1" | tail -n1 | cut -d: -f1 || true; }
# "yes" when every number given is set and the list is strictly increasing.
in_order() {
  local prev=0 n
  for n in "$@"; do
    [[ -n $n && $n -gt $prev ]] || { echo no; return; }
    prev=$n
  done
  echo yes
}
count() { grep -cE -- "$2" "$1" || true; }

main() {
  common::require_root
  common::require_cmd runc runc
  common::require_cmd strace strace
  common::require_cmd jq jq
  common::require_cmd chroot coreutils
  common::require_cmd busybox busybox-static

  local dir run keys
  common::tmpdir dir strace-create
  runc::use_root strace-create
  cleanup::push "runc::cmd delete --force $ID >/dev/null 2>&1 || true"

  log::info "runc::bundle: BusyBox rootfs, process sh -c '<mkdir test>', plus a seccomp profile denying mkdir and mkdirat"
  runc::bundle "$dir/bundle" "$ID" sh -c "$INSIDE" "$TAG"
  # shellcheck disable=SC2016 # $s is a jq variable
  runc::config "$dir/bundle" '.linux.seccomp = $s' --argjson s "$SECCOMP"

  for run in 1 2; do
    log::info "run $run: strace -f -qq -o $dir/trace.$run runc --root $RUNC_ROOT run $ID"
    strace -f -qq -s 256 -o "$dir/trace.$run" runc --root "$RUNC_ROOT" run --bundle "$dir/bundle" "$ID" \
      </dev/null >"$dir/out.$run" 2>"$dir/err.$run" || die "runc run failed: $(cat "$dir/err.$run")"
    key_calls "$dir/trace.$run" >"$dir/keys.$run"
  done
  keys=$dir/keys.1

  echo "the container printed: $(cat "$dir/out.1")"
  # Not printed: whether the two traces have the same number of lines. They almost never do (Go's
  # runtime), but a fact that is "no" only almost always is no fact for expected-output.txt.
  local traced
  traced=$(grep -c . "$dir/trace.1")
  log::info "system calls traced: $traced and $(grep -c . "$dir/trace.2") lines in the two runs"
  echo "key calls, the same ones in both runs: $(common::yes_no cmp -s <(sort "$dir/keys.1") <(sort "$dir/keys.2"))"
  echo "key calls of each group, in the same order in both runs: $(
    ok=yes
    for g in exec namespaces cgroups mounts uts identity seccomp; do
      cmp -s <(grep -P "^$g\t" "$dir/keys.1") <(grep -P "^$g\t" "$dir/keys.2") || ok=no
    done
    echo $ok)"

  # exec: runc, then runc init (a fork of runc that execs /proc/self/exe), then the container's process.
  echo "exec: execve calls: $(count "$keys" $'^exec\texecve')"
  echo "exec: the second one (runc init): $(grep -P '^exec\texecve' "$keys" | sed -n 2p | cut -d' ' -f2)"
  echo "exec: the last one (process.args): $(grep -P '^exec\texecve' "$keys" | tail -n1 | cut -d' ' -f2)"

  # namespaces: nsexec.c's two clone(CLONE_PARENT) and one unshare of the new types; no setns.
  echo "namespaces: clone(CLONE_PARENT) calls: $(count "$keys" 'clone CLONE_PARENT')"
  echo "namespaces: unshare flags: $(grep -P '^namespaces\tunshare' "$keys" | cut -d' ' -f2 | paste -sd ' ')"
  echo "namespaces: setns calls: $(count "$keys" $'\tsetns')"
  echo "namespaces: the unshare between the two clone(CLONE_PARENT): $(in_order "$(first "$keys" 'clone CLONE_PARENT')" "$(first "$keys" $'\tunshare')" "$(last "$keys" 'clone CLONE_PARENT')")"

  # cgroups: runc makes a folder per hierarchy and writes runc init's PID in its cgroup.procs.
  local d made=0 joined=0
  while IFS= read -r d; do
    made=$((made + 1))
    grep -qF " ${d#/sys/fs/cgroup/}/cgroup.procs" "$keys" && joined=$((joined + 1))
  done < <(grep -P '^cgroups\tmkdir' "$keys" | cut -d' ' -f2)
  echo "cgroups: a cgroup.procs written in every cgroup folder runc made for $ID: $(common::yes_no test "$made" -gt 0 -a "$made" -eq "$joined")"
  echo "cgroups: limits written (devices.allow, devices.deny or cgroup v2 files other than cgroup.procs): $(common::yes_no grep -qP '^cgroups\twrite .*/(?!cgroup\.procs)[^/]+$' "$keys")"

  # mounts: config.json's mounts, then pivot_root, then the masked and read-only paths.
  local pivot
  pivot=$(first "$keys" $'\tpivot_root')
  echo "mounts: pivot_root calls: $(count "$keys" $'\tpivot_root')"
  echo "mounts: mount calls before pivot_root, at least one per mount of config.json: $(common::yes_no test "$(head -n "$pivot" "$keys" | grep -c $'\tmount [^ ]* /proc/self/fd/')" -ge "$(jq '.mounts | length' "$dir/bundle/config.json")")"
  echo "mounts: masked paths bound over with /dev/null, after pivot_root: $(in_order "$pivot" "$(first "$keys" 'mount /dev/null /')")"

  # identity and capabilities.
  local caps drops
  caps=$(jq '.process.capabilities.bounding | length' "$dir/bundle/config.json")
  drops=$(grep -P '\tprctl PR_CAPBSET_DROP' "$keys" | sort -u | grep -c . || true)
  echo "identity: capabilities dropped from the bounding set: every one but the $caps of config.json: $(common::yes_no test "$drops" -eq $(($(cat /proc/sys/kernel/cap_last_cap) + 1 - caps)))"
  echo "identity: after pivot_root, in order: $(tail -n +"$pivot" "$keys" | grep -P '^identity\t(setgroups|setgid|setuid|capset|prctl PR_SET_NO_NEW_PRIVS|prctl PR_SET_KEEPCAPS)' | cut -f2 | uniq | paste -sd ' ' | sed 's/prctl //g')"

  # seccomp: libseccomp's probes (no program), then one filter.
  echo "seccomp: feature probes (no program): $(common::yes_no grep -q 'seccomp probe' "$keys")"
  local filters
  filters=$(count "$keys" $'^seccomp\t.* filter$')
  echo "seccomp: filters loaded: $filters, with: $(grep -P '^seccomp\t.* filter$' "$keys" | cut -f2 | cut -d' ' -f1-2)"

  # The sequence, milestone by milestone.
  local -a steps=(
    "execve /proc/self/exe" $'\texecve /proc/self/exe'
    "cgroup.procs" $'^cgroups\twrite .*/cgroup.procs'
    "clone(CLONE_PARENT)" $'\tclone CLONE_PARENT'
    "unshare" $'\tunshare'
    "mount of /" $'\tmount  /$'
    "cgroup limits" $'^cgroups\twrite .*/devices'
    "pivot_root" $'\tpivot_root'
    "sethostname" $'\tsethostname'
    "PR_SET_NO_NEW_PRIVS" 'PR_SET_NO_NEW_PRIVS'
    "capset" $'\tcapset'
    "seccomp filter" $'^seccomp\t.* filter$'
    "execve /bin/sh" $'\texecve /bin/sh'
  )
  local i names=() lines=()
  for ((i = 0; i < ${#steps[@]}; i += 2)); do
    names+=("${steps[i]}")
    lines+=("$(first "$keys" "${steps[i + 1]}")")
  done
  echo "sequence: $(printf '%s, ' "${names[@]}" | sed 's/, $//')"
  echo "every step of the sequence found, in that order: $(in_order "${lines[@]}")"
  echo "pivot_root after the mounts and before the container's execve: $(in_order "$(first "$keys" $'\tmount  /$')" "$pivot" "$(last "$keys" $'\texecve')")"
  echo "the container's execve is the last key call: $(common::yes_no test "$(last "$keys" $'\texecve')" -eq "$(grep -c . "$keys")")"
}
main "$@"
