#!/usr/bin/env bash
# Set up ./.venv and start the server on http://127.0.0.1:8000/ over the
# embedded store (./var/store, or $KP_STORE); a new store is loaded with the
# seed vocabulary first. Extra arguments go to `kp serve` (e.g. --port 8080).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec .venv/bin/kp serve "$@"
