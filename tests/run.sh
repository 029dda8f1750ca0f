#!/usr/bin/env bash
# What `npm test` runs: make sure the Debian packages the integration suites need are
# installed, then type-check, lint and run every vitest suite (extra args go to vitest).
#
# The suites start their own peers (pymodbus, socat, …) on free loopback ports with temp
# dirs, so after this script has installed the packages `npx vitest run` alone works too.
# In CI (CI=true) nothing may be skipped: a missing package fails the run.
set -euo pipefail

# Debian packages the suites need. python3-pymodbus only *recommends* python3-serial-asyncio,
# but pymodbus.server imports it, and we install without recommends.
APT_PACKAGES=(
  python3-pymodbus
  python3-serial-asyncio
  socat
  mosquitto
  mosquitto-clients
  influxdb
  victoria-metrics
  # Browser tests (tests/browser): Debian Chromium driven by playwright-core; DejaVu has the
  # Vietnamese letters.
  chromium
  fonts-dejavu-core
)

cd "$(dirname "${BASH_SOURCE[0]}")/.."

is_ci() { [[ "${CI:-}" == "true" ]]; }

loud() {
  local bar='!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!'
  printf '\n%s\n%s\n%s\n\n' "$bar" "$*" "$bar" >&2
}

# Timings of every step, printed at the end whether the run passed or failed.
TIMINGS=()
CURRENT_STEP=''
STEP_START=''
RUN_START=$EPOCHREALTIME

elapsed_since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; }

print_timings() {
  local rc=$?
  if [[ -n "$CURRENT_STEP" ]]; then
    TIMINGS+=("$(printf '%-28s %7s s  FAILED (exit %d)' "$CURRENT_STEP" "$(elapsed_since "$STEP_START")" "$rc")")
  fi
  echo
  echo '── tests/run.sh timings ──'
  local line
  for line in "${TIMINGS[@]}"; do echo "  $line"; done
  printf '  %-28s %7s s\n' 'total' "$(elapsed_since "$RUN_START")"
}
trap print_timings EXIT

step() {
  local name=$1
  shift
  CURRENT_STEP=$name
  STEP_START=$EPOCHREALTIME
  echo
  echo "── $name: $* ──"
  "$@"
  TIMINGS+=("$(printf '%-28s %7s s' "$name" "$(elapsed_since "$STEP_START")")")
  CURRENT_STEP=''
}

# No pipe into `grep -q`: under pipefail, grep closing the pipe early made dpkg die of SIGPIPE
# and an installed package look missing (seen once in CI with victoria-metrics).
package_installed() {
  [[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" == 'install ok installed' ]]
}

ensure_packages() {
  local missing=() pkg
  if ! command -v dpkg >/dev/null 2>&1; then
    loud "WARNING: no dpkg here; cannot check for ${APT_PACKAGES[*]}. Suites needing them will skip (or fail in CI)."
    if is_ci; then return 1; fi
    return 0
  fi
  for pkg in "${APT_PACKAGES[@]}"; do
    package_installed "$pkg" || missing+=("$pkg")
  done
  if ((${#missing[@]} == 0)); then
    echo "Debian packages present: ${APT_PACKAGES[*]}"
    return 0
  fi
  if [[ "$(id -u)" -ne 0 ]]; then
    loud "WARNING: Debian packages missing and not root, not installing: ${missing[*]}
Install them with: sudo apt-get install --no-install-recommends ${missing[*]}
Suites that need them will SKIP locally (and FAIL in CI).${CI:+ CI=$CI.}"
    if is_ci; then return 1; fi
    return 0
  fi
  echo "Installing missing Debian packages: ${missing[*]}"
  # Bounded: apt waits up to 600 s for another dpkg to finish, and each call is capped.
  local apt=(apt-get -o DPkg::Lock::Timeout=600 -q)
  DEBIAN_FRONTEND=noninteractive timeout 900 "${apt[@]}" update
  DEBIAN_FRONTEND=noninteractive timeout 900 "${apt[@]}" install -y --no-install-recommends "${missing[@]}"
  for pkg in "${missing[@]}"; do
    if ! package_installed "$pkg"; then
      loud "ERROR: $pkg is still not installed after apt-get install"
      return 1
    fi
  done
}

step 'debian packages' ensure_packages
step 'typecheck' npx tsc -p tsconfig.json --noEmit
step 'lint' npx biome check .
# The CLI and kill -9 suites run the built gateway (dist/), as users do.
step 'build' npm run build --silent
step 'vitest' npx vitest run "$@"
