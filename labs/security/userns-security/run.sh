#!/usr/bin/env bash
# User-namespace security: uid 0 with every capability inside a user namespace is still an
# unprivileged user to everything the host owns: it cannot read a root-only file, load a kernel
# module, rewrite the kernel's core-dump handler or set the host's hostname, and the files it
# creates belong to the user that made the namespace. The kernel itself stays shared.
set -Eeuo pipefail
# shellcheck source=../../../scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/common.sh"

LAB_USER=$(common::name usersec) # declared under users: in lab.manifest

# What uid 0 of the namespace tries. One "key result" line each; a result is "ok" or the text
# after the last ": " of the error. The module is 64 zero bytes: not an ELF file, so no kernel
# could ever load it, whatever the permission check says. core_pattern starting with | names a
# program the kernel would run as host root on a crash, the classic escape target: the probe
# writes back the host's own value ($2), so even a write that succeeded would change nothing.
# shellcheck disable=SC2016 # the inner shell expands these
PROBE='try() { key=$1; shift; if "$@" >/dev/null 2>err; then echo "$key ok"; else echo "$key $(tail -n 1 err | sed "s/.*: //")"; fi; }
echo "uid $(id -u)"
echo "capeff $(awk "/^CapEff:/ { print \$2 }" /proc/self/status)"
try shadow cat /etc/shadow
try insmod insmod ./not-a-module.ko
try core-pattern sh -c "printf \"%s\\n\" \"\$1\" | tee /proc/sys/kernel/core_pattern" sh "$2"
try hostname hostname cfs-usersec-box
try release sh -c "test \"\$(uname -r)\" = \"$1\""
touch made-inside && echo "owner-inside $(stat -c %u made-inside)"'

main() {
  common::require_root
  common::require_cmd unshare util-linux
  common::require_cmd setpriv util-linux
  common::require_cmd insmod kmod
  common::require_cmd hostname hostname
  common::require_cmd useradd passwd
  common::require_cmd userdel passwd
  common::require_cmd pkill procps
  common::require_kernel "user namespaces" /proc/self/ns/user
  common::require_unprivileged_userns
  [[ -z $(getent passwd "$LAB_USER") ]] \
    || die "user $LAB_USER already exists (left by an interrupted run?): run $(dirname "$0")/cleanup.sh first."

  log::info "useradd --system $LAB_USER (no home, no login shell)"
  # The undo first (the user did not exist: checked above), so that a signal while useradd runs
  # leaves no user behind.
  cleanup::push "pkill -KILL -u '$LAB_USER' 2>/dev/null; userdel '$LAB_USER' 2>/dev/null || true"
  useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin --user-group "$LAB_USER"
  common::tmpdir WORKDIR userns-security
  chown "$LAB_USER:$LAB_USER" "$WORKDIR"
  chmod 0755 "$WORKDIR"
  head -c 64 /dev/zero >"$WORKDIR/not-a-module.ko"
  chmod 0644 "$WORKDIR/not-a-module.ko"
  echo "user made for the lab: $(getent passwd "$LAB_USER" | cut -d: -f1)"

  local host_name host_core out
  host_name=$(hostname)
  host_core=$(</proc/sys/kernel/core_pattern)
  log::info "as $LAB_USER: unshare --user --map-root-user (uid 0 inside, every capability in the namespace)"
  out=$(setpriv --reuid="$LAB_USER" --regid="$LAB_USER" --clear-groups -- env -C "$WORKDIR" -- \
    unshare --user --map-root-user sh -c "$PROBE" cfs-usersec "$(uname -r)" "$host_core")
  local -A r=()
  local key value
  while read -r key value; do r[$key]=$value; done <<<"$out"
  local full
  full=$(((1 << ($(</proc/sys/kernel/cap_last_cap) + 1)) - 1))
  echo "uid inside: ${r[uid]}"
  echo "capabilities of uid 0 inside: $( ((16#${r[capeff]} == full)) && echo full set || echo partial)"
  echo "read /etc/shadow (owned by host root, no access for others: $(common::yes_no test "$(stat -c %u /etc/shadow)" -eq 0 -a "$(($(stat -c '%#a' /etc/shadow) & 7))" -eq 0)): ${r[shadow]}"
  # The error depends on the kernel: EPERM (no CAP_SYS_MODULE in the initial user namespace), or
  # ENOSYS on a kernel built without module support. Either way nothing can be loaded.
  log::info "insmod as uid 0 inside: ${r[insmod]}"
  echo "insmod of the fake module as uid 0 inside: $([[ ${r[insmod]} == ok ]] && echo loaded || echo refused)"
  echo "rewrite /proc/sys/kernel/core_pattern: ${r[core-pattern]}"
  echo "kernel.core_pattern on the host unchanged: $(common::yes_no test "$(</proc/sys/kernel/core_pattern)" == "$host_core")"
  echo "set the hostname (the host's UTS namespace): ${r[hostname]}"
  echo "host's hostname unchanged: $(common::yes_no test "$(hostname)" == "$host_name")"
  echo "same kernel release inside as on the host (the kernel is shared): $([[ ${r[release]} == ok ]] && echo yes || echo no)"
  echo "owner of a file uid 0 created, seen inside: uid ${r[owner-inside]}"
  echo "owner of that file on the host: $(stat -c %U "$WORKDIR/made-inside")"
}
main "$@"
