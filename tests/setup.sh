#!/usr/bin/env bash
# Installs everything the tests need on a fresh Debian 12 machine:
# Chromium for the browser tests, Xvfb and GTK's WebKit for the window test,
# and the Python packages.  Run it as root, or with sudo available.
set -euo pipefail
cd "$(dirname "$0")/.."
sudo=""
[ "$(id -u)" = 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
$sudo apt-get install -y -q --no-install-recommends \
    chromium xvfb xauth imagemagick x11-utils \
    gir1.2-webkit2-4.1 libgirepository1.0-dev libcairo2-dev pkg-config \
    python3-venv
python -m pip install -q --upgrade pip
python -m pip install -q -e '.[test,window]'
