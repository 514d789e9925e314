#!/usr/bin/env bash
# The consumer's end-to-end files once more, every node reading Kafka through
# @kf/kafka-platformatic (`kafka.client: 'platformatic'`) instead of kafkajs: nodes in
# one process (node.test.ts) and in processes of their own on each Redis setup
# (e2e-processes.test.ts). Runs on the Node on PATH (the newest LTS in scripts/test.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
KF_KAFKA_CLIENT=platformatic pnpm --silent exec vitest run --project @kf/consumer \
  packages/consumer/test/node.test.ts packages/consumer/test/e2e-processes.test.ts
