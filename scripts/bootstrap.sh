#!/usr/bin/env bash
# Installs what a fresh machine lacks to build, test and run kf, and nothing that is
# already there: pnpm (through corepack, at the version pinned in package.json),
# Debian's redis-server/redis-sentinel/redis-tools, a JDK and Maven, the workspace's
# dependencies, and Apache Kafka's jars (from Maven Central, cached in ~/.cache/kf).
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf 'bootstrap: %s\n' "$*" >&2; }

# corepack checks npm's registry signatures when it downloads pnpm; registries that do
# not serve those keys make that check fail, and the version is pinned in
# package.json's packageManager anyway.
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

apt_missing=()
command -v redis-server >/dev/null || apt_missing+=(redis-server)
command -v redis-sentinel >/dev/null || apt_missing+=(redis-sentinel)
command -v redis-cli >/dev/null || apt_missing+=(redis-tools)
command -v java >/dev/null || apt_missing+=(openjdk-17-jre-headless)
command -v mvn >/dev/null || apt_missing+=(maven)
if [ ${#apt_missing[@]} -gt 0 ]; then
  say "installing ${apt_missing[*]} with apt-get"
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq "${apt_missing[@]}" >/dev/null
  # The Debian packages start system-wide servers; kf's devstack runs its own.
  for svc in redis-server redis-sentinel; do
    "${sudo_cmd[@]}" service "$svc" stop >/dev/null 2>&1 || true
  done
fi

say "installing workspace dependencies"
pnpm install --frozen-lockfile --reporter=silent

say "fetching Kafka's jars when not cached"
pnpm --silent devstack prepare
