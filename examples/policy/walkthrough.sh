#!/bin/sh
# The offline half of the README's "Data-protection policy" walk-through, runnable anywhere:
# a fresh PCA in a temporary directory, certificates for a VM and two hosts, verification,
# revocation and the revocation list. (The oned half — onevm/onehost update and
# `onehaul policy check` — needs a front-end; see the README.)
#
#   ONEHAUL="java -jar target/onehaul.jar" sh examples/policy/walkthrough.sh
set -eu
ONEHAUL=${ONEHAUL:-onehaul}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
pca=$work/pca

step() { printf '\n$ onehaul %s\n' "$*"; }
run() { step "$@"; $ONEHAUL "$@"; }

run pca init --dir "$pca" --name "CN=Walkthrough PCA,O=Example"
run pca issue-host --dir "$pca" --host h1 --country ES --organizations ACME --template
run pca issue-host --dir "$pca" --host h2 --country US --organizations GLOBEX --template
# VM 42's UUID and owner come from `onevm show 42 -x` on a real front-end
run pca issue-vm --dir "$pca" --vm-id 42 --uuid 0b9a5f7e-2f7c-4c64-9d0a-3a1f3b7c2e11 --owner alice \
    --countries ES,DE --organizations ACME --out "$work/vm42.b64"
run pca publish-crl --dir "$pca" --days 30
run pca verify --dir "$pca" "$work/vm42.b64"
run pca revoke --dir "$pca" --cert "$work/vm42.b64"
run pca publish-crl --dir "$pca" --days 30
step pca verify --dir "$pca" "$work/vm42.b64"
if $ONEHAUL pca verify --dir "$pca" "$work/vm42.b64"; then
    echo "walkthrough: the revoked certificate still verifies" >&2
    exit 1
fi
echo
echo "walkthrough: done (a revoked certificate is refused once the new CRL is published)"
