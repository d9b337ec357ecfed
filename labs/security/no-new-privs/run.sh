#!/usr/bin/env bash
# No new privileges: a setuid-root copy of id(1), run by an unprivileged user, gets effective uid
# 0; the same program run with the no_new_privs bit set (setpriv --no-new-privs, which calls
# prctl(PR_SET_NO_NEW_PRIVS)) keeps the caller's uid, and the bit is inherited by every child.
set -Eeuo pipefail
# shellcheck source=../../../scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/common.sh"

NOBODY=65534 # the uid and gid of nobody/nogroup on Debian, Ubuntu and Fedora alike

# Run a command as uid/gid 65534 with no supplementary groups; extra setpriv options first.
as_nobody() {
  local opts=()
  while [[ $1 == --* ]]; do opts+=("$1"); shift; done
  setpriv --reuid="$NOBODY" --regid="$NOBODY" --clear-groups "${opts[@]}" -- "$@"
}

# Print the NoNewPrivs value of a process run as uid 65534 (extra setpriv options in "$@"): of
# awk itself, or, with --grandchild, of awk started by sh -c, two execve below setpriv.
nnp_of() {
  # shellcheck disable=SC2016 # awk's $1 and $2
  local field='$1 == "NoNewPrivs:" { print $2 }'
  if [[ ${1:-} == --grandchild ]]; then
    shift
    # shellcheck disable=SC2016 # $0 is the inner sh's
    as_nobody "$@" sh -c 'exec awk "$0" /proc/self/status' "$field"
  else
    as_nobody "$@" awk "$field" /proc/self/status
  fi
}

main() {
  common::require_root
  common::require_cmd setpriv util-linux
  common::require_cmd findmnt util-linux
  common::require_cmd id coreutils

  common::tmpdir WORKDIR nnp
  chmod 0755 "$WORKDIR"
  # /tmp may be mounted nosuid (the kernel then ignores setuid bits): the setuid copy lives on a
  # tmpfs of the lab's own, mounted without nosuid inside its temp folder.
  mkdir "$WORKDIR/bin"
  # The undo first: a signal that lands while the mount runs must not leave it behind.
  cleanup::push "! mountpoint -q '$WORKDIR/bin' || umount -l '$WORKDIR/bin'"
  mount -t tmpfs -o mode=0755,size=8m cfs-nnp "$WORKDIR/bin"
  cp "$(command -v id)" "$WORKDIR/bin/id"
  chmod 4755 "$WORKDIR/bin/id"
  local suid="$WORKDIR/bin/id"
  echo "the lab's tmpfs is mounted nosuid: $(findmnt -n -o OPTIONS --mountpoint "$WORKDIR/bin" | tr ',' '\n' | grep -qx nosuid && echo yes || echo no)"
  echo "mode and owner of the copy of id: $(stat -c '%A %U' "$suid")"

  log::info "as uid $NOBODY: $suid (setuid root)"
  echo "uid running the copy: $(as_nobody id -u)"
  local real
  real=$(as_nobody "$suid" -ru)
  echo "without no_new_privs: real uid $real, effective uid $(as_nobody "$suid" -u)"
  echo "NoNewPrivs of a process started without it: $(nnp_of)"

  log::info "as uid $NOBODY: setpriv --no-new-privs $suid"
  real=$(as_nobody --no-new-privs "$suid" -ru)
  echo "with no_new_privs: real uid $real, effective uid $(as_nobody --no-new-privs "$suid" -u)"
  local status=0
  as_nobody --no-new-privs "$suid" -u >/dev/null || status=$?
  echo "exit status of the setuid copy under no_new_privs: $status"
  echo "NoNewPrivs in a grandchild (sh -c, then awk): $(nnp_of --grandchild --no-new-privs)"

  # Root, too, is bound by it: a setuid-nobody copy no longer changes root's effective uid.
  cp "$(command -v id)" "$WORKDIR/bin/id-nobody"
  chown "$NOBODY:$NOBODY" "$WORKDIR/bin/id-nobody"
  chmod 4755 "$WORKDIR/bin/id-nobody"
  local euid
  euid=$("$WORKDIR/bin/id-nobody" -u)
  echo "root running a setuid-$NOBODY copy: effective uid $euid; with no_new_privs: $(setpriv --no-new-privs "$WORKDIR/bin/id-nobody" -u)"
}
main "$@"
