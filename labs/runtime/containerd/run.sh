#!/usr/bin/env bash
# containerd by hand: a containerd whose every path (root, state, socket, config, runc root,
# shim sockets) is in a cfs- folder, an image built locally (BusyBox rootfs -> OCI layout with
# umoci -> tar) imported with ctr, a container run from it, and its shim (containerd-shim-runc-v2):
# the container's parent, which outlives a SIGKILLed containerd; a new containerd on the same
# paths finds the container again. containerd and its shims run in a private mount namespace with
# a tmpfs on /run: containerd 1.6 puts shim sockets in /run/containerd/s and ctr its FIFOs in
# /run/containerd/fifo, fixed paths the lab must not touch on the host (a reader's real
# containerd may use them). The snapshot mounts stay in that namespace and go with it.
set -Eeuo pipefail
# shellcheck source=../../../scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/common.sh"
# shellcheck source=../../../scripts/rootfs.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/rootfs.sh"
# shellcheck source=../../../scripts/cgroup.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/cgroup.sh"

TAG=cfs-containerd          # in the command line of every process it starts (lab.manifest: tags:)
NS=cfs-containerd           # the containerd namespace
ID=cfs-containerd-box       # container id, and its cgroup (lab.manifest: cgroups:)
REF=cfs-containerd/busybox:v1

DIR='' HOLDER='' CTD=''

# Run a command in the lab's mount namespace (the one with the private /run).
in_ns() { nsenter -t "$HOLDER" -m -- "$@"; }
ctr_() { in_ns ctr -a "$DIR/containerd.sock" -n "$NS" "$@"; }

start_containerd() {
  in_ns containerd --config "$DIR/config.toml" >>"$DIR/containerd.log" 2>&1 &
  CTD=$!
  common::wait_until 10 "containerd to answer on $DIR/containerd.sock" "ctr_ version >/dev/null 2>&1"
}

# The PID of the newest process whose command line matches the ERE $1.
pid_of() { pgrep -n -f -- "$1"; }
ppid_of() { awk '{ print $4 }' "/proc/$1/stat"; }
prog_of() { tr '\0' '\n' <"/proc/$1/cmdline" | head -n1 | xargs basename; }
alive() { kill -0 "$1" 2>/dev/null; }

build_image() {
  local image=$DIR/image
  rootfs::busybox "$DIR/rootfs"
  umoci init --layout "$image"
  umoci new --image "$image:base"
  umoci unpack --image "$image:base" "$DIR/bundle" >/dev/null
  cp -a "$DIR/rootfs/." "$DIR/bundle/rootfs/"
  umoci repack --image "$image:v1" "$DIR/bundle"
  umoci rm --image "$image:base"
  umoci gc --layout "$image"
  tar -C "$image" -cf "$DIR/image.tar" .
}

