#!/usr/bin/env bash
# Mount namespace: a mount made inside a new mount namespace is invisible on the host... unless
# the namespace's copy of the mount point is still a peer of the host's (shared propagation):
# then the mount propagates back out. unshare's default (--propagation private) closes that door.
set -Eeuo pipefail
# shellcheck source=../../../scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/common.sh"

TAG=cfs-mount-ns-init

# Put the optional propagation fields (shared:N, master:N, unbindable) of the mount at $3, as
# process $2 sees it in /proc/$2/mountinfo, in the variable named $1 ("" for a private mount).
# They sit between the mount options (field 6) and the " - " separator.
propagation_of() {
  local -n _tags=$1
  _tags=$(awk -v target="$3" '$5 == target {
    tags = ""
    for (i = 7; $i != "-"; i++) tags = tags " " $i
    print substr(tags, 2)
  }' "/proc/$2/mountinfo" | tail -n 1)
}

# Count what still refers to the namespace named $1 ("mnt:[4026532301]") on the host: processes
# in it, nsfs bind mounts of it (in this mount namespace) and open file descriptors on it. The
# kernel frees a namespace when nothing refers to it (namespaces(7)); those are the references a
# user can hold.
references_to() {
  local ns=$1 n=0 link
  [[ $ns =~ ^mnt:\[[0-9]+\]$ ]] || die "references_to: '$ns' is not a mount namespace name"
  for link in /proc/[0-9]*/ns/mnt /proc/[0-9]*/fd/*; do
    [[ $(readlink "$link" 2>/dev/null) == "$ns" ]] && n=$((n + 1))
  done
  n=$((n + $(awk -v want="$ns" '$4 == want' /proc/self/mountinfo | wc -l)))
  echo "$n"
}

# Register the undo of a mount at $1 that may or may not exist (leaked or not): lazy unmount.
push_umount() { cleanup::push "! mountpoint -q '$1' || umount -l '$1'"; }

# Start a long-lived process in a new mount namespace with propagation $2; its PID goes in the
# variable named $1 (not `$(start_ns)`: a subshell would lose the cleanup step it pushes).
# bash's `exec -a` puts the tag in sleep's argv[0]: one process, nothing left to orphan.
start_ns() {
  local -n _pid=$1
  local propagation=$2 tries=50 comm=''
  # Registered before the start, so that an interrupt between the start and the next line can
  # never leave the process behind: SIGKILL every child of this script, then reap them.
  cleanup::push "pkill -KILL -P $$ 2>/dev/null; wait 2>/dev/null || true"
  unshare --mount --propagation "$propagation" bash -c "exec -a $TAG sleep 300" </dev/null >/dev/null &
  _pid=$!
  # Wait until unshare has created the namespace and exec'd sleep.
  while [[ $comm != sleep ]] && ((tries--)); do
    sleep 0.1
    read -r comm <"/proc/$_pid/comm" || true
  done
  [[ $comm == sleep ]] || die "the namespace process $_pid never started"
}

in_ns() {
  local pid=$1
  shift
  nsenter -t "$pid" -m -- "$@"
}

private_by_default() {
  local dir=$1 inside
  mkdir "$dir/inside"
  log::info "unshare --mount sh -c 'mount -t tmpfs cfs-mount-ns-tmpfs $dir/inside; ...'"
  push_umount "$dir/inside" # it should never exist on the host; if it ever does, undo it
  # The inner shell prints its own facts.
  # shellcheck disable=SC2016 # $1 belongs to the inner shell
  inside=$(unshare --mount sh -c '
    mount -t tmpfs cfs-mount-ns-tmpfs "$1"
    echo hello >"$1/file"
    [ /proc/self/ns/mnt -ef /proc/1/ns/mnt ] && new=no || new=yes
    echo "the shell inside runs in a new mount namespace: $new"
    mountpoint -q "$1" && [ -f "$1/file" ] && seen=yes || seen=no
    echo "tmpfs made inside is visible inside: $seen"
  ' sh "$dir/inside")
  echo "$inside"
  common::fact "tmpfs made inside is visible on the host" mountpoint -q "$dir/inside"
  common::fact "file written into it is visible on the host" test -e "$dir/inside/file"
}

make_shared_dir() {
  local dir=$1 tags
  log::info "mount --bind $dir $dir; mount --make-private $dir; mount --make-shared $dir"
  mkdir "$dir"
  # The undo first: a signal that lands while the mount runs must not leave it behind.
  cleanup::push "! mountpoint -q '$dir' || umount -l '$dir'"
  mount --bind "$dir" "$dir"
  # Private first: under a shared / (systemd), a bind mount joins /'s peer group; private then
  # shared gives the lab's directory a peer group of its own.
  mount --make-private "$dir"
  mount --make-shared "$dir"
  mkdir "$dir/leak" "$dir/private" "$dir/slave" "$dir/from-host"
  propagation_of tags self "$dir"
  common::fact "the lab's bind mount is shared (shared:N in mountinfo)" test "${tags#shared:}" != "$tags"
}

propagation_trap() {
  local dir=$1 out peer_inside ns tags
  log::info "unshare --mount --propagation unchanged sh -c 'mount -t tmpfs cfs-mount-ns-leak $dir/leak'"
  push_umount "$dir/leak"
  # The inner shell prints its namespace ("mnt:[…]"), then its copy's peer group.
  # shellcheck disable=SC2016 # $1 belongs to the inner shell
  out=$(unshare --mount --propagation unchanged sh -c '
    mount -t tmpfs cfs-mount-ns-leak "$1/leak"
    readlink /proc/self/ns/mnt
    awk -v t="$1" '\''$5 == t { for (i = 7; $i != "-"; i++) if ($i ~ /^shared:/) print $i }'\'' /proc/self/mountinfo
  ' sh "$dir")
  { read -r ns; read -r peer_inside; } <<<"$out"
  propagation_of tags self "$dir"
  common::fact "with --propagation unchanged, the namespace's copy is in the host's peer group" \
    test "$peer_inside" = "$tags"
  common::fact "with shared propagation, the mount leaks to the host" mountpoint -q "$dir/leak"
  # The namespace's only process has exited. Look for anything still holding the namespace, then
  # at the mount again.
  echo "references left to the namespace that made it (processes, nsfs mounts, open fds): $(references_to "$ns")"
  common::fact "the leaked mount is still mounted on the host after that" mountpoint -q "$dir/leak"

  log::info "unshare --mount --propagation private mount -t tmpfs cfs-mount-ns-private $dir/private"
  push_umount "$dir/private"
  unshare --mount --propagation private mount -t tmpfs cfs-mount-ns-private "$dir/private"
  common::fact "with --propagation private (unshare's default), the mount leaks to the host" \
    mountpoint -q "$dir/private"
}

slave_and_private() {
  local dir=$1 slave private tags
  log::info "two long-lived namespaces: --propagation slave and --propagation private"
  start_ns slave slave
  start_ns private private
  propagation_of tags "$slave" "$dir"
  common::fact "in a --propagation slave namespace, the copy is marked master:N" test "${tags#master:}" != "$tags"
  propagation_of tags "$private" "$dir"
  common::fact "in a --propagation private namespace, the copy has no shared/master tag" test -z "$tags"

  log::info "nsenter -t <slave> -m mount -t tmpfs cfs-mount-ns-slave $dir/slave"
  push_umount "$dir/slave"
  in_ns "$slave" mount -t tmpfs cfs-mount-ns-slave "$dir/slave"
  common::fact "a mount made inside the slave namespace leaks to the host" mountpoint -q "$dir/slave"

  log::info "mount -t tmpfs cfs-mount-ns-from-host $dir/from-host (on the host)"
  mount -t tmpfs cfs-mount-ns-from-host "$dir/from-host"
  push_umount "$dir/from-host"
  common::fact "a mount made later on the host appears in the slave namespace" \
    in_ns "$slave" mountpoint -q "$dir/from-host"
  common::fact "a mount made later on the host appears in the private namespace" \
    in_ns "$private" mountpoint -q "$dir/from-host"
}

main() {
  common::require_root
  common::require_cmd unshare util-linux
  common::require_cmd pkill procps
  common::require_cmd nsenter util-linux
  common::require_cmd mountpoint util-linux
  common::require_kernel "mount namespaces" /proc/self/ns/mnt
  local tmp
  common::tmpdir tmp mount-ns
  private_by_default "$tmp"
  make_shared_dir "$tmp/shared"
  propagation_trap "$tmp/shared"
  slave_and_private "$tmp/shared"
}
main "$@"
