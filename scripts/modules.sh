# shellcheck shell=bash
# modules.sh: which kernel modules an initramfs must load, in order. Sourced by the two guests'
# builders, scripts/vm/build-image.sh (the CI VM) and scripts/v86/build.sh (the browser machine).

# Print the module files (relative to lib/modules/<kver>) to load for "$@", dependencies first.
modules::closure() {
  local moddir=$1
  shift
  awk -v want="$*" '
    function norm(s) { sub(/.*\//, "", s); sub(/\.ko.*$/, "", s); gsub(/-/, "_", s); return s }
    function visit(m,   n, i, d) {
      if (m in done) return
      done[m] = 1
      n = split(deps[m], d, " ")
      for (i = 1; i <= n; i++) visit(norm(d[i]))
      if (m in path) print path[m]
    }
    {
      f = $1; sub(/:$/, "", f)
      m = norm(f); path[m] = f
      $1 = ""; deps[m] = $0
    }
    END {
      n = split(want, w, " ")
      for (i = 1; i <= n; i++) {
        m = norm(w[i])
        if (!(m in path)) { print "missing module " w[i] > "/dev/stderr"; continue }
        visit(m)
      }
    }' "$moddir/modules.dep"
}
