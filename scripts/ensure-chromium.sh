#!/usr/bin/env bash
# Debian's headless Chromium for the browser tests (Playwright's own browser
# download is not used). Installs it with apt-get when it is missing.
set -euo pipefail
if [ -n "${KP_CHROMIUM:-}" ]; then
    exit 0
fi
exec "$(dirname "$0")/ensure-debian.sh" chromium chromium fonts-noto-color-emoji
