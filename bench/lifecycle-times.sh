#!/usr/bin/env bash
# Prints the median time of each lxc_live lifecycle action on the test bed (5 runs), next to the bare
# lxc-* command for the same step, and keeps the table in bench/results/lifecycle-times.txt.
# Needs root (the test bed); run testbed/install-deps.sh first on a fresh machine.
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q --no-transfer-progress test -Dtest=LifecycleTimesBench -Dsurefire.excludedGroups= -Dsurefire.failIfNoSpecifiedTests=false
cat bench/results/lifecycle-times.txt
