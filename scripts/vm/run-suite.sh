#!/usr/bin/env bash
# run-suite.sh: run the bats lab suite inside a throwaway qemu VM with Debian 12's stock kernel
# (6.1, pure cgroup v2, AppArmor on), the environment most readers have, and stream its TAP.
#
#   sudo scripts/vm/run-suite.sh [LAB_GLOB...]
#
#   LAB_GLOB   labs to run, as in CFS_LABS ("silos/pid-ns", "cgroups/*"); default: every lab whose
#              lab.manifest lists vm under verify: (they need what the CI host lacks: pure cgroup
#              v2, AppArmor, CRIU, a systemd-like shared /)
#
# stdout: the suite's TAP (bats --tap --timing). stderr: build steps and the guest's console.
# Exit status: the suite's; 124 when the VM ran out of time; 125 when the VM never ran the suite.
# The guest image (kernel, initramfs, root.ext4) is built on first use into .vm-cache/ and
# reused until scripts/vm/guest-packages.txt, the kernel package or the build scripts change.
# The results (one line per check: lab, check, pass/fail/skip, seconds) and the guest's facts go
# to test-results/labs/vm.tsv and vm.facts, which scripts/promote-verified.sh reads.
#
# Environment:
#   CFS_VM_BATS="tests/x.bats ..."  more bats files to run after tests/labs.bats (repo-relative)
#   CFS_LAB_CHECKS="output sigkill" the harness checks to run (tests/labs.bats); the two that
#                                   depend on the kernel. "output sigkill interrupt nonroot": all
#                                   (for fast, KVM runners)
#   CFS_LAB_TIMEOUT=300             per-lab-run timeout inside the guest (passed to the harness)
#   CFS_VM_TIMEOUT=3600             seconds before qemu is killed: a backstop only; the guest
#                                   gives the suite a budget from its labs and its measured speed
#   CFS_VM_ACCEL=auto|kvm|tcg       auto: KVM (-cpu host) when /dev/kvm opens and the CPU has
#                                   vmx/svm, else TCG (-accel tcg -cpu qemu64)
#   CFS_VM_CONSOLE=1                0: do not stream the guest console (it is still saved)
#   CFS_VM_EXTRA_LABS=/path         a folder of <topic>/<lab>/ scratch labs, copied into the guest's
#                                   labs/ (never into the checkout) so LAB_GLOB can name them;
#                                   their results are kept apart (extra.tsv, never promoted)
#   CFS_VM_TCG_CPU=qemu64           the -cpu model under TCG (see accel_args)
#   CFS_VM_PROFILE="tests/lib/host-state.sh ..."  time one host_state::snapshot per file first
#   CFS_VM_SHARDS=$(nproc)          guests booted side by side, each running its share of the labs
#                                   (round robin); one guest keeps one vCPU busy
#   CFS_VM_CPUS CFS_VM_MEM=2048     guest size; CPUs default to 1 per guest when sharded, else 2
# The last run's TAP and console log are kept in .vm-cache/last-run/<guest>/.
# Host packages: qemu-system-x86 mmdebstrap e2fsprogs.
set -Eeuo pipefail

VM_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$VM_DIR/../.." && pwd)
# shellcheck source=../lab.sh
source "$REPO/scripts/lab.sh"

CACHE=${CFS_VM_CACHE:-$REPO/.vm-cache}
export CFS_VM_CACHE=$CACHE

say() { printf '[run-suite] %s\n' "$*" >&2; }
die() {
  say "error: $*"
  exit 125
}

# /dev/kvm must open, and the CPU must offer VT-x/AMD-V: some VMs expose a /dev/kvm whose guests
# hang (this CI host's did), while their /proc/cpuinfo lacks vmx/svm.
kvm_usable() {
  [[ -c /dev/kvm ]] && grep -qwE 'vmx|svm' /proc/cpuinfo || return 1
  local fd
  { exec {fd}<>/dev/kvm; } 2>/dev/null || return 1
  exec {fd}>&-
}

accel_args() {
  local want=${CFS_VM_ACCEL:-auto}
  case $want in
    tcg) ;;
    kvm) kvm_usable || die "CFS_VM_ACCEL=kvm but /dev/kvm cannot be opened"
      printf '%s\n' -accel kvm -cpu host
      return ;;
    auto) if kvm_usable; then
        printf '%s\n' -accel kvm -cpu host
        return
      fi ;;
    *) die "CFS_VM_ACCEL must be auto, kvm or tcg, not '$want'" ;;
  esac
  # qemu64, the baseline x86-64 CPU, not max: offered AVX/AVX2, the guest's glibc picks its AVX2
  # string functions, which TCG emulates more slowly than the SSE2 ones. Measured on the CI host
  # (2 cores, qemu 7.2, cgroups/pids + silos/ns-lifetime, both checks): max 107 s of checks,
  # max without avx/avx2 89 s, qemu64 70 s. The labs need nothing newer (CRIU and AppArmor pass).
  printf '%s\n' -accel tcg,thread=multi -cpu "${CFS_VM_TCG_CPU:-qemu64}"
}

