#!/usr/bin/env bash
# The whole test suite, as CI runs it (.ci/run calls this): installs what the front-end needs on a fresh
# Debian 12 (root; bookworm packages only), builds the test bed's hosts' Debian 13 root (cached), builds,
# runs every test (unit, WireMock, install.sh, the real LXC+CRIU tests on namespaced hosts, and the specs
# that need soft-dirty tracking in a QEMU guest with a stock kernel: testbed/guest.sh), then takes the test
# bed and the guest down again. Running it must not change the machine's release: /etc/os-release and libc6's
# version are recorded first and compared at the end, and any difference fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."

os_release() { cat /etc/os-release; }
libc_version() { dpkg-query -W -f='${Version}' libc6 2>/dev/null || echo none; }
OS_BEFORE=$(os_release)
LIBC_BEFORE=$(libc_version)

if [ "$(id -u)" = 0 ]; then
  bash testbed/install-deps.sh
  # Built once and cached (~2 min the first time); later runs return at once. Done here, not inside the
  # first test that needs it, so that no test's time-out has to cover a debootstrap.
  bash testbed/hostroot.sh build >/dev/null
  echo "test.sh: the test bed's hosts run $(bash testbed/hostroot.sh versions)" >&2
else
  echo "test.sh: not root: tests that need LXC/CRIU/namespaces will be reported as skipped" >&2
fi

# shellcheck disable=SC2317  # run by the EXIT trap
cleanup() {
  if [ "$(id -u)" = 0 ]; then
    bash testbed/testbed.sh down >/dev/null 2>&1 || true
    bash testbed/guest.sh down >/dev/null 2>&1 || true
  fi
}
trap cleanup EXIT

rc=0
# The guest's specs (pre-copy, hybrid: CRIU pre-dump needs a kernel with soft-dirty tracking, which the
# machines here lack) bring it up themselves: ~1 min, plus ~1 min for its image the first time. Its QEMU
# emulates one CPU on one thread, so they run beside the rest (the other core), in a second surefire
# run: both only read the classes the build wrote first, and write their own report files.
if [ "$(id -u)" = 0 ]; then export ONEHAUL_TEST_GUEST=up; fi
MVN=(mvn -B --no-transfer-progress)
"${MVN[@]}" package -DskipTests "$@" || exit 1
guest_log=target/guest-specs.log
"${MVN[@]}" surefire:test -Dgroups=guest -Dsurefire.excludedGroups=bench "$@" >"$guest_log" 2>&1 &
guest_pid=$!
"${MVN[@]}" surefire:test -Dsurefire.excludedGroups=bench,guest "$@" || rc=$?
guest_rc=0
wait "$guest_pid" || guest_rc=$?
echo "test.sh: ---------------- the guest's specs (run beside the others) ----------------" >&2
grep -E 'Tests run|FAIL|ERROR|BUILD|skipped' "$guest_log" >&2 || true
if [ "$guest_rc" != 0 ]; then
  echo "test.sh: the guest's specs failed; their whole output: $guest_log" >&2
  tail -n 200 "$guest_log" >&2
  rc=$guest_rc
fi

# Checked whatever the tests did: a failed run that changed the release is still told so.
if [ "$(os_release)" != "$OS_BEFORE" ] || [ "$(libc_version)" != "$LIBC_BEFORE" ]; then
  {
    echo "test.sh: ============================================================================"
    echo "test.sh: FAILED: THIS MACHINE'S RELEASE CHANGED DURING THE RUN"
    echo "test.sh: libc6 before: $LIBC_BEFORE, after: $(libc_version)"
    echo "test.sh: /etc/os-release before:"; printf '%s\n' "$OS_BEFORE" | sed 's/^/test.sh:   /'
    echo "test.sh: /etc/os-release after:"; os_release | sed 's/^/test.sh:   /'
    echo "test.sh: ============================================================================"
  } >&2
  exit 1
fi
echo "test.sh: release unchanged (libc6 $LIBC_BEFORE, $(sed -n 's/^PRETTY_NAME=//p' /etc/os-release))" >&2
exit "$rc"
