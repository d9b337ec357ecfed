#!/usr/bin/env bash
# Seccomp: runc installs a BPF filter from config.json's linux.seccomp before it execs the
# container's process. One profile makes mkdir(2) fail with EPERM, one kills the process that
# calls it, and a default-deny profile refuses every system call it does not list, mkdir included.
set -Eeuo pipefail
# shellcheck source=../../../scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/common.sh"
# shellcheck source=../../../scripts/cgroup.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/cgroup.sh"
# shellcheck source=../../../scripts/rootfs.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/rootfs.sh"

ID=$(common::name seccomp) # the container's id and its cgroup (cgroupsPath), declared in lab.manifest

# What the container runs for the errno and default-deny profiles: it records its own seccomp
# state, then tries mkdir(2) and symlink(2) (ln -s), each result in a file under /tmp of the
# rootfs, which the lab reads from the host afterwards.
# shellcheck disable=SC2016 # the container's shell expands these
PROBE='grep -E "^(NoNewPrivs|Seccomp|Seccomp_filters):" /proc/self/status >/tmp/status
mkdir /tmp/made 2>/tmp/mkdir.err; echo $? >/tmp/mkdir.rc
ln -s made /tmp/link 2>/tmp/symlink.err; echo $? >/tmp/symlink.rc'

# The system calls busybox's sh, grep, mkdir and ln, and runc's own last steps (closing its file
# descriptors, then execve), need: the allow list of the default-deny profile. mkdir, mkdirat,
# symlink and symlinkat are left out on purpose.
ALLOW='"arch_prctl", "brk", "close", "dup2", "execve", "exit", "exit_group", "fcntl", "fstat",
  "getcwd", "getpid", "getppid", "getuid", "geteuid", "getgid", "getegid", "ioctl", "lseek", "mmap",
  "munmap", "mprotect", "newfstatat", "open", "openat", "prctl", "pread64", "prlimit64", "read",
  "readlink", "rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "set_robust_list",
  "set_tid_address", "rseq", "futex", "getrandom", "stat", "lstat", "wait4", "write", "writev",
  "clone", "fork", "vfork", "capget", "capset", "setgroups", "setresuid", "setresgid", "fchdir",
  "chdir", "getdents64", "sigaltstack", "madvise", "close_range", "tgkill", "gettid",
  "statfs", "fstatfs", "sched_yield", "nanosleep", "clock_gettime", "epoll_pwait", "epoll_ctl",
  "pipe2", "dup3"'

# Write the bundle's config.json: the process ARGS (a JSON array) under the seccomp SECCOMP (a
# JSON object). Plain JSON from a heredoc: no jq needed.
write_config() {
  local args=$1 seccomp=$2
  cat >"$WORKDIR/bundle/config.json" <<JSON
{
  "ociVersion": "1.0.2",
  "process": {
    "terminal": false,
    "user": {"uid": 0, "gid": 0},
    "args": $args,
    "env": ["PATH=/bin"],
    "cwd": "/",
    "noNewPrivileges": true,
    "capabilities": {"bounding": ["CAP_CHOWN"], "effective": ["CAP_CHOWN"], "permitted": ["CAP_CHOWN"]}
  },
  "root": {"path": "rootfs", "readonly": false},
  "hostname": "$ID",
  "mounts": [{"destination": "/proc", "type": "proc", "source": "proc"}],
  "linux": {
    "cgroupsPath": "/$ID",
    "namespaces": [{"type": "pid"}, {"type": "mount"}, {"type": "ipc"}, {"type": "uts"}, {"type": "network"}],
    "seccomp": $seccomp
  }
}
JSON
}

# Print $1 as a JSON string: quotes escaped, newlines as \n. $1 must hold no backslash (awk's
# gsub treats them differently from one implementation to the next).
json_string() {
  [[ $1 != *\\* ]] || die "json_string: the text holds a backslash."
  printf '%s' "$1" | awk 'BEGIN { ORS = "" } { gsub(/"/, "\\\""); printf "%s%s", (NR > 1 ? "\\n" : "\""), $0 } END { print "\"" }'
}