main() {
  ((EUID == 0)) || die "run-suite.sh needs root (it builds the image with mmdebstrap --mode=root)."
  # Two VMs at once each run at half speed and blow their budgets: one at a time on a machine.
  local lock
  exec {lock}>/run/lock/cfs-vm.lock
  flock -n "$lock" || { say "another VM run holds /run/lock/cfs-vm.lock: waiting for it"; flock "$lock"; }
  command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 is missing: apt-get install qemu-system-x86"
  local patterns=$* t0=$SECONDS
  # Labs named on the command line run even where their manifest does not ask for the VM.
  NAMED=${patterns:+1}
  if [[ -z $patterns ]]; then
    patterns=$(lab::dirs_verified_in vm | sed 's|^labs/||' | tr '\n' ' ')
    patterns=${patterns% }
  fi

  local image
  image=$("$VM_DIR/build-image.sh") || die "building the guest image failed"
  local t_build=$((SECONDS - t0))

  # Shards: the harness is one serial shell, so one guest keeps one vCPU busy. N one-vCPU guests,
  # each with its share of the labs, keep N host cores busy (scratch labs: one guest).
  local labs=() shards
  if [[ -n ${CFS_VM_EXTRA_LABS:-} ]]; then
    labs=("$patterns")
  else
    mapfile -t labs < <(expand_labs "$patterns")
    ((${#labs[@]})) || die "no lab matches: $patterns"
  fi
  shards=${CFS_VM_SHARDS:-$(nproc)}
  ((shards > ${#labs[@]})) && shards=${#labs[@]}
  ((shards >= 1)) || shards=1

  mkdir -p "$CACHE"
  local i tails=()
  RUNS=()
  QPIDS=()
  trap 'rm -rf "${RUNS[@]}"' EXIT
  trap 'say "interrupted: stopping the VMs"; ((${#QPIDS[@]})) && kill "${QPIDS[@]}" 2>/dev/null; exit 130' INT TERM HUP
  local t_boot=$SECONDS
  for ((i = 0; i < shards; i++)); do
    local mine=() j
    for ((j = i; j < ${#labs[@]}; j += shards)); do mine+=("${labs[j]}"); done
    # The library tests tagged kernel go to the last shard, which has the fewest labs.
    RUNS+=("$(mktemp -d "$CACHE/run.XXXXXX")")
    boot_shard "$i" "$shards" "${RUNS[i]}" "$image" "${mine[*]}" "$( ((i == shards - 1)) && echo "${CFS_VM_BATS:-}")"
    QPIDS+=("$QPID")
  done

  local status=0 s qstatus
  for ((i = 0; i < shards; i++)); do
    qstatus=0
    wait "${QPIDS[i]}" || qstatus=$?
    s=$(shard_status "$i" "${RUNS[i]}" "$qstatus")
    ((s > status)) && status=$s
  done
  wait "${tails[@]}" 2>/dev/null || true
  local t_vm=$((SECONDS - t_boot))

  rm -rf "$CACHE/last-run"
  mkdir -p "$CACHE/last-run"
  for ((i = 0; i < shards; i++)); do
    mkdir -p "$CACHE/last-run/$i"
    cp "${RUNS[i]}"/{tap,console.log,qemu.log} "$CACHE/last-run/$i/"
    [[ -f ${RUNS[i]}/facts ]] && cp "${RUNS[i]}/facts" "$CACHE/last-run/$i/"
  done

  # Scratch labs (CFS_VM_EXTRA_LABS) are kept apart from the results a promotion may use.
  local results=$REPO/test-results/labs name=vm
  [[ -n ${CFS_VM_EXTRA_LABS:-} ]] && name=extra
  mkdir -p "$results"
  : >"$results/$name.tsv"
  for ((i = 0; i < shards; i++)); do
    [[ -f ${RUNS[i]}/results.tsv ]] && cat "${RUNS[i]}/results.tsv" >>"$results/$name.tsv"
  done
  [[ -f ${RUNS[0]}/facts ]] && cp "${RUNS[0]}/facts" "$results/$name.facts"
  lab::slowest "$results/$name.tsv" >&2
  say "times: image $t_build s, $shards VMs (boot + suite + poweroff) $t_vm s, total $((SECONDS - t0)) s; suite status $status"
  return "$status"
}

# Print the lab folders (topic/lab) that the space-separated globs match, sorted.
expand_labs() {
  local dir rel pattern
  for dir in "$REPO"/labs/*/*/; do
    [[ -f $dir/run.sh ]] || continue
    rel=${dir#"$REPO"/labs/}
    rel=${rel%/}
    for pattern in $1; do
      # shellcheck disable=SC2053 # the pattern is a glob on purpose
      if [[ $rel == $pattern ]]; then printf '%s\n' "$rel"; break; fi
    done
  done
}

# Boot guest $1 of $2 in run folder $3 from image $4, to run labs $5 and the bats files $6; its
# qemu's PID goes in QPID. Its TAP goes to stdout, its console (prefixed [vmN]) to stderr.
boot_shard() {
  local i=$1 n=$2 run=$3 image=$4 shard_labs=$5 bats=$6 cpus
  {
    printf 'CFS_LABS=%q\n' "$shard_labs"
    printf 'CFS_LAB_CHECKS=%q\n' "${CFS_LAB_CHECKS:-output sigkill}"
    printf 'CFS_LAB_NAMED=%q\n' "$NAMED"
    printf 'CFS_VM_BATS=%q\n' "$bats"
    printf 'CFS_LAB_TIMEOUT=%q\n' "${CFS_LAB_TIMEOUT:-}"
    printf 'CFS_VM_EXTRA=%q\n' "${CFS_VM_EXTRA_LABS:+1}"
    printf 'CFS_VM_PROFILE=%q\n' "${CFS_VM_PROFILE:-}"
  } >"$run/env"
  local extra=()
  if [[ -n ${CFS_VM_EXTRA_LABS:-} ]]; then
    [[ -d $CFS_VM_EXTRA_LABS ]] || die "CFS_VM_EXTRA_LABS=$CFS_VM_EXTRA_LABS is not a folder"
    extra=(-virtfs "local,path=$(cd "$CFS_VM_EXTRA_LABS" && pwd),mount_tag=extra,security_model=none,readonly=on,multidevs=remap")
  fi
  : >"$run/tap"
  : >"$run/console.log"
  cpus=${CFS_VM_CPUS:-$( ((n > 1)) && echo 1 || echo 2)}

  local accel
  mapfile -t accel < <(accel_args)
  say "vm$i: booting $(cat "$image/kernel-version") (${accel[*]}, $cpus CPUs, ${CFS_VM_MEM:-2048} MiB); labs: $shard_labs${bats:+; kernel-tagged tests of: $bats}"
  # shellcheck disable=SC2054 # the comma belongs to console=ttyS0,115200
  local cmdline=(console=ttyS0,115200 loglevel=4 panic=-1 rw
    systemd.unified_cgroup_hierarchy=1 cgroup_no_v1=all apparmor=1 security=apparmor
    mitigations=off)
  # The root disk is opened with snapshot=on: the guest's writes go to a throwaway overlay.
  TMPDIR=$run timeout --kill-after=10 "${CFS_VM_TIMEOUT:-3600}" \
    qemu-system-x86_64 "${accel[@]}" -smp "$cpus" -m "${CFS_VM_MEM:-2048}" \
    -nographic -nodefaults -no-user-config -no-reboot \
    -kernel "$image/vmlinuz" -initrd "$image/initrd.img" -append "${cmdline[*]}" \
    -drive "file=$image/root.ext4,format=raw,if=virtio,snapshot=on,cache=unsafe" \
    -virtfs "local,path=$REPO,mount_tag=repo,security_model=none,readonly=on,multidevs=remap" \
    -virtfs "local,path=$run,mount_tag=run,security_model=none" \
    "${extra[@]}" \
    -device virtio-rng-pci \
    -serial "file:$run/console.log" \
    </dev/null >"$run/qemu.log" 2>&1 &
  QPID=$!
  tail -n +1 -f --pid="$QPID" "$run/tap" &
  tails+=($!)
  if [[ ${CFS_VM_CONSOLE:-1} != 0 ]]; then
    # Without the firmware's terminal escapes and carriage returns.
    tail -n +1 -f --pid="$QPID" "$run/console.log" |
      sed -u -e 's/\x1b\[[0-9;?]*[A-Za-z]//g' -e 's/\x1bc//g' -e 's/\r//g' -e "s/^/[vm$i] /" >&2 &
    tails+=($!)
  fi
}

# Print guest $1's suite status from its console (run folder $2; qemu's exit status $3).
shard_status() {
  local i=$1 run=$2 qstatus=$3 status
  status=$(tr -d '\r' <"$run/console.log" | sed -n 's/^CFS-VM-EXIT=\([0-9]*\)$/\1/p' | tail -n 1)
  if [[ -n $status ]]; then
    echo "$status"
  elif ((qstatus == 124 || qstatus == 137)); then
    say "error: vm$i did not finish within ${CFS_VM_TIMEOUT:-3600} s (CFS_VM_TIMEOUT); killed while running: $(awk -F'\t' '$3 == "begin" { c = $1 " " $2; next } { c = "" } END { print c }' "$run/results.tsv" 2>/dev/null)"
    echo 124
  else
    say "error: vm$i stopped (qemu exit $qstatus) without reporting the suite's status; qemu said:"
    sed "s/^/[qemu$i] /" "$run/qemu.log" >&2
    echo 125
  fi
}
main "$@"; exit  # one line: bash has read it all before main runs, even if the file changes
