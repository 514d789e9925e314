#!/usr/bin/env bash
# The whole test suite, on a fresh machine too: installs what is missing, then lint,
# typecheck, build, package checks (publint, attw) and every test against real Redis
# and Kafka started by the devstack. Fails if a test left a server running.
set -euo pipefail
cd "$(dirname "$0")/.."
export COREPACK_ENABLE_DOWNLOAD_PROMPT=0 COREPACK_INTEGRITY_KEYS=0
bash scripts/bootstrap.sh
started=$(date +%s)
rm -rf .test-results
pnpm test
echo "test suite wall time: $(( $(date +%s) - started )) s"
node scripts/test-summary.mjs
