#!/usr/bin/env bash
# Debian's headless Chromium for the browser tests (Playwright's own browser
# download is not used). Installs it with apt-get when it is missing.
set -euo pipefail
if command -v chromium >/dev/null 2>&1 || [ -n "${KP_CHROMIUM:-}" ]; then
    exit 0
fi
if [ "$(id -u)" = 0 ]; then
    sudo=""
elif command -v sudo >/dev/null 2>&1; then
    sudo="sudo"
else
    echo "chromium is missing and apt-get needs root: install Debian's chromium package" >&2
    exit 1
fi
echo "installing Debian's chromium for the browser tests" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends chromium fonts-noto-color-emoji >/dev/null
