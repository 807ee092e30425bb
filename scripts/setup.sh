#!/usr/bin/env bash
# Sets up everything Yusuan needs on a fresh Debian/Ubuntu machine with Python 3.11+:
# a project virtualenv (.venv) with the locked dependencies, installed by uv.
# Usage: scripts/setup.sh [--browser]   (--browser also installs Chromium and CJK fonts for tests)
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-python3}"
if ! "$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null; then
  echo "Yusuan needs Python 3.11 or newer (found: $("$PYTHON" --version 2>&1))." >&2
  exit 1
fi

# uv installs the locked dependencies; it comes from PyPI into a small tools venv of its own.
if command -v uv >/dev/null 2>&1; then
  UV=uv
else
  if [ ! -x .tools/bin/uv ]; then
    if ! "$PYTHON" -c 'import ensurepip' 2>/dev/null; then
      # Debian/Ubuntu ship venv's pip bootstrap separately.
      SUDO=""
      [ "$(id -u)" -ne 0 ] && SUDO="sudo"
      $SUDO apt-get update -qq
      DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq python3-venv >/dev/null
    fi
    rm -rf .tools
    "$PYTHON" -m venv .tools
    .tools/bin/pip install --quiet --disable-pip-version-check "uv>=0.5"
  fi
  UV=.tools/bin/uv
fi
export UV_PYTHON_DOWNLOADS=never   # use the machine's Python; never fetch one
"$UV" sync --locked --quiet --python "$PYTHON"

if [ "${1:-}" = "--browser" ] && [ ! -x /usr/bin/chromium ]; then
  # Browser tests drive Debian's Chromium; without the CJK fonts Chinese renders as boxes.
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium fonts-noto-cjk >/dev/null
fi
