#!/usr/bin/env bash
# Read-only root filesystem: runc with root.readonly mounts the container's / read-only, so
# writes fail with EROFS everywhere except the paths given their own mounts: a tmpfs on /tmp and
# a read-write bind-mounted volume on /data (a second volume, mounted ro, refuses writes too).
# Without CAP_SYS_ADMIN the process cannot remount / read-write.
set -Eeuo pipefail
# shellcheck source=../../../scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/common.sh"
# shellcheck source=../../../scripts/cgroup.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/cgroup.sh"
# shellcheck source=../../../scripts/rootfs.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/rootfs.sh"

ID=$(common::name readonly) # the container's id and its cgroup (cgroupsPath), declared in lab.manifest

# What the container runs: one line "PATH RESULT" per write it tries, the options of its root
# mount, then the outcome of a remount, all into /data/results (the read-write volume).
# shellcheck disable=SC2016 # the container's shell expands these
PROBE='for p in /probe /etc/probe /tmp/probe /data/probe /config/probe; do
  if (echo data >"$p") 2>/data/err; then echo "$p ok"; else echo "$p $(tail -n 1 /data/err | sed "s/.*: //")"; fi
done >/data/results
while read -r dev mnt type opts rest; do if [ "$mnt" = / ]; then root=$opts; fi; done </proc/self/mounts
echo "root-options ${root%%,*}" >>/data/results
if mount -o remount,rw / 2>/data/err; then echo "remount ok"; else echo "remount $(tail -n 1 /data/err | sed "s/.*: //")"; fi >>/data/results'

# Print $1 as a JSON string: quotes escaped, newlines as \n. $1 must hold no backslash (awk's
# gsub treats them differently from one implementation to the next).
json_string() {
  [[ $1 != *\\* ]] || die "json_string: the text holds a backslash."
  printf '%s' "$1" | awk 'BEGIN { ORS = "" } { gsub(/"/, "\\\""); printf "%s%s", (NR > 1 ? "\\n" : "\""), $0 } END { print "\"" }'
}

# The bundle's config.json, from a heredoc (no jq needed), with root.readonly set to $1. The
# capabilities are Docker's default set (moby oci/caps/defaults.go): no CAP_SYS_ADMIN.
write_config() {
  local readonly=$1
  cat >"$WORKDIR/bundle/config.json" <<JSON
{
  "ociVersion": "1.0.2",
  "process": {
    "terminal": false,
    "user": {"uid": 0, "gid": 0},
    "args": ["/bin/sh", "-c", $(json_string "$PROBE")],
    "env": ["PATH=/bin"],
    "cwd": "/",
    "noNewPrivileges": true,
    "capabilities": {
      "bounding": ["CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE"],
      "effective": ["CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE"],
      "permitted": ["CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE"]
    }
  },
  "root": {"path": "rootfs", "readonly": $readonly},
  "hostname": "$ID",
  "mounts": [
    {"destination": "/proc", "type": "proc", "source": "proc"},
    {"destination": "/tmp", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "nodev", "size=1m"]},
    {"destination": "/data", "type": "bind", "source": "$WORKDIR/volume", "options": ["rbind", "rw"]},
    {"destination": "/config", "type": "bind", "source": "$WORKDIR/config", "options": ["rbind", "ro"]}
  ],
  "linux": {
    "cgroupsPath": "/$ID",
    "namespaces": [{"type": "pid"}, {"type": "mount"}, {"type": "ipc"}, {"type": "uts"}, {"type": "network"}]
  }
}
JSON
}

# Run the bundle in the foreground; print runc's exit status. The container's output goes to stderr.
run_container() {
  local status=0
  runc --root "$WORKDIR/state" run --bundle "$WORKDIR/bundle" "$ID" >&2 </dev/null || status=$?
  echo "$status"
}

main() {
  common::require_root
  common::require_cmd runc runc
  ! cgroup::exists "$ID" \
    || die "cgroup $ID already exists (left by an interrupted run?): run $(dirname "$0")/cleanup.sh first."

  common::tmpdir WORKDIR readonly
  log::info "a BusyBox rootfs in $WORKDIR/bundle/rootfs, volumes $WORKDIR/volume (rw) and $WORKDIR/config (ro)"
  rootfs::busybox "$WORKDIR/bundle/rootfs"
  mkdir "$WORKDIR/state" "$WORKDIR/volume" "$WORKDIR/config" "$WORKDIR/bundle/rootfs/data" "$WORKDIR/bundle/rootfs/config"
  cleanup::push "cgroup::remove '$ID' || true"
  cleanup::push "runc --root '$WORKDIR/state' delete --force '$ID' 2>/dev/null || true"
  # First the control: the same container with a writable root, where the attack step works.
  write_config false
  log::info "runc run $ID with root.readonly false (the control)"
  echo "without root.readonly, exit status of runc run: $(run_container)"
  echo "without root.readonly, write to /probe: $(awk '$1 == "/probe" { print $2 }' "$WORKDIR/volume/results")"
  echo "without root.readonly, probe file left in the rootfs on the host: $(common::yes_no test -e "$WORKDIR/bundle/rootfs/probe")"
  rm -f -- "$WORKDIR/bundle/rootfs/probe" "$WORKDIR/bundle/rootfs/etc/probe" "$WORKDIR/volume/"*

  write_config true
  echo "root.readonly in config.json: $(grep -o '"readonly": [a-z]*' "$WORKDIR/bundle/config.json" | awk '{ print $2 }')"
  log::info "runc run $ID (root read-only, tmpfs on /tmp, volumes on /data rw and /config ro)"
  echo "exit status of runc run: $(run_container)"
  local path result
  while read -r path result; do
    case $path in
      root-options) echo "options of / inside (from /proc/self/mounts): $result" ;;
      remount) echo "mount -o remount,rw / inside, without CAP_SYS_ADMIN: $result" ;;
      *) echo "write to $path: $result" ;;
    esac
  done <"$WORKDIR/volume/results"
  echo "the file written to /data is in the volume on the host: $(common::yes_no test -s "$WORKDIR/volume/probe")"
  echo "files named probe in the rootfs on the host: $(find "$WORKDIR/bundle/rootfs" -name probe | wc -l)"
}
main "$@"
