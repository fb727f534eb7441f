#!/usr/bin/env bash
# Installs everything the tests need on a fresh Debian 12 machine:
# Chromium for the browser tests, with an emoji font for the pages' pictures
# (the snake's eyes, the arrow buttons), Xvfb and GTK's WebKit for the window
# test, the Python packages, a Python 3.10 with websockets 16 for tests/py310.sh,
# and the wheels the packaging tests install offline.  Run it as root, or
# with sudo available.
set -euo pipefail
cd "$(dirname "$0")/.."
sudo=""
[ "$(id -u)" = 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
# python3-websockets is Debian's websockets 10.4, too old for wszero: the tests
# check that build_zipapp.py, run by /usr/bin/python3, says what to do instead.
$sudo apt-get install -y -q --no-install-recommends \
    chromium fonts-noto-color-emoji xvfb xauth imagemagick x11-utils \
    gir1.2-webkit2-4.1 libgirepository1.0-dev libcairo2-dev pkg-config \
    python3-venv python3-websockets
python -m pip install -q --upgrade pip
python -m pip install -q -e '.[test,window]'

# Python 3.10 (Thonny 4.1's and Ubuntu 22.04's) with websockets 16, in .venv310.
py310="${PY310:-}"
if [ -z "$py310" ]; then
    for candidate in $(ls -d "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.10.*/bin/python 2>/dev/null | sort -V -r) python3.10; do
        if "$candidate" -c 'import sys; assert sys.version_info[:2] == (3, 10)' 2>/dev/null; then
            py310="$candidate"
            break
        fi
    done
fi
if [ -z "$py310" ]; then
    echo "tests/setup.sh: found no Python 3.10. Install one, or name it: PY310=/path/to/python3.10" >&2
    exit 1
fi
"$py310" -m venv .venv310
.venv310/bin/python -m pip install -q --upgrade pip
.venv310/bin/python -m pip install -q -e '.[test,window]'

# The packaging tests build and install wszero with no internet: they take
# setuptools and websockets from here.
python -m pip download -q --dest .wheels 'setuptools>=77' 'websockets>=17,<18'
python -m pip download -q --dest .wheels 'websockets>=16,<17'
.venv310/bin/python -m pip download -q --dest .wheels 'websockets>=16,<17'
