#!/usr/bin/env bash
# Set up ./.venv with the test tools, then lint, type-check and run the tests.
# Extra arguments go to pytest (e.g. scripts/test.sh -k shapes, or -m slow).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh test,bench
scripts/ensure-chromium.sh
.venv/bin/ruff check server scripts benchmarks tests
.venv/bin/ruff format --check server scripts benchmarks tests
.venv/bin/mypy
.venv/bin/python -m pytest "$@"
