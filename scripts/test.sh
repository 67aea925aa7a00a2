#!/usr/bin/env bash
# The whole test suite, as CI runs it (.ci/run calls this): installs what the test bed needs on a
# fresh Debian 12 (root), builds, runs every test (unit, WireMock, install.sh, and the real
# LXC+CRIU tests on namespaced hosts), then takes the test bed down again.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" = 0 ]; then
  bash testbed/install-deps.sh
else
  echo "test.sh: not root: tests that need LXC/CRIU/namespaces will be reported as skipped" >&2
fi

cleanup() { [ "$(id -u)" = 0 ] && bash testbed/testbed.sh down >/dev/null 2>&1 || true; }
trap cleanup EXIT

mvn -B --no-transfer-progress verify "$@"