main() {
  common::require_root
  common::require_cmd containerd containerd
  common::require_cmd ctr containerd
  common::require_cmd containerd-shim-runc-v2 containerd
  common::require_cmd runc runc
  common::require_cmd umoci umoci
  common::require_cmd tar tar
  common::require_cmd unshare util-linux
  common::require_cmd nsenter util-linux
  common::require_cmd pgrep procps
  common::require_cmd busybox busybox-static

  common::tmpdir DIR containerd
  cleanup::push "cgroup::remove $ID || true"
  # Everything the lab starts has cfs-containerd in its command line: the namespace holder, both
  # containerds (their config path), the shim (-namespace, -address) and the container's shell.
  cleanup::push "common::kill_tagged $TAG"

  log::info "build an image locally: BusyBox rootfs -> umoci (OCI layout) -> image.tar"
  build_image

  log::info "config.toml: root, state, socket, opt plugin and runc root in $DIR; the CRI plugin disabled"
  cat >"$DIR/config.toml" <<TOML
version = 2
root = "$DIR/root"
state = "$DIR/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$DIR/containerd.sock"
[plugins."io.containerd.internal.v1.opt"]
  path = "$DIR/opt"
TOML

  log::info "a private mount namespace with a tmpfs on /run, held by a sleeping process"
  unshare --mount --propagation private sh -c 'mount -t tmpfs cfs-containerd-run /run && exec sleep 600' "$TAG-ns" &
  HOLDER=$!
  common::wait_until 5 "the tmpfs on /run in the lab's namespace" "grep -q ' cfs-containerd-run ' /proc/$HOLDER/mountinfo 2>/dev/null"
  echo "/run in containerd's mount namespace: a tmpfs of its own: $(common::yes_no grep -qE ' /run [^ ]+ (.* )?- tmpfs cfs-containerd-run ' "/proc/$HOLDER/mountinfo")"

  log::info "containerd --config $DIR/config.toml"
  start_containerd
  local plugins
  plugins=$(ctr_ plugins ls 2>/dev/null)
  echo "CRI plugin loaded: $(common::yes_no grep -q 'io.containerd.grpc.v1.*cri' <<<"$plugins")"
  echo "overlayfs snapshotter: $(awk '$2 == "overlayfs" { print $NF }' <<<"$plugins")"

  log::info "ctr images import $DIR/image.tar (nothing pulled)"
  ctr_ images import --base-name "${REF%:*}" "$DIR/image.tar" >/dev/null
  echo "images in namespace $NS: $(ctr_ images ls -q | paste -sd ' ')"
  # ctr also stores the archive's index.json as a blob, held only by its import lease. When ctr
  # exits the lease ends and containerd's garbage collector deletes that blob, asynchronously: wait
  # for it, or the count below races the GC (4 instead of 3 on a busy machine).
  local blobs=$DIR/root/io.containerd.content.v1.content/blobs/sha256
  common::wait_until 10 "containerd's GC to delete the import's index blob" "! grep -qs '\"manifests\"' $blobs/*"
  echo "blobs in the content store: $(find "$blobs" -type f | grep -c .)"
  echo "snapshots after import (overlayfs): $(ctr_ snapshots ls | awk 'NR > 1 { print $NF }' | sort | uniq -c | awk '{ print $2 ": " $1 }' | paste -sd ' ')"
  echo "metadata database root/io.containerd.metadata.v1.bolt/meta.db: $(common::yes_no test -s "$DIR/root/io.containerd.metadata.v1.bolt/meta.db")"

  log::info "ctr run -d --cgroup /$ID --runc-root $DIR/runc $REF $ID sh -c 'sleep 300 & wait' $TAG-init"
  ctr_ run -d --cgroup "/$ID" --runc-root "$DIR/runc" "$REF" "$ID" sh -c 'sleep 300 & wait' "$TAG-init" >/dev/null
  common::wait_until 10 "the container's shell" "pgrep -f -- '$TAG-init' >/dev/null"
  local task shim ctd_pid bundle mnt
  task=$(pid_of "^sh -c sleep 300 & wait $TAG-init")
  shim=$(ppid_of "$task")
  ctd_pid=$(pid_of "^containerd --config $DIR/config.toml")
  echo "task status: $(ctr_ tasks ls | awk -v id="$ID" '$1 == id { print $3 }')"
  echo "snapshots with the container: $(ctr_ snapshots ls | awk 'NR > 1 { print $NF }' | sort | uniq -c | awk '{ print $2 ": " $1 }' | paste -sd ' ')"
  echo "the container's parent: $(prog_of "$shim")"
  echo "the shim's parent is containerd: $(common::yes_no test "$(ppid_of "$shim")" -eq "$ctd_pid")"
  echo "the container's cgroup (pids hierarchy): $(awk -F: '$2 == "pids" { p = $3 } $1 == "0" { u = $3 } END { print (p != "" ? p : u) }' "/proc/$task/cgroup")"
  bundle=$DIR/state/io.containerd.runtime.v2.task/$NS/$ID
  echo "bundle folder state/io.containerd.runtime.v2.task/$NS/$ID holds config.json and rootfs: $(common::yes_no test -f "$bundle/config.json" -a -d "$bundle/rootfs")"
  mnt=$(awk -v m="$bundle/rootfs" '$5 == m' "/proc/$HOLDER/mountinfo")
  echo "its rootfs, in containerd's namespace: $(awk '{ for (i = 7; i <= NF; i++) if ($i == "-") { print $(i + 1); exit } }' <<<"$mnt") mount"
  echo "lowerdir in the overlayfs snapshotter's snapshots/: $(common::yes_no grep -q "lowerdir=$DIR/root/io.containerd.snapshotter.v1.overlayfs/snapshots/[0-9]*/fs" <<<"$mnt")"
  echo "upperdir in the overlayfs snapshotter's snapshots/: $(common::yes_no grep -q "upperdir=$DIR/root/io.containerd.snapshotter.v1.overlayfs/snapshots/[0-9]*/fs" <<<"$mnt")"
  echo "that mount in the host's mount table: $(common::yes_no grep -qF " $bundle/rootfs " /proc/self/mountinfo)"
  echo "shim sockets in the namespace's /run/containerd/s: $(in_ns find /run/containerd/s -type s | grep -c .)"

  log::info "kill -KILL containerd"
  kill -KILL "$ctd_pid"
  wait "$CTD" 2>/dev/null || true
  echo "containerd after SIGKILL: $(if alive "$ctd_pid"; then echo running; else echo gone; fi)"
  echo "the shim: $(if alive "$shim"; then echo running; else echo gone; fi)"
  echo "the container: $(if alive "$task"; then echo running; else echo gone; fi)"

  log::info "containerd again, on the same paths"
  start_containerd
  echo "after the restart, ctr tasks ls: $ID $(ctr_ tasks ls | awk -v id="$ID" '$1 == id { print $3 }')"
  echo "same container process as before: $(common::yes_no test "$(ctr_ tasks ls | awk -v id="$ID" '$1 == id { print $2 }')" -eq "$task")"

  log::info "ctr tasks kill -s KILL, tasks rm, containers rm"
  ctr_ tasks kill -s KILL "$ID"
  common::wait_until 10 "the task to stop" "[[ \$(ctr_ tasks ls | awk -v id=$ID '\$1 == id { print \$3 }') == STOPPED ]]"
  ctr_ tasks rm "$ID" >/dev/null
  ctr_ containers rm "$ID"
  local i
  for ((i = 0; i < 200; i++)); do alive "$shim" || break; sleep 0.05; done
  echo "the shim after tasks rm: $(if alive "$shim"; then echo running; else echo gone; fi)"
  echo "the container's cgroup after tasks rm: $(if cgroup::exists "$ID"; then echo present; else echo gone; fi)"
  echo "its rootfs mount after containers rm: $(common::yes_no grep -qF " $bundle/rootfs " "/proc/$HOLDER/mountinfo")"
  echo "snapshots after containers rm: $(ctr_ snapshots ls | awk 'NR > 1 { print $NF }' | sort | uniq -c | awk '{ print $2 ": " $1 }' | paste -sd ' ')"
}
main "$@"
