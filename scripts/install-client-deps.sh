#!/usr/bin/env bash
# Installs the official clients that the end-to-end tests drive, from the npm registry and PyPI:
# every tests/*-e2e folder with a package.json gets `npm ci`, every one with a requirements.txt
# gets a virtualenv at .venv. A folder is reinstalled only when its manifest changes.
set -euo pipefail
cd "$(dirname "$0")/.."
for dir in tests/*-e2e; do
  [ -d "$dir" ] || continue
  if [ -f "$dir/package.json" ]; then
    stamp="$dir/node_modules/.sg-installed"
    sum=$(cat "$dir/package.json" "$dir/package-lock.json" 2>/dev/null | sha256sum | cut -d' ' -f1)
    if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$sum" ]; then
      echo "installing node client for $dir"
      command -v npm >/dev/null || { echo "npm is missing: apt-get install nodejs npm" >&2; exit 1; }
      if [ -f "$dir/package-lock.json" ]; then
        (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
      else
        (cd "$dir" && npm install --no-audit --no-fund --loglevel=error)
      fi
      echo "$sum" > "$stamp"
    fi
  fi
  if [ -f "$dir/requirements.txt" ]; then
    stamp="$dir/.venv/.sg-installed"
    sum=$(sha256sum "$dir/requirements.txt" | cut -d' ' -f1)
    if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$sum" ]; then
      echo "installing python client for $dir"
      python3 -m venv "$dir/.venv"
      "$dir/.venv/bin/pip" install --disable-pip-version-check -r "$dir/requirements.txt"
      echo "$sum" > "$stamp"
    fi
  fi
done
