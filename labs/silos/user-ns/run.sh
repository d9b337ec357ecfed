#!/usr/bin/env bash
# User namespace: an unprivileged user becomes uid 0 inside a user namespace it creates, yet its
# files belong to it on the host and host root's files stay out of reach. With a subordinate
# range from /etc/subuid, newuidmap maps 65536 ids, and uid 1000 inside is subuid start + 1000
# outside.
set -Eeuo pipefail
# shellcheck source=../../../scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/common.sh"

USERNS_USER=$(common::name userns)
RANGE=65536 # ids in the subordinate range, the size /etc/login.defs hands out by default

# /etc/subuid and /etc/subgid: one "name:start:count" line each. A file that does not end with a
# newline would glue our line to its last one: refuse rather than edit it.
require_clean_subid_files() {
  local f
  for f in /etc/subuid /etc/subgid; do
    [[ ! -s $f || -z $(tail -c 1 "$f") ]] || die "$f does not end with a newline: fix it before running this lab."
  done
}

# Print the first id after every range already handed out in /etc/subuid and /etc/subgid
# (at least 100000, SUB_UID_MIN in /etc/login.defs), so ours overlaps no one's.
free_subid_start() {
  cat /etc/subuid /etc/subgid 2>/dev/null \
    | awk -F: 'BEGIN { top = 100000 } NF == 3 && $2 + $3 > top { top = $2 + $3 } END { printf "%d\n", top }'
}

# Remove exactly LINE from FILE, keeping the file (and its inode, owner and mode) in place.
subid_remove_line() {
  local file=$1 line=$2 rest
  [[ -f $file ]] || return 0
  rest=$(grep -vxF -- "$line" "$file" || true)
  if [[ -n $rest ]]; then printf '%s\n' "$rest" >"$file"; else : >"$file"; fi
}

subid_add_line() {
  local file=$1 line=$2
  if [[ ! -e $file ]]; then
    install -m 0644 /dev/null "$file"
    cleanup::push "rm -f -- '$file'"
  fi
  printf '%s\n' "$line" >>"$file"
  cleanup::push "subid_remove_line '$file' '$line'"
}

# The prefix that runs a command as the lab's unprivileged user, from the lab's scratch folder.
# Every step execs the next (setpriv -> env -> command), so `"${AS_USER[@]}" cmd &` is one
# process whose PID is $!. Set by make_user.
AS_USER=()

# Wait until PID $1 has left our user namespace (its unshare() has happened).
wait_for_new_userns() {
  local pid=$1 tries=100 ours
  ours=$(readlink /proc/self/ns/user)
  while ((tries--)); do
    [[ -e /proc/$pid/ns/user && $(readlink "/proc/$pid/ns/user" 2>/dev/null) != "$ours" ]] && return 0
    sleep 0.05
  done
  die "PID $pid never entered a new user namespace"
}

# Wait until file $1 exists.
wait_for_file() {
  local file=$1 tries=100
  while ((tries--)); do
    [[ -e $file ]] && return 0
    sleep 0.05
  done
  die "$file never appeared"
}

# "0 999 1" -> "0 -> uid of cfs-userns, 1 id"
describe_map() {
  local what=$1 outside_id=$2 inside outside count
  read -r inside outside count
  if [[ $outside == "$outside_id" ]]; then outside="$what of $USERNS_USER"; fi
  printf '%s -> %s, %s id%s\n' "$inside" "$outside" "$count" "$( ((count == 1)) || echo s)"
}

make_user() {
  log::info "useradd --system $USERNS_USER (no home, no login shell)"
  useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin \
    --user-group "$USERNS_USER"
  cleanup::push "pkill -KILL -u '$USERNS_USER' 2>/dev/null; userdel '$USERNS_USER' 2>/dev/null || true"
  USERNS_UID=$(id -u "$USERNS_USER")
  USERNS_GID=$(id -g "$USERNS_USER")
  common::tmpdir WORKDIR user-ns
  chown "$USERNS_USER:$USERNS_USER" "$WORKDIR"
  chmod 0755 "$WORKDIR"
  AS_USER=(setpriv --reuid="$USERNS_USER" --regid="$USERNS_USER" --clear-groups -- env -C "$WORKDIR" --)
  # The user has no capability at all on the host.
  local eff
  # shellcheck disable=SC2016 # $2 is awk's field, not the shell's
  eff=$("${AS_USER[@]}" awk '/^CapEff:/ { print $2 }' /proc/self/status)
  echo "capabilities of $USERNS_USER on the host: $( ((16#$eff == 0)) && echo none || echo some)"
}

