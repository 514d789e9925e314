#!/usr/bin/env bash
# Installs what a fresh machine lacks to build, test and run kf, and nothing that is
# already there: pnpm (through corepack, at the version pinned in package.json), the
# workspace's dependencies, then — through the devstack's `prepare` — Debian's
# redis-server/redis-sentinel/redis-tools, a JRE and Maven when missing, and Apache
# Kafka's jars from Maven Central (cached in ~/.cache/kf).
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf 'bootstrap: %s\n' "$*" >&2; }

# corepack checks npm's registry signatures when it downloads pnpm; registries that do
# not serve those keys make that check fail, and package.json's packageManager pins
# the version anyway.
export COREPACK_ENABLE_DOWNLOAD_PROMPT=0
export COREPACK_INTEGRITY_KEYS=0

want_pnpm=$(node -p "require('./package.json').packageManager.split('@')[1]")
if [ "$(pnpm -v 2>/dev/null || true)" != "$want_pnpm" ]; then
  say "enabling pnpm $want_pnpm through corepack"
  if ! corepack enable 2>/dev/null; then
    mkdir -p "$HOME/.local/bin"
    corepack enable --install-directory "$HOME/.local/bin"
    export PATH="$HOME/.local/bin:$PATH"
  fi
  corepack prepare "pnpm@$want_pnpm" --activate >/dev/null
fi

say "installing workspace dependencies"
pnpm install --frozen-lockfile --reporter=silent

say "installing Redis, Java and Maven when missing, and fetching Kafka's jars when not cached"
pnpm --silent devstack prepare
