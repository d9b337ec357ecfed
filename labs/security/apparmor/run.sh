#!/usr/bin/env bash
# AppArmor: a profile loaded with apparmor_parser denies writes below one folder. A process that
# asks to run under it (as aa-exec does: "exec PROFILE" into /proc/self/attr/.../exec, then
# execve) cannot write there even as root, while the same write unconfined succeeds.
set -Eeuo pipefail
# shellcheck source=../../../scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/common.sh"

PROFILE=$(common::name apparmor-deny) # removed on exit and by cleanup.sh
SECURITYFS=/sys/kernel/security/apparmor

# Refuse, naming what is missing, on a host without AppArmor (this lab then changes nothing).
require_apparmor() {
  [[ -d $SECURITYFS ]] \
    || die "AppArmor is not active on this host ($SECURITYFS is absent): this lab needs a kernel with AppArmor enabled, as on Debian and Ubuntu (the project runs it in its VM)."
  [[ $(cat /sys/module/apparmor/parameters/enabled 2>/dev/null) == Y ]] \
    || die "AppArmor is built in but disabled (/sys/module/apparmor/parameters/enabled is not Y): boot with apparmor=1 security=apparmor."
}

# The file a process writes "exec PROFILE" into to be confined from its next execve: the
# AppArmor-specific one when the kernel has it (5.8 and later), else the shared LSM one.
exec_attr() {
  if [[ -e /proc/self/attr/apparmor/exec ]]; then echo /proc/self/attr/apparmor/exec; else echo /proc/self/attr/exec; fi
}

loaded() { grep -q "^$PROFILE (" "$SECURITYFS/profiles"; }

# Try a write to file $1 with the shell in $2 ("confined" or "unconfined"); print "ok" or the
# error text, after the last ": ".
write_as() {
  local file=$1 how=$2 err=$WORKDIR/err
  # shellcheck disable=SC2016 # the inner shells expand these
  local cmd='(echo data >"$1") 2>"$2"'
  if [[ $how == confined ]]; then
    # shellcheck disable=SC2016 # the outer sh expands $0..$3
    if sh -c 'echo "exec $3" >"$4" && exec sh -c "$0" sh "$1" "$2"' "$cmd" "$file" "$err" "$PROFILE" "$(exec_attr)"; then echo ok; else tail -n 1 "$err" | sed 's/.*: //'; fi
  else
    if sh -c "$cmd" sh "$file" "$err"; then echo ok; else tail -n 1 "$err" | sed 's/.*: //'; fi
  fi
}

main() {
  common::require_root
  require_apparmor
  common::require_cmd apparmor_parser apparmor
  ! loaded || die "AppArmor profile $PROFILE is already loaded (left by an interrupted run?): run $(dirname "$0")/cleanup.sh first."

  common::tmpdir WORKDIR apparmor
  mkdir "$WORKDIR/allowed" "$WORKDIR/denied"
  # Every file access is allowed (file,; the ix rule spells out that the shells it runs stay
  # under the profile), except writes below denied/: deny rules win over allow rules (apparmor.d(5)). No capability rule: a confined root keeps only what the profile grants.
  cat >"$WORKDIR/profile" <<EOF_PROFILE
abi <abi/3.0>,
profile $PROFILE {
  file,
  /{,usr/}bin/* ix,
  deny $WORKDIR/denied/** w,
}
EOF_PROFILE
  log::info "apparmor_parser --replace --skip-cache $WORKDIR/profile (profile $PROFILE)"
  cleanup::push "apparmor_parser --remove '$WORKDIR/profile' 2>/dev/null || true"
  apparmor_parser --replace --skip-cache "$WORKDIR/profile"
  echo "profile $PROFILE loaded, listed in $SECURITYFS/profiles: $(common::yes_no loaded)"
  echo "its mode there: $(sed -n "s/^$PROFILE (\(.*\))$/\1/p" "$SECURITYFS/profiles")"

  # shellcheck disable=SC2016 # the inner shell expands $1
  echo "label of a process confined with it (/proc/self/attr/current): $(sh -c 'echo "exec $1" >"$2" && exec cat /proc/self/attr/current' sh "$PROFILE" "$(exec_attr)")"
  echo "label of this shell: $(cat /proc/self/attr/current)"
  echo "mode bits of denied/ allow root to write: $(common::yes_no test -w "$WORKDIR/denied")"
  echo "write to denied/file, confined: $(write_as "$WORKDIR/denied/file" confined)"
  echo "write to allowed/file, confined: $(write_as "$WORKDIR/allowed/file" confined)"
  echo "write to denied/file, unconfined: $(write_as "$WORKDIR/denied/file" unconfined)"

  log::info "apparmor_parser --remove $WORKDIR/profile"
  apparmor_parser --remove "$WORKDIR/profile"
  echo "profile listed after apparmor_parser --remove: $(common::yes_no loaded)"
}
main "$@"
