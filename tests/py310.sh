#!/usr/bin/env bash
# Runs the whole suite again on Python 3.10 with websockets 16, from the venv
# tests/setup.sh made: wszero promises to run there as well as on 3.11+.
set -euo pipefail
cd "$(dirname "$0")/.."
.venv310/bin/python -m pytest "$@"
