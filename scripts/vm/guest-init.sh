#!/bin/bash
# guest-init.sh: PID 1 of the CI guest. initramfs-init.sh copies it from the repository share at
# every boot and switch_roots to the copy, so editing it needs no image rebuild. It sets the
# guest up the way systemd leaves a Debian 12 host (pure cgroup v2 with every controller enabled
# at the root, AppArmor profiles loaded, / shared), prints a preflight, runs the bats suite as
# root in its own session and cgroup, prints "CFS-VM-EXIT=<status>" on the console, powers off.
#   /mnt/host  the repository, 9p, read-only; /repo is an overlay of it with a tmpfs upper layer
#   /mnt/run   the host's run folder, 9p, read-write: env (in), tap and facts (out)
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export LANG=C.UTF-8 HOME=/root TERM=dumb

say() { printf '[vm] %s\n' "$*"; }

finish() {
  local status=$1
  sync
  printf '\nCFS-VM-EXIT=%s\n' "$status"
  umount /mnt/run 2>/dev/null
  echo o >/proc/sysrq-trigger
  sleep 60
}

fail() {
  say "error: $*"
  finish 125
}

mount_all() {
  mount -t proc proc /proc
  mount -t sysfs sysfs /sys
  mount -t devtmpfs devtmpfs /dev
  mkdir -p /dev/pts /dev/shm /dev/mqueue
  mount -t devpts -o gid=5,mode=620,ptmxmode=000 devpts /dev/pts
  ln -sfn pts/ptmx /dev/ptmx
  ln -sfn /proc/self/fd /dev/fd
  ln -sfn /proc/self/fd/0 /dev/stdin
  ln -sfn /proc/self/fd/1 /dev/stdout
  ln -sfn /proc/self/fd/2 /dev/stderr
  mount -t tmpfs -o mode=1777,nosuid,nodev shm /dev/shm
  mount -t mqueue mqueue /dev/mqueue
  mount -t tmpfs -o mode=755,nosuid,nodev,size=20% tmpfs /run
  mkdir -p /run/lock && chmod 1777 /run/lock
  # Same options as systemd on Debian 12.
  mount -t cgroup2 -o nsdelegate,memory_recursiveprot cgroup2 /sys/fs/cgroup
  mount -t securityfs securityfs /sys/kernel/security
  mount -t bpf -o mode=700 bpf /sys/fs/bpf 2>/dev/null
  mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
  mount -t configfs configfs /sys/kernel/config 2>/dev/null
  # systemd makes every mount shared; mount-namespace labs see what readers see.
  mount --make-rshared /
  mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 run /mnt/run || fail "cannot mount the 9p share 'run'"
  # The labs must not write into the checkout: they see a copy-on-write view of it.
  mkdir -p /run/vm-repo/upper /run/vm-repo/work
  mount -t overlay -o lowerdir=/mnt/host,upperdir=/run/vm-repo/upper,workdir=/run/vm-repo/work \
    overlay /repo || fail "cannot mount the overlay on /repo"
}

setup_system() {
  hostname "$(cat /etc/hostname)"
  ip link set lo up
  local m
  # What a Debian host has loaded (or loads on demand) by the time a lab runs; ip_vs and its
  # schedulers as on a kube-proxy IPVS node (labs/networking/ipvs never loads a module itself).
  for m in overlay loop veth bridge br_netfilter nf_tables nf_conntrack nf_nat nft_chain_nat \
    nft_compat xt_MASQUERADE xt_conntrack xt_addrtype iptable_nat iptable_filter ip6table_filter \
    tun dummy vxlan ip_vs ip_vs_rr ip_vs_wrr; do
    modprobe -q "$m" || say "modprobe $m failed"
  done
  # The cgroup layout systemd leaves: every controller enabled at the root, PID 1 in init.scope,
  # services under system.slice. Labs make their own cfs-* groups at the root.
  local c controllers
  read -ra controllers </sys/fs/cgroup/cgroup.controllers
  for c in "${controllers[@]}"; do
    echo "+$c" >/sys/fs/cgroup/cgroup.subtree_control || say "cannot enable the $c controller"
  done
  mkdir -p /sys/fs/cgroup/init.scope /sys/fs/cgroup/system.slice/labs-suite.service
  echo $$ >/sys/fs/cgroup/init.scope/cgroup.procs
  # apparmor.service: load the profiles in /etc/apparmor.d.
  if [[ -x /lib/apparmor/apparmor.systemd ]]; then
    /lib/apparmor/apparmor.systemd reload >/dev/null 2>&1 || say "loading AppArmor profiles failed"
  fi
}

