#!/usr/bin/env bash
# Install what the labs and tests need: the Debian/Ubuntu packages in scripts/deb-packages.txt
# (only those missing, only as root) and the npm packages from package-lock.json.
#   scripts/install-deps.sh [--apt-only|--npm-only]
set -Eeuo pipefail
# shellcheck source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

apt_packages() {
  local wanted=() missing=() pkg
  mapfile -t wanted < <(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$(common::repo_root)/scripts/deb-packages.txt" | awk '{print $1}')
  for pkg in "${wanted[@]}"; do
    # On Ubuntu "chromium" is a snap stub; a preinstalled Chrome does the same job.
    if [[ $pkg == chromium ]] && { [[ -n ${CHROMIUM_PATH:-} ]] || command -v google-chrome >/dev/null; }; then continue; fi
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  ((${#missing[@]})) || { log::info "Debian packages: all ${#wanted[@]} present"; return 0; }
  if ((EUID != 0)); then
    log::warn "missing Debian packages (run as root to install them): ${missing[*]}"
    return 0
  fi
  common::require_cmd apt-get apt
  log::info "installing Debian packages: ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
}

npm_packages() {
  local root
  root=$(common::repo_root)
  common::require_cmd npm nodejs
  # npm ci wipes node_modules; skip it when the installed tree already matches the lockfile.
  if [[ -f $root/node_modules/.package-lock.json && $root/node_modules/.package-lock.json -nt $root/package-lock.json ]]; then
    log::info "npm packages: node_modules is up to date with package-lock.json"
    return 0
  fi
  log::info "npm ci"
  local log
  log=$(mktemp)
  cleanup::push "rm -f '$log'"
  if (cd "$root" && npm ci --no-audit --no-fund) >"$log" 2>&1; then
    return 0
  fi
  # npm ci also demands lockfile entries for optional packages of other platforms (macOS and
  # Windows builds of @swc/html, …). A registry that lacks them yields a lockfile without them,
  # and then npm ci refuses (with a page of usage text). npm install --no-save installs the same
  # locked versions and leaves package-lock.json untouched. Its full output is shown only if the
  # fallback fails too.
  if ! grep -q 'Missing: .* from lock file' "$log"; then
    cat "$log" >&2
    return 1
  fi
  log::warn "npm ci refused: the lockfile lacks $(grep -c 'Missing: .* from lock file' "$log") optional packages of other platforms; installing the locked versions with npm install --no-save"
  if ! (cd "$root" && npm install --no-save --no-audit --no-fund) >>"$log" 2>&1; then
    cat "$log" >&2
    return 1
  fi
  log::info "npm packages: installed from package-lock.json"
}

main() {
  case ${1:-} in
    --apt-only) apt_packages ;;
    --npm-only) npm_packages ;;
    "") apt_packages; npm_packages ;;
    *) die "usage: $0 [--apt-only|--npm-only]" ;;
  esac
}
main "$@"
