# shellcheck shell=bash
# lab.sh: a lab's manifest (labs/<topic>/<lab>/lab.manifest), and the generic clean-up that
# removes exactly what a manifest declares. Source it after common.sh.
#
#   lab::load DIR               parse DIR/lab.manifest into the array LAB (key -> values joined
#                               by spaces); dies naming the line of a malformed line or unknown key
#   lab::values DIR KEY         put KEY's values in the array LAB_VALUES (never glob-expanded)
#   lab::dirs_verified_in ENV   print every lab folder (labs/<topic>/<lab>) whose verify: lists ENV
#   lab::id DIR                 print the lab's id, <topic>.<lab> (its state folder's suffix)
#   lab::slowest RESULTS [N]    print the N (10) labs whose checks took longest, from a results
#                               file of tests/labs.bats (lab, check, result, seconds a line)
#   lab::sysctl KEY VALUE       set a sysctl the manifest declares; its old value is saved as a
#                               marker first, restored by the cleanup stack or by cleanup::lab
#   cleanup::lab DIR            remove what DIR/lab.manifest declares, whatever state run.sh left
#                               it in (even after a SIGKILL); safe on a clean host and twice
#
# The manifest: one "key: value value ..." a line; # starts a comment; a key may repeat.
#   chapter:  the page that teaches the lab (docs/NN-part/NN-page.mdx)
#   needs:    command=package pairs: every command run.sh checks with common::require_cmd, and
#             the Debian/Ubuntu package that has it
#   verify:   where the suite must see it pass: host (the CI host), vm (the pure cgroup v2 VM),
#             browser (the v86 guest in Chromium: tests/browser/run-in-browser.e2e.ts)
#   features: kernel features a host may lack (apparmor, criu, ipvs): the one allowed skip on a host
#   tags:     tags ($0 or an argument) of processes it starts; cleanup SIGKILLs them
#   cgroups:  cgroups it makes (cgroup.sh names); cleanup kills what is in them and removes them
#   netns:    named network namespaces (ip netns)
#   links:    network links it leaves in the host's namespace
#   tmp:      globs of its temp paths; mounts under them are unmounted before they are removed
#   loops:    globs of the backing files of loop devices it attaches
#   users:    users (and their groups) it adds, with their /etc/subuid and /etc/subgid lines
#   chains:   iptables chains it owns, as table:CHAIN (rules jumping to them go too, and the
#             host's nft table and base chains netns.sh marked as made for them)
#   sysctls:  sysctls it may change (only through lab::sysctl)
#   apparmor: AppArmor profiles it loads (cfs-…); cleanup unloads them through securityfs
#   runc:     runc state roots it uses, as cfs-NAME: the root is runc::root NAME (/run/cfs-NAME-runc,
#             made by runc::use_root NAME); cleanup runs runc::cleanup on each FIRST, so that runc
#             kills, thaws and deletes its containers before the cgroups and tmp paths go.
#             scripts/runc.sh is sourced only for a manifest that has this key.

[[ -n ${_CFS_LAB_SH:-} ]] && return 0
_CFS_LAB_SH=1

# shellcheck source-path=SCRIPTDIR source=common.sh
source "${BASH_SOURCE[0]%/*}/common.sh"
# shellcheck source-path=SCRIPTDIR source=cgroup.sh
source "${BASH_SOURCE[0]%/*}/cgroup.sh"
# shellcheck source-path=SCRIPTDIR source=netns.sh
source "${BASH_SOURCE[0]%/*}/netns.sh"

LAB_KEYS=(chapter needs verify features tags cgroups netns links tmp loops users chains sysctls apparmor runc)
declare -gA LAB=()
LAB_VALUES=()
_CFS_LAB_LOADED=

