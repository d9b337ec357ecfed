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
#                                   vmx/svm, else TCG (-accel tcg -cpu max)
#   CFS_VM_CONSOLE=1                0: do not stream the guest console (it is still saved)
#   CFS_VM_EXTRA_LABS=/path         a folder of <topic>/<lab>/ scratch labs, copied into the guest's
#                                   labs/ (never into the checkout) so LAB_GLOB can name them;
#                                   their results are kept apart (extra.tsv, never promoted)
#   CFS_VM_TCG_CPU=max              the -cpu model under TCG
#   CFS_VM_PROFILE="tests/lib/host-state.sh ..."  time one host_state::snapshot per file first
#   CFS_VM_CPUS=2 CFS_VM_MEM=2048   guest size
# The last run's TAP and console log are kept in .vm-cache/last-run/.
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
  printf '%s\n' -accel tcg,thread=multi -cpu "${CFS_VM_TCG_CPU:-max}"
}

main() {
  ((EUID == 0)) || die "run-suite.sh needs root (it builds the image with mmdebstrap --mode=root)."
  # Two VMs at once each run at half speed and blow their budgets: one at a time on a machine.
  local lock
  exec {lock}>/run/lock/cfs-vm.lock
  flock -n "$lock" || { say "another VM run holds /run/lock/cfs-vm.lock: waiting for it"; flock "$lock"; }
  command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 is missing: apt-get install qemu-system-x86"
  local labs=$* t0=$SECONDS
  if [[ -z $labs ]]; then
    labs=$(lab::dirs_verified_in vm | sed 's|^labs/||' | tr '\n' ' ')
    labs=${labs% }
  fi

  local image
  image=$("$VM_DIR/build-image.sh") || die "building the guest image failed"
  local t_build=$((SECONDS - t0))

  mkdir -p "$CACHE"
  local run
  run=$(mktemp -d "$CACHE/run.XXXXXX")
  local qpid='' tails=()
  # shellcheck disable=SC2064 # expand $run now: it is fixed for this run
  trap "rm -rf '$run'" EXIT
  trap 'say "interrupted: stopping the VM"; [[ -n $qpid ]] && kill "$qpid" 2>/dev/null; exit 130' INT TERM HUP
  {
    printf 'CFS_LABS=%q\n' "$labs"
    printf 'CFS_LAB_CHECKS=%q\n' "${CFS_LAB_CHECKS:-output sigkill}"
    printf 'CFS_VM_BATS=%q\n' "${CFS_VM_BATS:-}"
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

  local accel
  mapfile -t accel < <(accel_args)
  say "booting $(cat "$image/kernel-version") (${accel[*]}, ${CFS_VM_CPUS:-2} CPUs, ${CFS_VM_MEM:-2048} MiB); labs: $labs"
  # shellcheck disable=SC2054 # the comma belongs to console=ttyS0,115200
  local cmdline=(console=ttyS0,115200 loglevel=4 panic=-1 rw
    systemd.unified_cgroup_hierarchy=1 cgroup_no_v1=all apparmor=1 security=apparmor
    mitigations=off)
  local t_boot=$SECONDS
  # The root disk is opened with snapshot=on: the guest's writes go to a throwaway overlay.
  TMPDIR=$run timeout --kill-after=10 "${CFS_VM_TIMEOUT:-3600}" \
    qemu-system-x86_64 "${accel[@]}" -smp "${CFS_VM_CPUS:-2}" -m "${CFS_VM_MEM:-2048}" \
    -nographic -nodefaults -no-user-config -no-reboot \
    -kernel "$image/vmlinuz" -initrd "$image/initrd.img" -append "${cmdline[*]}" \
    -drive "file=$image/root.ext4,format=raw,if=virtio,snapshot=on,cache=unsafe" \
    -virtfs "local,path=$REPO,mount_tag=repo,security_model=none,readonly=on,multidevs=remap" \
    -virtfs "local,path=$run,mount_tag=run,security_model=none" \
    "${extra[@]}" \
    -device virtio-rng-pci \
    -serial "file:$run/console.log" \
    </dev/null >"$run/qemu.log" 2>&1 &
  qpid=$!

  tail -n +1 -f --pid="$qpid" "$run/tap" &
  tails+=($!)
  if [[ ${CFS_VM_CONSOLE:-1} != 0 ]]; then
    # Without the firmware's terminal escapes and carriage returns.
    tail -n +1 -f --pid="$qpid" "$run/console.log" | sed -u -e 's/\x1b\[[0-9;?]*[A-Za-z]//g' -e 's/\x1bc//g' -e 's/\r//g' >&2 &
    tails+=($!)
  fi
  local qstatus=0
  wait "$qpid" || qstatus=$?
  qpid=
  wait "${tails[@]}" 2>/dev/null || true
  local t_vm=$((SECONDS - t_boot))

  mkdir -p "$CACHE/last-run"
  cp "$run/tap" "$run/console.log" "$run/qemu.log" "$CACHE/last-run/"
  [[ -f $run/facts ]] && cp "$run/facts" "$CACHE/last-run/"

  local status
  status=$(tr -d '\r' <"$run/console.log" | sed -n 's/^CFS-VM-EXIT=\([0-9]*\)$/\1/p' | tail -n 1)
  if [[ -z $status ]]; then
    if ((qstatus == 124 || qstatus == 137)); then
      say "error: the VM did not finish within ${CFS_VM_TIMEOUT:-3600} s (CFS_VM_TIMEOUT); killed while running: $(awk -F'\t' '$3 == "begin" { c = $1 " " $2; next } { c = "" } END { print c }' "$run/results.tsv" 2>/dev/null)"
      status=124
    else
      say "error: the VM stopped (qemu exit $qstatus) without reporting the suite's status; qemu said:"
      sed 's/^/[qemu] /' "$run/qemu.log" >&2
      status=125
    fi
  fi

  # Scratch labs (CFS_VM_EXTRA_LABS) are kept apart from the results a promotion may use.
  local results=$REPO/test-results/labs name=vm
  [[ -n ${CFS_VM_EXTRA_LABS:-} ]] && name=extra
  mkdir -p "$results"
  if [[ -f $run/results.tsv ]]; then
    cp "$run/results.tsv" "$results/$name.tsv"
    [[ -f $run/facts ]] && cp "$run/facts" "$results/$name.facts"
    lab::slowest "$results/$name.tsv" >&2
  fi
  say "times: image $t_build s, VM (boot + suite + poweroff) $t_vm s, total $((SECONDS - t0)) s; suite status $status"
  return "$status"
}
main "$@"; exit  # one line: bash has read it all before main runs, even if the file changes