preflight() {
  local cgroup_fs apparmor criu_out criu=fail accel=tcg kernel lsm profiles runc cpus mem
  cgroup_fs=$(stat -fc %T /sys/fs/cgroup)
  apparmor=$(cat /sys/module/apparmor/parameters/enabled 2>/dev/null || echo N)
  grep -qw kvm-clock /sys/devices/system/clocksource/clocksource0/available_clocksource 2>/dev/null && accel=kvm
  say "preflight ------------------------------------------------------------"
  kernel=$(uname -r)
  say "kernel: $kernel ($(uname -v))"
  say "stat -fc %T /sys/fs/cgroup: $cgroup_fs"
  say "cgroup v1 hierarchies mounted: $(awk '$3 == "cgroup"' /proc/self/mounts | wc -l)"
  say "cgroup.subtree_control at the root: $(cat /sys/fs/cgroup/cgroup.subtree_control)"
  lsm=$(cat /sys/kernel/security/lsm 2>/dev/null || true)
  profiles=$(wc -l </sys/kernel/security/apparmor/profiles 2>/dev/null || echo 0)
  say "AppArmor: /sys/module/apparmor/parameters/enabled=$apparmor," \
    "/sys/kernel/security/apparmor $([[ -d /sys/kernel/security/apparmor ]] && echo exists || echo MISSING)," \
    "LSMs: $lsm, profiles loaded: $profiles"
  say "aa-enabled: $(aa-enabled 2>&1)"
  criu_out=$(criu check 2>&1) && criu=ok
  say "criu --version: $(criu --version 2>&1 | head -n 1); criu check: $criu_out"
  runc=$(runc --version 2>&1 | head -n 1)
  say "runc: $runc; crun: $(crun --version 2>&1 | head -n 1)"
  local t=$EPOCHREALTIME i
  for ((i = 0; i < 200; i++)); do /bin/true; done
  FORK200=$(awk -v a="$t" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }')
  say "speed: 200 fork+exec of /bin/true took $FORK200 s"
  cpus=$(nproc)
  mem=$(awk '/MemTotal/ { print int($2 / 1024) " MiB" }' /proc/meminfo)
  say "cpus: $cpus, memory: $mem, uptime: $(cut -d' ' -f1 /proc/uptime) s"
  say "----------------------------------------------------------------------"
  printf 'kernel=%s\ncgroup=%s\napparmor=%s\ncriu=%s\naccel=%s\nfork200=%s\n' "$kernel" \
    "$([[ $cgroup_fs == cgroup2fs ]] && echo v2 || echo v1/hybrid)" "$apparmor" "$criu" "$accel" "$FORK200" >/mnt/run/facts
}

read_env() {
  CFS_LABS=
  CFS_LAB_CHECKS=
  CFS_LAB_NAMED=
  CFS_VM_BATS=
  CFS_LAB_TIMEOUT=
  CFS_VM_EXTRA=
  CFS_VM_PROFILE=
  # shellcheck source=/dev/null # written by run-suite.sh on the host
  source /mnt/run/env || fail "cannot read /mnt/run/env"
}

# CFS_VM_PROFILE="tests/lib/host-state.sh other.sh": time one host_state::snapshot with each.
profile() {
  local f
  for f in $CFS_VM_PROFILE; do
    # shellcheck disable=SC2016 # the inner shell expands these
    bash -c 'source "$1" && t=$EPOCHREALTIME && host_state::snapshot CFS_LAB_MARKER=x >/dev/null &&
      echo "[vm] profile: host_state::snapshot from $1 took $(awk -v a="$t" -v b="$EPOCHREALTIME" "BEGIN { printf \"%.2f\", b - a }") s"' \
      profile "/repo/$f"
  done
}

