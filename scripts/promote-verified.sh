#!/usr/bin/env bash
# promote-verified.sh: make a full green run of the labs the tracked record, labs/verified-on.json,
# which every lab's page shows ("Verified on <date>: <kernel>, <cgroup mode>").
#   scripts/promote-verified.sh [ENV...]    ENV: host, vm, browser (default: host vm)
# A test run never writes the tracked file: the labs step of scripts/test-all.sh writes
# test-results/labs/host.tsv and host.facts, scripts/vm/run-suite.sh writes vm.tsv and vm.facts,
# its browser-labs step (tests/browser/run-in-browser.v86.ts) browser.tsv and browser.facts.
# For each ENV this refuses unless every lab whose lab.manifest lists ENV under verify: passed
# every check ENV runs (host: output sigkill interrupt nonroot; vm: output sigkill) and no check
# failed; then each such lab's ENV entry is replaced. Other environments' entries are kept, and
# labs whose folder is gone are dropped.
set -Eeuo pipefail
# shellcheck source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
# shellcheck source=lab.sh
source "$(dirname "${BASH_SOURCE[0]}")/lab.sh"

# browser: the stdout of run.sh in the v86 guest equals expected-output.txt (a reader's tab is
# the sandbox: there is no host to leak into, so no leak checks there).
declare -A CHECKS=([host]="output sigkill interrupt nonroot" [vm]="output sigkill" [browser]="output")

# Print "lab kernel cgroup date" for every lab ENV must verify, or die naming what is missing.
entries_for() {
  local env=$1 results facts kernel cgroup date lab check missing=() failed
  results=$ROOT/test-results/labs/$env.tsv
  facts=$ROOT/test-results/labs/$env.facts
  [[ -s $results && -f $facts ]] || die "no results for $env: run the suite first (host: sudo scripts/test-all.sh labs; vm: sudo scripts/vm/run-suite.sh; browser: sudo scripts/test-all.sh v86 build browser-labs)."
  kernel=$(sed -n 's/^kernel=//p' "$facts")
  cgroup=$(sed -n 's/^cgroup=//p' "$facts")
  date=$(date -u -r "$results" +%F)
  failed=$(awk -F'\t' '$3 == "fail" { print "  " $1 " " $2 }' "$results")
  [[ -z $failed ]] || die "$env: these checks failed, so nothing is promoted:
$failed"
  while IFS= read -r lab; do
    for check in ${CHECKS[$env]}; do
      # Not grep -q: it would stop reading early, cut would die of SIGPIPE, and pipefail would
      # call a pass missing (it did, for the first labs of a 46-lab run).
      cut -f1-3 "$results" | grep -xF "$lab	$check	pass" >/dev/null || missing+=("$lab $check")
    done
  done < <(lab::dirs_verified_in "$env")
  ((${#missing[@]} == 0)) || die "$env: not a full green run; no pass recorded for: ${missing[*]}"
  lab::dirs_verified_in "$env" | sed "s|^labs/||; s|\$| $kernel $cgroup $date|"
}

main() {
  ROOT=$(common::repo_root)
  local envs=("$@") env lines=""
  ((${#envs[@]})) || envs=(host vm)
  for env in "${envs[@]}"; do
    [[ -n ${CHECKS[$env]:-} ]] || die "unknown environment '$env' (host, vm, browser)"
    lines+=$(entries_for "$env" | sed "s|^|$env |")$'\n'
  done
  common::require_cmd node nodejs
  # shellcheck disable=SC2016 # JavaScript, not shell
  printf '%s' "$lines" | node -e '
    const fs = require("fs"), path = require("path");
    const [file, envs] = [process.argv[1], process.argv[2].split(" ")];
    const record = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, "utf8")) : {};
    for (const lab of Object.keys(record)) record[lab] = record[lab].filter((e) => !envs.includes(e.env));
    for (const line of fs.readFileSync(0, "utf8").split("\n").filter(Boolean)) {
      const [env, lab, kernel, cgroup, date] = line.split(" ");
      (record[lab] ??= []).push({env, kernel, cgroup, date});
    }
    const out = {};
    for (const lab of Object.keys(record).sort()) {
      const list = record[lab].sort((a, b) => a.env.localeCompare(b.env));
      if (list.length && fs.existsSync(path.join(path.dirname(file), lab, "run.sh"))) out[lab] = list;
    }
    fs.writeFileSync(file, JSON.stringify(out, null, 2) + "\n");
  ' "$ROOT/labs/verified-on.json" "${envs[*]}"
  log::info "labs/verified-on.json now records: ${envs[*]} ($(printf '%s' "$lines" | grep -c .) entries)"
}
main "$@"
