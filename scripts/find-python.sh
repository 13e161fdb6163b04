#!/usr/bin/env bash
# Prints the path of a working Python 3.10 interpreter (Rasa 3.6 refuses 3.11+).
# Order: $PYTHON, a python3.10 on PATH that really runs (pyenv shims may exist and fail),
# then pyenv's versions folder. Exits 1 with advice when none is found.
set -u

is_py310() {
    local candidate="$1"
    [ -n "$candidate" ] || return 1
    "$candidate" -c 'import sys, venv; sys.exit(0 if sys.version_info[:2] == (3, 10) else 1)' \
        >/dev/null 2>&1
}

resolve() {
    "$1" -c 'import sys; print(sys.executable)'
}

if [ -n "${PYTHON:-}" ]; then
    if is_py310 "$PYTHON"; then resolve "$PYTHON"; exit 0; fi
    echo "error: PYTHON=$PYTHON is not a working Python 3.10 interpreter" >&2
    exit 1
fi

if command -v python3.10 >/dev/null 2>&1 && is_py310 python3.10; then
    resolve python3.10; exit 0
fi

pyenv_root="${PYENV_ROOT:-}"
if [ -z "$pyenv_root" ] && command -v pyenv >/dev/null 2>&1; then
    pyenv_root="$(pyenv root 2>/dev/null || true)"
fi
[ -n "$pyenv_root" ] || pyenv_root="$HOME/.pyenv"
for candidate in $(ls -d "$pyenv_root"/versions/3.10.*/bin/python3.10 2>/dev/null | sort -V -r); do
    if is_py310 "$candidate"; then resolve "$candidate"; exit 0; fi
done

cat >&2 <<'MSG'
error: no Python 3.10 interpreter found (Rasa 3.6 needs exactly 3.10).
Tried: $PYTHON, python3.10 on PATH, and pyenv's versions folder.
Fix one of:
  - pyenv install 3.10.13            (then run make again)
  - apt-get install python3.10 python3.10-venv
  - PYTHON=/path/to/python3.10 make run
MSG
exit 1
