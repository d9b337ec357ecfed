#!/usr/bin/env bats
# shellcheck disable=SC2154 # $stderr is set by bats' `run --separate-stderr`
# scripts/install-deps.sh and the README's first command: what a newcomer sees and what they are
# left with. npm is stubbed where its behaviour is the input; the lockfile test asks the registry.

load ../helpers

# A scratch tree with scripts/ and package files, and a fake npm first on PATH that logs its
# arguments and acts as $NPM_CI and $NPM_INSTALL say (ok, or refuse as npm ci does over a lockfile
# that lacks other platforms' optional packages, with its page of usage).
setup() {
  TREE=$BATS_TEST_TMPDIR/tree
  mkdir -p "$TREE/bin"
  cp -r "$REPO_ROOT/scripts" "$TREE/"
  echo '{}' >"$TREE/package.json"
  echo '{}' >"$TREE/package-lock.json"
  cat >"$TREE/bin/npm" <<'EOF'
#!/usr/bin/env bash
echo "$*" >>"$NPM_LOG"
case $1 in
  ci) [[ $NPM_CI == ok ]] && exit 0
    echo "npm error Missing: @swc/html-darwin-arm64@ from lock file"
    echo "npm error Missing: @swc/html-win32-x64-msvc@ from lock file"
    for i in $(seq 100); do echo "npm error usage line $i"; done
    exit 1 ;;
  install) [[ $NPM_INSTALL == ok ]] && exit 0
    echo "npm error network ETIMEDOUT"; exit 1 ;;
esac
EOF
  chmod +x "$TREE/bin/npm"
  export NPM_LOG=$BATS_TEST_TMPDIR/npm.log PATH=$TREE/bin:$PATH
}

@test "install-deps: when npm ci refuses over other platforms' packages, one line says so, not npm's usage" {
  NPM_CI=refuse NPM_INSTALL=ok run --separate-stderr "$TREE/scripts/install-deps.sh" --npm-only
  assert_success
  [[ $(grep -c . <<<"$stderr") -le 3 ]] || fail "install-deps printed $(grep -c . <<<"$stderr") lines:
$stderr"
  [[ $stderr == *"lacks 2 optional packages of other platforms"* ]] || fail "no one-line explanation: $stderr"
  [[ $stderr != *"usage line"* ]] || fail "npm's usage text was shown"
  grep -qx "install --no-save --no-audit --no-fund" "$NPM_LOG" || fail "the fallback did not run: $(cat "$NPM_LOG")"
}

@test "install-deps: when the fallback fails too, npm's whole output is shown and it fails" {
  NPM_CI=refuse NPM_INSTALL=fail run --separate-stderr "$TREE/scripts/install-deps.sh" --npm-only
  assert_failure
  [[ $stderr == *"usage line 100"* && $stderr == *ETIMEDOUT* ]] || fail "the full output is missing: $stderr"
}

@test "install-deps: a successful npm ci prints one line" {
  NPM_CI=ok run --separate-stderr "$TREE/scripts/install-deps.sh" --npm-only
  assert_success
  [[ $(grep -c . <<<"$stderr") -eq 1 ]] || fail "stderr: $stderr"
}

@test "README's npm install leaves package-lock.json as committed (no platform-only package missing)" {
  command -v npm >/dev/null || fail "unavailable: npm (install nodejs)"
  local copy=$BATS_TEST_TMPDIR/lock
  mkdir -p "$copy"
  cp "$REPO_ROOT/package.json" "$REPO_ROOT/package-lock.json" "$copy/"
  # The real npm, not the stub; --package-lock-only resolves as `npm install` does, without
  # downloading the packages.
  PATH=${PATH#"$TREE/bin:"} run --separate-stderr bash -c "cd '$copy' && npm install --package-lock-only --ignore-scripts --no-audit --no-fund"
  assert_success
  run diff "$REPO_ROOT/package-lock.json" "$copy/package-lock.json"
  assert_success "npm install would rewrite package-lock.json: run npm install and commit the lockfile.
$output"
}

@test "package.json decides every dependency install script npm would run (npm 11 allowScripts)" {
  command -v npm >/dev/null || fail "unavailable: npm (install nodejs)"
  [[ -d $REPO_ROOT/node_modules ]] || fail "run scripts/install-deps.sh first"
  PATH=${PATH#"$TREE/bin:"} # the real npm, not setup's stub
  # npm before 11 has no allowScripts and runs every install script: nothing to check there.
  (($(npm --version | cut -d. -f1) >= 11)) || skip "npm $(npm --version) has no allowScripts"
  run bash -c "cd '$REPO_ROOT' && npm install-scripts ls"
  assert_success
  assert_output --partial "No packages with unreviewed install scripts"
}
