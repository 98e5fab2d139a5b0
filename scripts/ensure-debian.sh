#!/usr/bin/env bash
# Install Debian packages with apt-get when a command is missing.
# Usage: scripts/ensure-debian.sh COMMAND PACKAGE...   e.g. scripts/ensure-debian.sh wrk wrk
set -euo pipefail
command_name="$1"
shift
if command -v "$command_name" >/dev/null 2>&1; then
    exit 0
fi
if [ "$(id -u)" = 0 ]; then
    sudo=""
elif command -v sudo >/dev/null 2>&1; then
    sudo="sudo"
else
    echo "$command_name is missing and apt-get needs root: install Debian's $* package(s)" >&2
    exit 1
fi
echo "installing Debian's $* (for $command_name)" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$@" >/dev/null
