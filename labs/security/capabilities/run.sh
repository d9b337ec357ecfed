#!/usr/bin/env bash
# Capabilities: root without CAP_NET_RAW cannot open a raw socket, yet ping still works through
# an ICMP datagram socket when net.ipv4.ping_group_range admits its group; a file capability
# outside the bounding set makes execve fail; root without CAP_CHOWN cannot give a file away.
set -Eeuo pipefail
# shellcheck source=../../../scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/common.sh"
# shellcheck source=../../../scripts/netns.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/netns.sh"

NETNS=$(common::name caps) # ping only ever targets 127.0.0.1 inside this namespace

in_ns() { ip netns exec "$NETNS" "$@"; }

# Run ping (two echo requests, half a second apart) at 127.0.0.1 in the lab's namespace under strace, as root with every capability
# ($1 = all) or after capsh --drop=cap_net_raw ($1 = no-net-raw); print its exit status and the
# outcome of each ICMP socket it asked for: "exit 2, ICMP sockets: SOCK_DGRAM -> EACCES, ...".
ping_with() {
  local caps=$1 trace=$WORKDIR/trace status=0 prefix=()
  # capsh runs bash after --: bash -c 'exec "$@"' execs the command that follows, unchanged.
  # shellcheck disable=SC2016 # "$@" belongs to the bash that capsh starts
  [[ $caps == no-net-raw ]] && prefix=(capsh --drop=cap_net_raw -- -c 'exec "$@"' capsh)
  rm -f -- "$trace"
  in_ns "${prefix[@]}" strace -f -qq -e trace=socket -o "$trace" "$WORKDIR/bin/ping" -4 -c 2 -i 0.5 -W 2 127.0.0.1 \
    >/dev/null 2>>"$WORKDIR/ping.err" || status=$?
  [[ -f $trace ]] || die "strace left no trace of ping (see $WORKDIR/ping.err)."
  printf 'exit %s, ICMP sockets: %s\n' "$status" "$(awk '/IPPROTO_ICMP/ {
      type = $0; sub(/.*AF_INET, /, "", type); sub(/,.*/, "", type)
      result = "ok"; if ($0 ~ /= -1 /) { result = $0; sub(/.*= -1 /, "", result); sub(/ .*/, "", result) }
      printf "%s%s -> %s", (n++ ? ", " : ""), type, result }' "$trace")"
}

# Print the file capabilities of file $1 as getcap shows them, or "none".
file_caps() {
  local caps
  caps=$(getcap "$1" | awk '{ print $2 }')
  echo "${caps:-none}"
}

# Print the capability names in the set $1 (hex, as in /proc/PID/status), one a line, sorted.
decode() { capsh --decode="$1" | sed 's/^[^=]*=//' | tr ',' '\n' | sort; }

# The text after the last ": " of the last line of file $1.
error_of() { sed -n '$s/.*: //p' "$1"; }

