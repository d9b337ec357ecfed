#!/usr/bin/env bash
# Stage 7 of the mini-container: dropped capabilities and no_new_privs. Root in the container is
# still root: without a drop, it can mount file systems and set the hostname. The lab starts the
# container twice. The second time, setpriv(1) shrinks the bounding set to Docker's default 14
# capabilities BEFORE unshare, while CAP_SYS_ADMIN stays in the inheritable set, so that root
# keeps it across exec just long enough to mount and pivot_root; then BusyBox setpriv takes it
# out of the inheritable set, sets no_new_privs, and execs the container's shell with exactly the
# default set (capabilities(7): a root exec gains inheritable | bounding).
set -Eeuo pipefail
# shellcheck source=../../../scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/common.sh"
# shellcheck source=../../../scripts/rootfs.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/rootfs.sh"

# Docker's default capabilities (moby oci/caps/defaults.go), as setpriv(1) names them.
DEFAULT_CAPS=(chown dac_override fsetid fowner mknod net_raw setgid setuid setfcap setpcap net_bind_service sys_chroot kill audit_write)

# What the container's shell reports.
# shellcheck disable=SC2016 # expanded by the container's shell
INSIDE='
echo "capeff=$(awk "/^CapEff:/ { print \$2 }" /proc/self/status)"
echo "capbnd=$(awk "/^CapBnd:/ { print \$2 }" /proc/self/status)"
echo "nnp=$(awk "/^NoNewPrivs:/ { print \$2 }" /proc/self/status)"
hostname cfs-s7-renamed 2>/dev/null && echo "sethostname=works"
mount -t tmpfs none /tmp 2>/dev/null && echo "mount=works"
chown 65534:65534 /tmp && echo "chown=works"
exit 0'

field() { sed -n "s/^$1=//p" <<<"$REPORT"; }

# Start a container; with "drop", with the default capabilities and no_new_privs only.
run_container() {
  local plus wrap=()
  if [[ $1 == drop ]]; then
    plus=$(printf ',+%s' "${DEFAULT_CAPS[@]}")
    # inheritable += sys_admin and the defaults (while they are still in the bounding set), then
    # bounding = the defaults: unshare and the setup bash still get CAP_SYS_ADMIN at their exec.
    wrap=(setpriv --inh-caps "+sys_admin$plus" -- setpriv --bounding-set "-all$plus" --)
  fi
  log::info "${wrap[*]} unshare --pid --fork --mount --uts --ipc --net --cgroup; rootfs::pivot; exec /bin/sh"
  # shellcheck disable=SC2016 # expanded by the inner bash, from its arguments
  "${wrap[@]}" unshare --pid --fork --kill-child --mount --uts --ipc --net --cgroup -- bash -c '
    set -Eeuo pipefail
    source "$1/scripts/common.sh"
    source "$1/scripts/rootfs.sh"
    rootfs::pivot "$2" "$3"
    if [[ $5 == drop ]]; then
      exec /bin/busybox setpriv --nnp --inh-caps -sys_admin /bin/sh -c "$4" cfs-s7-init
    fi
    exec /bin/sh -c "$4" cfs-s7-init
  ' cfs-s7-setup "$CFS_REPO_ROOT" "$ROOTFS" "$(readlink /proc/self/ns/mnt)" "$INSIDE" "$1" >"$WORKDIR/report" &
  # In the background, then wait: a SIGINT interrupts the wait builtin at once.
  wait $!
  REPORT=$(<"$WORKDIR/report")
}

main() {
  common::require_root
  common::require_cmd setpriv util-linux
  common::require_cmd unshare util-linux
  common::require_cmd pivot_root util-linux
  common::require_cmd mount mount
  common::require_cmd busybox busybox-static

  common::tmpdir WORKDIR s7
  ROOTFS=$WORKDIR/rootfs
  log::info "rootfs::busybox $ROOTFS"
  rootfs::busybox "$ROOTFS"

  run_container keep
  echo "without a drop, root in the container sets the hostname: $(common::yes_no test "$(field sethostname)" = works)"
  echo "without a drop, it mounts a tmpfs: $(common::yes_no test "$(field mount)" = works)"
  echo "without a drop, no_new_privs is set: $(common::yes_no test "$(field nnp)" = 1)"

  run_container drop
  echo "with the drop, CapEff inside: $(field capeff)"
  echo "CapBnd inside: $(field capbnd)"
  echo "capabilities in the bounding set inside: $(bits "$(field capbnd)")"
  echo "CAP_SYS_ADMIN (bit 21) in CapEff: $(common::yes_no test $((0x$(field capeff) >> 21 & 1)) = 1)"
  echo "no_new_privs is set (NoNewPrivs): $(common::yes_no test "$(field nnp)" = 1)"
  echo "with the drop, it sets the hostname: $(common::yes_no test "$(field sethostname)" = works)"
  echo "with the drop, it mounts a tmpfs: $(common::yes_no test "$(field mount)" = works)"
  echo "with the drop, chown (CAP_CHOWN, kept) works: $(common::yes_no test "$(field chown)" = works)"
}

# The number of bits set in a hexadecimal mask.
bits() {
  local mask=$((0x$1)) n=0
  while ((mask)); do n=$((n + (mask & 1))); mask=$((mask >> 1)); done
  echo "$n"
}
main "$@"
