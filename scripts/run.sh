#!/usr/bin/env bash
# Set up ./.venv, load the seed vocabulary into the embedded store if there is
# no store yet, and show what it holds. (Once the server exists, this starts it.)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
store="${KP_STORE:-var/store}"
if [ ! -d "$store" ]; then
    .venv/bin/kp load --store "$store"
fi
exec .venv/bin/kp stats --store "$store"