lab::load() {
  local dir=$1 file line n=0 key words
  [[ $_CFS_LAB_LOADED == "$dir" ]] && return 0
  file=$dir/lab.manifest
  [[ -f $file ]] || die "$dir has no lab.manifest (see CONTRIBUTING.md, 'The lab contract')."
  LAB=()
  while IFS= read -r line || [[ -n $line ]]; do
    n=$((n + 1))
    line=${line%%#*}
    [[ $line =~ ^[[:space:]]*$ ]] && continue
    [[ $line =~ ^([a-z]+):([[:space:]].*)?$ ]] || die "$file:$n: expected 'key: values', got '$line'."
    key=${BASH_REMATCH[1]}
    [[ " ${LAB_KEYS[*]} " == *" $key "* ]] || die "$file:$n: unknown key '$key' (known: ${LAB_KEYS[*]})."
    read -ra words <<<"${BASH_REMATCH[2]}"
    LAB[$key]="${LAB[$key]:+${LAB[$key]} }${words[*]}"
  done <"$file"
  _CFS_LAB_LOADED=$dir
}

lab::values() {
  [[ " ${LAB_KEYS[*]} " == *" $2 "* ]] || die "lab::values: unknown manifest key '$2'."
  lab::load "$1"
  read -ra LAB_VALUES <<<"${LAB[$2]:-}"
}

lab::dirs_verified_in() {
  local env=$1 root dir
  root=$(common::repo_root)
  for dir in "$root"/labs/*/*/; do
    dir=${dir%/}
    [[ -f $dir/lab.manifest ]] || continue
    lab::values "$dir" verify
    [[ " ${LAB_VALUES[*]} " == *" $env "* ]] && printf '%s\n' "${dir#"$root"/}"
  done
  return 0
}

lab::id() {
  local dir parent
  dir=$(cd "$1" && pwd)
  parent=${dir%/*}
  printf '%s.%s\n' "${parent##*/}" "${dir##*/}"
}

lab::slowest() {
  local file=$1 n=${2:-10}
  [[ -s $file ]] || return 0
  echo "slowest labs (all checks, seconds) in $file:"
  awk -F'\t' '$3 != "begin" { t[$1] += $4; c[$1]++ } END { for (l in t) printf "%8.1f  %s (%d checks)\n", t[l], l, c[l] }' "$file" \
    | sort -rn | head -n "$n"
}

lab::sysctl() {
  local key=$1 value=$2 file old
  lab::values "$CFS_SCRIPT_DIR" sysctls
  [[ " ${LAB_VALUES[*]} " == *" $key "* ]] \
    || die "lab::sysctl: $key is not declared in $CFS_SCRIPT_DIR/lab.manifest (add it to 'sysctls:')."
  file=/proc/sys/${key//.//}
  [[ -f $file ]] || die "this kernel has no sysctl $key ($file is missing)."
  old=$(<"$file")
  # The undo, then the marker (the old value), then the write: a SIGINT anywhere in between
  # leaves nothing behind, and after a SIGKILL cleanup::lab finds the marker before any change.
  cleanup::push "lab::_restore_sysctl '$key' '$(state::dir)'"
  [[ -f $(state::dir)/sysctl.$key ]] || state::mark "sysctl.$key" "$old"
  printf '%s\n' "$value" >"$file"
}

lab::_restore_sysctl() {
  local key=$1 state=$2
  [[ -f $state/sysctl.$key ]] || return 0
  # A per-device sysctl goes with its device: when the link is gone, so is the setting.
  if [[ ! -f /proc/sys/${key//.//} ]]; then
    rm -f -- "$state/sysctl.$key"
    rmdir -- "$state" 2>/dev/null || true
    return 0
  fi
  # Values such as ping_group_range hold tabs: write back exactly what was read.
  cat "$state/sysctl.$key" >"/proc/sys/${key//.//}"
  rm -f -- "$state/sysctl.$key"
  rmdir -- "$state" 2>/dev/null || true
}

# Unmount everything at or below DIR. A lazy unmount (MNT_DETACH) of a mount detaches the mounts
# below it too, and works while a leaked process still uses it; so take the shallowest mount,
# read mountinfo afresh and repeat: mounts may be stacked on one point (the deeper ones of a
# stack are hidden, and cannot be reached by path until the top one is gone).
lab::_umount_below() {
  local dir=$1 target tries
  for ((tries = 0; tries < 100; tries++)); do
    target=$(awk -v dir="$dir" '{ t = $5; gsub(/\\040/, " ", t) }
      (t == dir || index(t, dir "/") == 1) && (best == "" || length(t) < length(best)) { best = t } END { print best }' \
      /proc/self/mountinfo)
    [[ -n $target ]] || return 0
    umount -l -- "$target" || { log::warn "could not unmount $target"; return 1; }
  done
  log::warn "mounts are still listed below $dir after $tries unmounts"
  return 1
}

lab::_drop_subid_lines() {
  local file=$1 user=$2 rest
  [[ -f $file ]] && grep -q "^$user:" "$file" || return 0
  rest=$(grep -v "^$user:" "$file" || true)
  if [[ -n $rest ]]; then printf '%s\n' "$rest" >"$file"; else : >"$file"; fi
}

# Run a shadow tool (userdel, groupdel) that may find /etc/passwd or /etc/group locked: by a
# useradd that run.sh started and a SIGKILL ended a moment ago (its lock file names a PID that
# is still a zombie until it is reaped). Retry for up to 5 s, then fail with the tool's own error.
lab::_shadow() {
  local tries=50
  until "$@" 2>/dev/null; do
    ((tries-- > 0)) || { "$@"; return; }
    sleep 0.1
  done
}

lab::_remove_user() {
  local user=$1
  if getent passwd "$user" >/dev/null; then
    pkill -KILL -u "$user" 2>/dev/null || true
    common::wait_until 5 "the processes of user $user to exit" "! pgrep -u '$user' >/dev/null" || true
    lab::_shadow userdel "$user"
  fi
  if getent group "$user" >/dev/null; then lab::_shadow groupdel "$user"; fi
  lab::_drop_subid_lines /etc/subuid "$user"
  lab::_drop_subid_lines /etc/subgid "$user"
}

lab::_remove_chain() {
  local table=${1%%:*} chain=${1#*:} rule
  iptables -t "$table" -n -L "$chain" >/dev/null 2>&1 || return 0
  # Every rule that jumps to the chain, from any chain of the table, then the chain itself.
  while IFS= read -r rule; do
    read -ra rule <<<"${rule/#-A/-D}"
    iptables -t "$table" "${rule[@]}"
  done < <(iptables -t "$table" -S | awk -v c="$chain" '$1 == "-A" {
    for (i = 1; i < NF; i++) if (($i == "-j" || $i == "-g") && $(i + 1) == c) { print; next } }')
  iptables -t "$table" -F "$chain"
  iptables -t "$table" -X "$chain"
}

# Unload AppArmor profile $1 when it is loaded (what apparmor_parser --remove does).
lab::_unload_apparmor() {
  local name=$1 fs=/sys/kernel/security/apparmor
  [[ -f $fs/profiles ]] && grep -q "^$name (" "$fs/profiles" || return 0
  printf '%s' "$name" >"$fs/.remove"
}

lab::_detach_loops() {
  local glob=$1 dev file
  while read -r dev file; do
    # shellcheck disable=SC2053 # the manifest's value is a glob on purpose
    [[ ${file% (deleted)} == $glob ]] && losetup -d "$dev"
  done < <(losetup -l -n -O NAME,BACK-FILE)
  return 0
}

# The runc state roots a manifest declares (runc: cfs-NAME ...): runc tears down its containers
# (thawing paused ones, deleting their cgroups) before cleanup::lab removes anything else.
# runc.sh is sourced here, lazily: a lab without runc never loads it.
lab::_cleanup_runc() {
  local dir=$1 v
  lab::values "$dir" runc
  ((${#LAB_VALUES[@]})) || return 0
  # shellcheck source-path=SCRIPTDIR source=runc.sh
  source "${BASH_SOURCE[0]%/*}/runc.sh"
  for v in "${LAB_VALUES[@]}"; do
    [[ $v == "$CFS_PREFIX"?* ]] || die "$dir/lab.manifest: runc: $v must be named $CFS_PREFIX… (runc::root's name with the prefix)."
    runc::cleanup "$(runc::root "${v#"$CFS_PREFIX"}")" || true
  done
}

cleanup::lab() {
  local dir=$1 v path file state
  lab::load "$dir"
  common::require_cmd pgrep procps
  [[ -z ${LAB[runc]:-} ]] || { common::require_cmd runc runc; common::require_cmd jq jq; }
  [[ -z ${LAB[netns]:-}${LAB[links]:-} ]] || common::require_cmd ip iproute2
  [[ -z ${LAB[loops]:-} ]] || common::require_cmd losetup mount
  [[ -z ${LAB[users]:-} ]] || common::require_cmd userdel passwd
  [[ -z ${LAB[chains]:-} ]] || common::require_cmd iptables iptables
  # First runc's containers (runc knows their state), then the processes, so that nothing holds
  # what comes after.
  lab::_cleanup_runc "$dir"
  lab::values "$dir" tags
  for v in "${LAB_VALUES[@]}"; do common::kill_tagged "$v"; done
  lab::values "$dir" cgroups
  for v in "${LAB_VALUES[@]}"; do cgroup::remove "$v" || true; done
  lab::values "$dir" users
  for v in "${LAB_VALUES[@]}"; do lab::_remove_user "$v"; done
  state=$(state::dir_of "$(lab::id "$dir")")
  lab::values "$dir" chains
  for v in "${LAB_VALUES[@]}"; do lab::_remove_chain "$v"; done
  # The host's nft table and base chains that iptables-nft made for those chains (markers).
  if [[ -d $state ]]; then netns::undo_host_tables "$state"; fi
  lab::values "$dir" links
  for v in "${LAB_VALUES[@]}"; do
    if ip link show "$v" >/dev/null 2>&1; then ip link delete "$v"; fi
  done
  lab::values "$dir" netns
  for v in "${LAB_VALUES[@]}"; do netns::delete "$v"; done
  lab::values "$dir" loops
  for v in "${LAB_VALUES[@]}"; do lab::_detach_loops "$v"; done
  lab::values "$dir" apparmor
  for v in "${LAB_VALUES[@]}"; do lab::_unload_apparmor "$v"; done
  lab::values "$dir" tmp
  for v in "${LAB_VALUES[@]}"; do
    for path in $v; do
      [[ -e $path ]] || continue
      lab::_umount_below "$path" || true
      rm -rf --one-file-system -- "$path"
    done
  done
  # Shared state the lab marked before creating it (state::mark): sysctls, /run/netns.
  [[ -d $state ]] || return 0
  for file in "$state"/sysctl.*; do
    [[ -f $file ]] && lab::_restore_sysctl "${file##*/sysctl.}" "$state"
  done
  netns::undo_run_dir "$state"
  if [[ -d $state ]]; then rmdir -- "$state" 2>/dev/null || log::warn "$state still holds: $(ls -A "$state")"; fi
  return 0
}
