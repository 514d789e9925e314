#!/usr/bin/env bash
# The project's main job, on a fresh machine too: installs what is missing, brings a
# local stack up (one Redis server and one Kafka broker on loopback), runs the example
# app (three kf node processes consuming one topic together), prints its report and
# brings the stack down. Exits non-zero unless every message produced was consumed.
set -euo pipefail
cd "$(dirname "$0")/.."
export COREPACK_ENABLE_DOWNLOAD_PROMPT=0 COREPACK_INTEGRITY_KEYS=0
bash scripts/bootstrap.sh
pnpm --silent demo "$@"
