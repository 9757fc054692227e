#!/usr/bin/env bash
# Install what tests/browser needs: Debian's Chromium and the npm packages pinned in
# package-lock.json (the Agents Playground and playwright-core). Node >= 20 must be there
# already. Safe to run again; prints nothing unless something fails, then everything.
set -euo pipefail
cd "$(dirname "$0")"

fail() {
  echo "tests/browser/install.sh: $*" >&2
  exit 1
}

quietly() {
  local log
  log=$(mktemp)
  if ! "$@" >"$log" 2>&1; then
    cat "$log" >&2
    rm -f "$log"
    return 1
  fi
  rm -f "$log"
}

command -v node >/dev/null 2>&1 || fail "node >= 20 is required and was not found"
node_major=$(node -p 'process.versions.node.split(".")[0]')
[ "$node_major" -ge 20 ] || fail "node >= 20 is required (playwright-core), found $(node --version)"
command -v npm >/dev/null 2>&1 || fail "npm is required and was not found"

# The Chromium the test was last run with. Debian replaces security builds as it publishes new
# ones, so when this exact build is gone from the archive the current one is installed instead.
CHROMIUM_VERSION=156.0.8078.114-1~deb12u1
chromium=${CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$chromium" ]; then
  export DEBIAN_FRONTEND=noninteractive
  install_chromium() {
    quietly apt-get install -y -q "chromium=$CHROMIUM_VERSION" \
      || quietly apt-get install -y -q chromium
  }
  # Without package lists (a fresh container), update them once and try again.
  install_chromium || { quietly apt-get update -q && install_chromium; } \
    || fail "could not install Debian's chromium"
fi
quietly "$chromium" --headless --no-sandbox --disable-gpu --version \
  || fail "$chromium does not start"

# Exactly the locked versions; npm ci starts from an empty node_modules every time.
quietly npm ci --no-audit --no-fund --loglevel=error || fail "npm ci failed"
[ -f node_modules/playwright-core/package.json ] \
  && [ -f node_modules/@microsoft/m365agentsplayground/package.json ] \
  || fail "npm ci did not install playwright-core and @microsoft/m365agentsplayground"
