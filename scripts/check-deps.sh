#!/usr/bin/env bash
# The dependency direction is one way: flavor crates never depend on the storage layer
# (session-redis) nor on each other; flavor-kit, which every flavor may use, depends on no
# flavor, nor on the storage layer or the gateway; session-core depends on no crate of ours.
set -euo pipefail
cd "$(dirname "$0")/.."
flavors=(quicksync quickblox amity session-storage)
fail=0
for crate in "${flavors[@]}" flavor-kit session-core; do
  deps=$(cargo tree -p "$crate" -e normal --prefix none --format '{p}' 2>/dev/null | awk '{print $1}' | sort -u)
  banned_crates=(session-redis gateway "${flavors[@]}")
  [ "$crate" = session-core ] && banned_crates+=(flavor-kit)
  for banned in "${banned_crates[@]}"; do
    [ "$banned" = "$crate" ] && continue
    if grep -qx "$banned" <<<"$deps"; then
      echo "check-deps: $crate must not depend on $banned" >&2
      fail=1
    fi
  done
done
if [ "$fail" = 0 ]; then
  echo "check-deps: flavor crates and flavor-kit are independent of storage and of each other"
fi
exit "$fail"
