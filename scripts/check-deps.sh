#!/usr/bin/env bash
# The dependency direction is one way: flavor crates never depend on the storage layer
# (session-redis) nor on each other; session-core depends on no crate of ours.
set -euo pipefail
cd "$(dirname "$0")/.."
flavors=(quicksync quickblox amity session-storage)
fail=0
for crate in "${flavors[@]}" session-core; do
  deps=$(cargo tree -p "$crate" -e normal --prefix none --format '{p}' 2>/dev/null | awk '{print $1}' | sort -u)
  for banned in session-redis gateway "${flavors[@]}"; do
    [ "$banned" = "$crate" ] && continue
    if grep -qx "$banned" <<<"$deps"; then
      echo "check-deps: $crate must not depend on $banned" >&2
      fail=1
    fi
  done
done
if [ "$fail" = 0 ]; then echo "check-deps: flavor crates are independent of storage and of each other"; fi
exit "$fail"
