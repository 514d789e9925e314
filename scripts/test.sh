#!/usr/bin/env bash
# The whole test suite, on a fresh machine too: installs what is missing (Node 26
# included), then lint, typecheck, build, package checks (publint, attw) and every test
# against real Redis and Kafka started by the devstack, on Node 26. Fails if a test left
# a server running.
set -euo pipefail
cd "$(dirname "$0")/.."
export COREPACK_ENABLE_DOWNLOAD_PROMPT=0 COREPACK_INTEGRITY_KEYS=0
bash scripts/bootstrap.sh
# The whole suite runs on the newest LTS line, Node 26, fetched by the bootstrap with an
# npm of its own (`devstack node-bin`), whatever Node the machine has.
newest=$(pnpm --silent devstack node-bin 26)
export PATH="$newest:$PATH"
echo "test: node $(node --version), npm $(npm --version), from $newest"
started=$(date +%s)
rm -rf .test-results
pnpm test
echo "test suite wall time: $(( $(date +%s) - started )) s"
node scripts/test-summary.mjs