copy_extra() {
  if [[ -n ${CFS_VM_EXTRA:-} ]]; then
    # Scratch labs from the host (CFS_VM_EXTRA_LABS): copied into the overlay, never the checkout.
    mkdir -p /mnt/extra
    mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144,ro extra /mnt/extra \
      || fail "cannot mount the 9p share 'extra'"
    cp -a /mnt/extra/. /repo/labs/ || fail "cannot copy the extra labs into /repo/labs"
    say "extra labs: $(cd /mnt/extra && find . -mindepth 3 -maxdepth 3 -name run.sh -printf '%h ' | sed 's|\./||g')"
  fi
}

# The suite's time budget, from what it runs and how fast this guest is: a hang detector, not a
# target (a lab check takes 30-60 s at 8-11 s per 200 fork+exec). Each lab check may take
# SECS_PER_CHECK at the reference speed (200 fork+exec in 8 s, a slow TCG guest), each extra bats
# file SECS_PER_BATS; a slower guest gets proportionally more.
SECS_PER_CHECK=90
SECS_PER_BATS=150
budget() {
  local labs=0 checks dir pattern rel n_bats
  for dir in /repo/labs/*/*/; do
    [[ -f $dir/run.sh ]] || continue
    rel=${dir#/repo/labs/}
    for pattern in $CFS_LABS; do
      # shellcheck disable=SC2053 # the pattern is a glob on purpose
      [[ ${rel%/} == $pattern ]] && { labs=$((labs + 1)); break; }
    done
  done
  read -ra checks <<<"${CFS_LAB_CHECKS:-output sigkill interrupt nonroot}"
  read -ra n_bats <<<"$CFS_VM_BATS"
  awk -v l="$labs" -v c="${#checks[@]}" -v b="${#n_bats[@]}" -v f="$FORK200" -v pc="$SECS_PER_CHECK" -v pb="$SECS_PER_BATS" \
    'BEGIN { s = f / 8; if (s < 1) s = 1; printf "%d", (l * c * pc + b * pb) * s + 60 }'
}

# The check under way: the last "begin" line of the results file with no result after it.
running_check() {
  awk -F'\t' '$3 == "begin" { cur = $1 " " $2; next } { cur = "" } END { print cur }' /mnt/run/results.tsv 2>/dev/null
}

run_suite() {
  local extra=() f secs
  for f in $CFS_VM_BATS; do extra+=("$f"); done
  cd /repo || fail "no /repo"
  secs=$(budget)
  say "running: CFS_LABS='$CFS_LABS' CFS_LAB_CHECKS='$CFS_LAB_CHECKS' bats tests/labs.bats, then the tests tagged kernel of: ${extra[*]} (budget ${secs} s)"
  local status=0
  # The kernel starts init in session 0: the suite gets a session of its own, and the cgroup a
  # systemd service would have. Of the extra bats files, only the tests whose outcome depends on
  # the kernel run here (bats test_tags=kernel); the host runs them all.
  # shellcheck disable=SC2016 # the inner shell expands these
  setsid --wait bash -c 'echo $$ >/sys/fs/cgroup/system.slice/labs-suite.service/cgroup.procs && exec "$@"' suite \
    timeout --kill-after=10 "$secs" \
    env -i PATH="$PATH" HOME=/root LANG=C.UTF-8 TERM=dumb CFS_ENV=vm CFS_LABS="$CFS_LABS" \
    CFS_RESULTS=/mnt/run/results.tsv ${CFS_LAB_CHECKS:+CFS_LAB_CHECKS="$CFS_LAB_CHECKS"} \
    ${CFS_LAB_NAMED:+CFS_LAB_NAMED=1} \
    ${CFS_LAB_TIMEOUT:+CFS_LAB_TIMEOUT="$CFS_LAB_TIMEOUT"} \
    bash -c 'bats=node_modules/bats/bin/bats; s=0; "$bats" --tap --timing tests/labs.bats || s=$?
      if (($#)); then "$bats" --tap --timing --filter-tags kernel "$@" || s=$?; fi; exit "$s"' suite "${extra[@]}" \
    </dev/null >/mnt/run/tap || status=$?
  if ((status == 124 || status == 137)); then
    say "error: the suite ran out of its ${secs} s budget while running: $(running_check)"
    status=124
  fi
  say "suite finished with status $status at uptime $(cut -d' ' -f1 /proc/uptime) s"
  return "$status"
}

main() {
  mount_all
  read_env
  setup_system
  preflight
  copy_extra
  profile
  local status=0
  run_suite || status=$?
  finish "$status"
}
main "$@"
