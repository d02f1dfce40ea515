#!/usr/bin/env bash
# kestrel-web in headless Chromium: starts the server on a free port over a synthetic ratings database, runs
# Tests/E2E/web_e2e.py against it, stops the server. Usage: run-web-e2e.sh [BIN_DIR] [SCREENSHOT_DIR]
# Chromium and chromedriver come from Debian (.ci/install-deps.sh installs them with KESTREL_WITH_CHROMIUM=1);
# where they cannot be installed the test is skipped with a message (exit 0), never silently.
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=${1:-.build/debug}
SHOTS=${2:-}
if ! command -v chromedriver > /dev/null || ! [ -x /usr/bin/chromium ]; then
  echo "SKIP web end-to-end test: chromium and chromedriver are not installed (apt-get install chromium chromium-driver)"
  exit 0
fi
WORK=$(mktemp -d)
trap 'kill "$SERVER" 2> /dev/null || true; rm -rf "$WORK"' EXIT
python3 Tests/E2E/make_ratings.py "$WORK"
"$BIN/recommend" import csv "$WORK/ratings.csv" --items "$WORK/items.csv" --db "$WORK/r.sqlite" > /dev/null 2>&1
"$BIN/recommend" train --db "$WORK/r.sqlite" > /dev/null 2>&1
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
KESTREL_ASSETS="$PWD/assets" "$BIN/kestrel-web" --port "$PORT" --db "$WORK/r.sqlite" > "$WORK/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 1 600); do
  python3 -c "import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)" \
    "http://127.0.0.1:$PORT/api/health" > /dev/null 2>&1 && break
  kill -0 "$SERVER" 2> /dev/null || { echo "kestrel-web exited:"; cat "$WORK/server.log"; exit 1; }
  sleep 0.2
done
python3 Tests/E2E/web_e2e.py --server "http://127.0.0.1:$PORT" ${SHOTS:+--screenshots "$SHOTS"}
