#!/usr/bin/env bash
# UTS namespace: the hostname and NIS domain name belong to a UTS namespace. A new one starts as a
# copy of its parent's; changing it inside leaves the host's untouched; nsenter joins it later;
# when its last process dies the kernel frees it, which the lab sees through the kernel's count of
# UTS namespaces (scripts/nslimit.sh).
set -Eeuo pipefail
# shellcheck source=../../../scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/common.sh"
# shellcheck source=../../../scripts/nslimit.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/nslimit.sh"

TAG=cfs-uts-ns-init
NEW_HOSTNAME=cfs-container
NEW_DOMAIN=cfs-domain

host_names_unchanged() {
  local name domain
  name=$(hostname)
  domain=$(domainname)
  [[ $name == "$HOST_HOSTNAME" && $domain == "$HOST_DOMAIN" ]]
}

one_shot() {
  log::info "unshare --uts sh -c 'hostname $NEW_HOSTNAME; domainname $NEW_DOMAIN; ...'"
  local out
  # The inner shell prints its facts itself: "LABEL: value" lines.
  # shellcheck disable=SC2016 # $1, $2, $3 belong to the inner shell
  out=$(unshare --uts sh -c '
    [ "$(hostname)" = "$3" ] && copy=yes || copy=no
    echo "a new UTS namespace starts with a copy of the host'\''s hostname: $copy"
    hostname "$1"
    domainname "$2"
    echo "hostname inside after '\''hostname $1'\'': $(hostname)"
    echo "uname -n inside: $(uname -n)"
    echo "domainname inside after '\''domainname $2'\'': $(domainname)"
  ' sh "$NEW_HOSTNAME" "$NEW_DOMAIN" "$HOST_HOSTNAME")
  echo "$out"
  local name domain
  name=$(hostname)
  domain=$(domainname)
  common::fact "host hostname unchanged" test "$name" = "$HOST_HOSTNAME"
  common::fact "host domainname unchanged" test "$domain" = "$HOST_DOMAIN"
}

long_lived() {
  local holder
  # A user namespace whose users may own one UTS namespace at a time: the probe of the end.
  log::info "a user namespace with user.max_uts_namespaces=1 (held by $TAG-userns)"
  nslimit::start holder uts "$TAG-userns"
  log::info "in it, a long-lived UTS namespace: unshare --uts bash -c 'hostname $NEW_HOSTNAME && exec -a $TAG sleep 300'"
  # `exec -a` puts the tag in sleep's argv[0]: one process, nothing left to orphan (nsenter and
  # unshare exec too; not nslimit::in, a function, which `&` would run in a subshell of its own).
  # nslimit::start already registered the undo: SIGKILL every child of this script, reap them.
  nsenter --target "$holder" --user -- \
    unshare --uts bash -c "hostname $NEW_HOSTNAME && exec -a $TAG sleep 300" </dev/null >/dev/null &
  local pid=$! tries=50 comm='' name
  # Wait until unshare has made the namespace, set the name and exec'd sleep.
  while [[ $comm != sleep ]] && ((tries--)); do
    sleep 0.1
    read -r comm <"/proc/$pid/comm" || true
  done
  [[ $comm == sleep ]] || die "the namespace process $pid never started"

  common::fact "its UTS namespace differs from the host's" test ! "/proc/$pid/ns/uts" -ef /proc/self/ns/uts
  log::info "nsenter -t $pid -u hostname"
  name=$(nsenter -t "$pid" -u hostname)
  echo "nsenter -u into it sees hostname: $name"
  name=$(nsenter -t "$pid" -u cat /proc/sys/kernel/hostname)
  echo "/proc/sys/kernel/hostname read through nsenter: $name"
  log::info "nsenter -t $pid -u hostname $NEW_HOSTNAME-2, then a second nsenter reads it"
  nsenter -t "$pid" -u hostname "$NEW_HOSTNAME-2"
  name=$(nsenter -t "$pid" -u hostname)
  echo "a rename by one nsenter is seen by the next: $name"
  common::fact "host hostname and domainname still unchanged" host_names_unchanged

  log::info "in the same user namespace: unshare --uts true, while it lives (the cap is 1)"
  echo "another UTS namespace while it lives, under a cap of 1: $(nslimit::try "$holder" --uts)"
  log::info "kill -KILL $pid (its only process), then unshare --uts true again"
  kill -KILL "$pid"
  wait "$pid" 2>/dev/null || true
  echo "another UTS namespace once its only process died: $(nslimit::wait_free "$holder" --uts)"
}

main() {
  common::require_root
  common::require_cmd unshare util-linux
  common::require_cmd pkill procps
  common::require_cmd nsenter util-linux
  common::require_cmd hostname hostname
  common::require_cmd domainname hostname
  common::require_kernel "UTS namespaces" /proc/self/ns/uts
  HOST_HOSTNAME=$(hostname)
  HOST_DOMAIN=$(domainname)
  one_shot
  long_lived
}
main "$@"