map_root_user() {
  log::info "as $USERNS_USER: unshare --user --map-root-user"
  local out
  # One shell inside prints one fact per line, in a fixed order. It runs as uid 0 of the
  # namespace, which is the lab user on the host.
  # shellcheck disable=SC2016 # the inner shell expands these
  out=$("${AS_USER[@]}" unshare --user --map-root-user sh -c '
    id -u
    cat /proc/self/uid_map
    cat /proc/self/gid_map
    cat /proc/self/setgroups
    awk "/^CapEff:/ { print \$2 }" /proc/self/status
    touch made-by-root && stat -c %u made-by-root
    stat -c %u /etc/shadow
    if cat /etc/shadow >/dev/null 2>&1; then echo allowed; else echo denied; fi
    if hostname cfs-userns-box 2>/dev/null; then echo allowed; else echo denied; fi
    if unshare --uts sh -c "hostname cfs-userns-box" 2>/dev/null; then echo allowed; else echo denied; fi
  ')
  local -a f
  mapfile -t f <<<"$out"
  local full
  full=$(((1 << ($(</proc/sys/kernel/cap_last_cap) + 1)) - 1))
  echo "uid inside (unshare --user --map-root-user): ${f[0]}"
  echo "uid_map inside: $(describe_map uid "$USERNS_UID" <<<"${f[1]}")"
  echo "gid_map inside: $(describe_map gid "$USERNS_GID" <<<"${f[2]}")"
  echo "setgroups inside: ${f[3]}"
  echo "capabilities of uid 0 inside: $( ((16#${f[4]} == full)) && echo full set || echo partial)"
  echo "owner of a file root creates inside, seen inside: uid ${f[5]}"
  echo "owner of that file on the host: $(stat -c %U "$WORKDIR/made-by-root")"
  local overflow
  overflow=$(</proc/sys/kernel/overflowuid)
  echo "owner of /etc/shadow seen inside: $([[ ${f[6]} == "$overflow" ]] && echo "the overflow uid (host root is unmapped)" || echo "uid ${f[6]}")"
  echo "read /etc/shadow as uid 0 inside: ${f[7]}"
  echo "set the host's hostname as uid 0 inside: ${f[8]}"
  echo "set the hostname in a UTS namespace it owns: ${f[9]}"
}

subordinate_range() {
  require_clean_subid_files
  local start
  start=$(free_subid_start)
  log::info "adding $USERNS_USER:$start:$RANGE to /etc/subuid and /etc/subgid"
  subid_add_line /etc/subuid "$USERNS_USER:$start:$RANGE"
  subid_add_line /etc/subgid "$USERNS_USER:$start:$RANGE"
  echo "subordinate range added to /etc/subuid and /etc/subgid: $RANGE ids"

  # A holder process creates the user namespace and waits on a fifo: nothing is mapped yet.
  mkfifo "$WORKDIR/go"
  chown "$USERNS_USER:" "$WORKDIR/go"
  log::info "as $USERNS_USER: unshare --user, then wait while the parent writes the maps"
  # "cfs-user-ns-holder" is the shell's $0: cleanup.sh finds strays by it.
  # shellcheck disable=SC2016 # $1 belongs to the inner shell
  "${AS_USER[@]}" unshare --user sh -c 'read -r _ <"$1"' cfs-user-ns-holder "$WORKDIR/go" &
  local holder=$!
  cleanup::push "kill -KILL $holder 2>/dev/null; wait $holder 2>/dev/null || true"
  wait_for_new_userns "$holder"
  echo "uid_map of the new namespace before newuidmap: $([[ -s /proc/$holder/uid_map ]] && echo set || echo empty)"

  log::info "as $USERNS_USER: newuidmap $holder 0 $start $RANGE; newgidmap $holder 0 $start $RANGE"
  "${AS_USER[@]}" newuidmap "$holder" 0 "$start" "$RANGE"
  "${AS_USER[@]}" newgidmap "$holder" 0 "$start" "$RANGE"
  local inside outside count
  read -r inside outside count <"/proc/$holder/uid_map"
  [[ $outside == "$start" ]] && outside="subuid start"
  echo "uid_map after newuidmap: $inside -> $outside, $count ids"
  echo "setgroups after newgidmap: $(<"/proc/$holder/setgroups")"

  # Print what the kernel answered: newuidmap's last word is strerror of its write to uid_map.
  local err
  if err=$("${AS_USER[@]}" newuidmap "$holder" 0 "$start" "$RANGE" 2>&1); then
    echo "newuidmap a second time: allowed"
  else
    echo "newuidmap a second time: refused: ${err##*: }"
  fi

  # The owner of a user namespace holds every capability in it: the lab user can join the
  # holder's namespace with nsenter and become uid 1000 there.
  mkdir -m 1777 "$WORKDIR/shared"
  mkfifo -m 0666 "$WORKDIR/shared/stop"
  log::info "as $USERNS_USER: nsenter --user --target $holder --setuid 1000 --setgid 1000"
  # shellcheck disable=SC2016 # the inner shell expands these
  "${AS_USER[@]}" nsenter --user --target "$holder" --setuid 1000 --setgid 1000 \
    sh -c 'id -u >"$1/uid.tmp" && mv "$1/uid.tmp" "$1/uid"; read -r _ <"$1/stop"' cfs-user-ns-1000 "$WORKDIR/shared" &
  local member=$!
  cleanup::push "kill -KILL $member 2>/dev/null; wait $member 2>/dev/null || true"
  wait_for_file "$WORKDIR/shared/uid"
  local host_uid
  host_uid=$(awk '/^Uid:/ { print $2 }' "/proc/$member/status")
  echo "uid of the process, seen inside: $(<"$WORKDIR/shared/uid")"
  echo "uid 1000 inside is subuid start + 1000 on the host: $(common::yes_no test "$host_uid" -eq $((start + 1000)))"
  echo "owner on the host of the file it wrote is subuid start + 1000: $(common::yes_no test "$(stat -c %u "$WORKDIR/shared/uid")" -eq $((start + 1000)))"

  echo >"$WORKDIR/shared/stop"
  wait "$member" || true
  echo >"$WORKDIR/go"
  wait "$holder" || true
}

main() {
  common::require_root
  common::require_cmd unshare util-linux
  common::require_cmd nsenter util-linux
  common::require_cmd setpriv util-linux
  common::require_cmd newuidmap uidmap
  common::require_cmd newgidmap uidmap
  common::require_cmd useradd passwd
  common::require_cmd userdel passwd
  common::require_cmd pkill procps
  common::require_cmd hostname hostname
  common::require_kernel "user namespaces" /proc/self/ns/user
  common::require_unprivileged_userns
  [[ -z $(getent passwd "$USERNS_USER") ]] \
    || die "user $USERNS_USER already exists (left by an interrupted run?): run $(dirname "$0")/cleanup.sh first."
  make_user
  map_root_user
  subordinate_range
}
main "$@"