main() {
  common::require_root
  common::require_cmd capsh libcap2-bin
  common::require_cmd setcap libcap2-bin
  common::require_cmd getcap libcap2-bin
  common::require_cmd setpriv util-linux
  common::require_cmd ping iputils-ping
  common::require_cmd strace strace
  common::require_cmd sysctl procps
  common::require_cmd ip iproute2
  common::require_cmd mountpoint util-linux
  [[ ! -e /run/netns/$NETNS ]] \
    || die "network namespace $NETNS already exists (left by an interrupted run?): run $(dirname "$0")/cleanup.sh first."

  common::tmpdir WORKDIR caps
  # /tmp may be mounted nosuid, and nosuid also disables file capabilities: the lab's copies of
  # ping live on a tmpfs of its own, mounted without nosuid inside its temp folder.
  mkdir "$WORKDIR/bin"
  # The undo first: a signal that lands while the mount runs must not leave it behind.
  cleanup::push "! mountpoint -q '$WORKDIR/bin' || umount -l '$WORKDIR/bin'"
  mount -t tmpfs -o mode=0755,size=8m cfs-caps "$WORKDIR/bin"
  # cp copies the program, not its security.capability attribute: this copy has no file capability.
  cp "$(command -v ping)" "$WORKDIR/bin/ping"
  netns::add "$NETNS"
  in_ns ip link set lo up

  echo "file capabilities of the lab's copy of ping: $(file_caps "$WORKDIR/bin/ping")"
  echo "net.ipv4.ping_group_range in a new network namespace: $(in_ns cat /proc/sys/net/ipv4/ping_group_range | tr '\t' ' ')"
  echo "ping as root with every capability: $(ping_with all)"
  echo "ping as root after capsh --drop=cap_net_raw: $(ping_with no-net-raw)"
  log::info "what ping said: $(tail -n 2 "$WORKDIR/ping.err" | tr '\n' ' ')"

  local ours theirs
  ours=$(awk '$1 == "CapBnd:" { print $2 }' /proc/self/status)
  theirs=$(capsh --drop=cap_net_raw -- -c "awk '\$1 == \"CapBnd:\" { print \$2 }' /proc/self/status")
  echo "capabilities in our bounding set but not in the one after capsh --drop (CapBnd, capsh --decode): $(comm -23 <(decode "$ours") <(decode "$theirs") | paste -sd, -)"
  echo "cap_net_raw in the permitted set after capsh --drop (CapPrm): $(capsh --drop=cap_net_raw -- -c 'grep "^CapPrm:" /proc/self/status' | awk '{ print $2 }' | { read -r h; decode "$h"; } | grep -qx cap_net_raw && echo yes || echo no)"

  local host_range
  host_range=$(</proc/sys/net/ipv4/ping_group_range)
  # Only this namespace's value changes (the sysctl is per network namespace): not the host's.
  log::info "in $NETNS only: sysctl net.ipv4.ping_group_range='0 0' (gid 0 may open ICMP datagram sockets)"
  in_ns sysctl -q net.ipv4.ping_group_range="0 0"
  echo "net.ipv4.ping_group_range in the lab's namespace now: $(in_ns cat /proc/sys/net/ipv4/ping_group_range | tr '\t' ' ')"
  echo "host's net.ipv4.ping_group_range unchanged: $(common::yes_no test "$(</proc/sys/net/ipv4/ping_group_range)" == "$host_range")"
  echo "ping as root after capsh --drop=cap_net_raw, group 0 in the range: $(ping_with no-net-raw)"

  cp "$(command -v ping)" "$WORKDIR/bin/ping-fcap"
  setcap cap_net_raw=ep "$WORKDIR/bin/ping-fcap"
  echo "file capabilities after setcap cap_net_raw=ep on a second copy: $(file_caps "$WORKDIR/bin/ping-fcap")"
  local status=0
  setpriv --bounding-set=-net_raw "$WORKDIR/bin/ping-fcap" -V >/dev/null 2>"$WORKDIR/exec.err" || status=$?
  echo "execve of it with cap_net_raw outside the bounding set (setpriv --bounding-set=-net_raw): exit $status, error: $(error_of "$WORKDIR/exec.err")"
  status=0
  setpriv --bounding-set=-net_raw "$WORKDIR/bin/ping" -V >/dev/null 2>&1 || status=$?
  echo "execve of the copy without file capabilities, same bounding set: exit $status"

  touch "$WORKDIR/file"
  status=0
  setpriv --bounding-set=-chown chown 65534 "$WORKDIR/file" 2>"$WORKDIR/chown.err" || status=$?
  echo "chown as root without CAP_CHOWN (setpriv --bounding-set=-chown): exit $status, error: $(error_of "$WORKDIR/chown.err")"
  echo "owner of the file after it: uid $(stat -c %u "$WORKDIR/file")"
  status=0
  chown 65534 "$WORKDIR/file" || status=$?
  echo "chown as root with CAP_CHOWN: exit $status, owner now: uid $(stat -c %u "$WORKDIR/file")"
}
main "$@"