# Run the bundle in the foreground; print runc's exit status (the container process's status, or
# 128 + the signal that killed it). The container's own output goes to stderr, with the narration.
run_container() {
  local status=0
  rm -rf -- "$WORKDIR/bundle/rootfs/tmp/"*
  runc --root "$WORKDIR/state" run --bundle "$WORKDIR/bundle" "$ID" >&2 </dev/null || status=$?
  echo "$status"
}

# The text after the last ": " of an error message (busybox prints "mkdir: can't create
# directory '/tmp/made': Operation not permitted"), or "none" when there was none.
error_of() {
  local file=$1
  if [[ -s $file ]]; then sed -n '$s/.*: //p' "$file"; else echo none; fi
}

# Facts from the files the probe left in the rootfs, each line prefixed with the profile's name.
report_probe() {
  local name=$1 tmp=$WORKDIR/bundle/rootfs/tmp
  echo "$name: Seccomp: in the container's /proc/self/status: $(awk '$1 == "Seccomp:" { print $2 }' "$tmp/status")"
  echo "$name: Seccomp_filters: $(awk '$1 == "Seccomp_filters:" { print $2 }' "$tmp/status")"
  echo "$name: NoNewPrivs: $(awk '$1 == "NoNewPrivs:" { print $2 }' "$tmp/status")"
  local rc
  rc=$(<"$tmp/mkdir.rc")
  echo "$name: exit status of mkdir: $rc, error: $(error_of "$tmp/mkdir.err")"
  echo "$name: directory made: $(common::yes_no test -d "$tmp/made")"
  rc=$(<"$tmp/symlink.rc")
  echo "$name: exit status of ln -s (symlink(2), named in no rule): $rc, error: $(error_of "$tmp/symlink.err")"
}

main() {
  common::require_root
  common::require_cmd runc runc
  common::require_kernel "seccomp filters" /proc/sys/kernel/seccomp/actions_avail
  ! cgroup::exists "$ID" \
    || die "cgroup $ID already exists (left by an interrupted run?): run $(dirname "$0")/cleanup.sh first."

  common::tmpdir WORKDIR seccomp
  log::info "a BusyBox rootfs in $WORKDIR/bundle/rootfs"
  rootfs::busybox "$WORKDIR/bundle/rootfs"
  mkdir "$WORKDIR/state"
  # runc removes its cgroup when the container exits; this is for a run cut short.
  cleanup::push "cgroup::remove '$ID' || true"
  cleanup::push "runc --root '$WORKDIR/state' delete --force '$ID' 2>/dev/null || true"
  # shellcheck disable=SC2016 # $i is awk's
  echo "seccomp actions this kernel offers include kill_process, errno, log, user_notif: $(common::yes_no \
    awk '{ for (i = 1; i <= NF; i++) a[$i] = 1 } END { exit !(a["kill_process"] && a["errno"] && a["log"] && a["user_notif"]) }' \
    /proc/sys/kernel/seccomp/actions_avail)"

  log::info "profile errno-mkdir: default SCMP_ACT_ALLOW, mkdir/mkdirat -> SCMP_ACT_ERRNO (errnoRet 1, EPERM)"
  write_config "[\"/bin/sh\", \"-c\", $(json_string "$PROBE")]" \
    '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]}'
  echo "errno-mkdir: exit status of runc run: $(run_container)"
  report_probe errno-mkdir

  log::info "profile kill-mkdir: default SCMP_ACT_ALLOW, mkdir/mkdirat -> SCMP_ACT_KILL_PROCESS; the process is mkdir itself"
  write_config '["/bin/mkdir", "/tmp/made"]' \
    '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_KILL_PROCESS"}]}'
  local status
  status=$(run_container)
  echo "kill-mkdir: exit status of runc run: $status"
  echo "kill-mkdir: signal that ended the process (status - 128): $( ((status > 128)) && kill -l $((status - 128)) || echo none)"
  echo "kill-mkdir: directory made: $(common::yes_no test -d "$WORKDIR/bundle/rootfs/tmp/made")"

  log::info "profile default-deny: default SCMP_ACT_ERRNO (EPERM), an allow list without mkdir and symlink"
  write_config "[\"/bin/sh\", \"-c\", $(json_string "$PROBE")]" \
    "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 1, \"syscalls\": [{\"names\": [$ALLOW], \"action\": \"SCMP_ACT_ALLOW\"}]}"
  echo "default-deny: exit status of runc run: $(run_container)"
  report_probe default-deny
}
main "$@"
