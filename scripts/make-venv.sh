#!/usr/bin/env bash
# Creates .venv with Python 3.10 and installs the project, rasa included, in ONE pip
# resolver pass under constraints.txt (a later lone `pip install x` once upgraded
# `packaging` and broke `import rasa`). Then `pip check` must be clean.
set -euo pipefail
cd "$(dirname "$0")/.."

python="$(scripts/find-python.sh)"
if [ ! -x .venv/bin/python ] || ! .venv/bin/python -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))'; then
    rm -rf .venv
    echo "==> creating .venv with $python"
    "$python" -m venv .venv
fi
echo "==> installing helpbot and its pinned dependencies (one resolver pass)"
.venv/bin/python -m pip install --quiet --disable-pip-version-check \
    --constraint constraints.txt --editable '.[dev,bench]'
.venv/bin/python -m pip check
