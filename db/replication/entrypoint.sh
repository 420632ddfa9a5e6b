#!/bin/sh
# The container's entrypoint (ADR 041). Without LITESTREAM_REPLICA_URL it execs its arguments
# (the server, as CMD gives them) unchanged: Node is PID 1, exactly as before.
#
# With LITESTREAM_REPLICA_URL (file:///backups/flowpay for tests and single hosts,
# s3://bucket/path for production), for the web server, it execs
# `litestream replicate -exec "<arguments>"`: Litestream becomes PID 1, opens the database (waiting for the server to create it on an empty
# volume), streams every WAL change to the replica, forwards SIGTERM to the server, waits for it
# to stop and then makes a last sync before it exits.
set -eu

if [ -z "${LITESTREAM_REPLICA_URL:-}" ]; then
  exec "$@"
fi
# Only the web server runs under Litestream. Anything else started from the image — the job
# worker (`tsx scripts/cli.ts jobs work`), a one-off `db restore` — runs as given: a second
# Litestream on the same file would fight the first over its WAL and checkpoints.
case " $* " in
  *"@remix-run/serve/dist/cli.js "* | *" scripts/deno/serve.ts "*) ;;
  *) exec "$@" ;;
esac

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

case "${DATABASE_URL:-}" in
  file:*) ;;
  *)
    echo "flowpay: LITESTREAM_REPLICA_URL is set but DATABASE_URL is not a local file (file:…): Litestream replicates a database file" >&2
    exit 64
    ;;
esac
path=${DATABASE_URL#file:}
path=${path#//}
path=${path%%\?*}
case "$path" in
  /*) ;;
  *) path="$(pwd)/$path" ;;
esac

# Defaults (README "Backups and recovery"): a change reaches the replica within
# ≈ monitor-interval + sync-interval + the upload, well under the 1 s recovery point.
export LITESTREAM_DB_PATH="$path"
export LITESTREAM_MONITOR_INTERVAL="${LITESTREAM_MONITOR_INTERVAL:-200ms}"
export LITESTREAM_SYNC_INTERVAL="${LITESTREAM_SYNC_INTERVAL:-500ms}"
export LITESTREAM_RETENTION="${LITESTREAM_RETENTION:-168h}"
export LITESTREAM_SNAPSHOT_INTERVAL="${LITESTREAM_SNAPSHOT_INTERVAL:-6h}"
export LITESTREAM_LOG_LEVEL="${LITESTREAM_LOG_LEVEL:-warn}"
export LITESTREAM_METRICS_ADDR="${LITESTREAM_METRICS_ADDR:-}"
export LITESTREAM_S3_ENDPOINT="${LITESTREAM_S3_ENDPOINT:-}"
export LITESTREAM_S3_REGION="${LITESTREAM_S3_REGION:-}"

if [ -n "${LITESTREAM_BIN:-}" ]; then
  bin=$LITESTREAM_BIN
else
  case "$(uname -m)" in
    x86_64 | amd64) arch=x64 ;;
    aarch64 | arm64) arch=arm64 ;;
    *) arch=$(uname -m) ;;
  esac
  # The binary from the platform package (@flydotio/litestream-linux-x64, ADR 041); on another
  # platform set LITESTREAM_BIN.
  bin="$root/node_modules/@flydotio/litestream-$(uname -s | tr '[:upper:]' '[:lower:]')-$arch/litestream"
fi

# -exec takes one command line (Litestream splits it like a shell): quote every argument.
command=""
for argument in "$@"; do
  quoted=$(printf "%s" "$argument" | sed "s/'/'\\\\''/g")
  command="$command '$quoted'"
done

exec "$bin" replicate -config "${LITESTREAM_CONFIG:-$here/litestream.yml}" -exec "${command# }"
