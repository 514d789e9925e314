#!/usr/bin/env bash
# A representative part of the suite on each Node line named (`22 24`), beside the whole
# suite on the newest LTS (scripts/test.sh): the unit tests of the pure parts, the Redis
# conformance suite on one server, and the release test, which is also the end-to-end
# run with node processes (it packs the packages, installs them with that line's npm,
# type-checks, and consumes from a real broker in node processes on Redis single,
# Cluster and node-redis). Each line's binary and npm come from the devstack's cache
# (`devstack node-bin`).
set -euo pipefail
cd "$(dirname "$0")/.."
for line in "$@"; do
  bin=$(pnpm --silent devstack node-bin "$line")
  echo "test-lines: Node $("$bin/node" --version), npm $(PATH="$bin:$PATH" npm --version)"
  PATH="$bin:$PATH" KF_TEST_LINE="$line" pnpm --silent exec vitest run \
    --project @kf/protocol --project @kf/core --project @kf/ioredis-shared \
    --project @kf/redis-single --project @kf/consumer --project @kf/release-check \
    packages/protocol/test/errors.test.ts packages/protocol/test/redaction.test.ts \
    packages/core/test/config.test.ts packages/core/test/keys.test.ts \
    packages/core/test/script-reply.test.ts \
    packages/ioredis-shared/test/replies.test.ts packages/ioredis-shared/test/translate-error.test.ts \
    packages/consumer/test/work-unit.test.ts packages/consumer/test/plan-units.test.ts \
    packages/protocol/test/record-selection.test.ts packages/consumer/test/fetch-receive.test.ts \
    packages/consumer/test/decisions.test.ts \
    packages/redis-single/test/single.test.ts \
    tools/release-check/test/release.test.ts
done
