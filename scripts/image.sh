#!/usr/bin/env bash
# `make image`: builds the static (musl) binary on this machine, wraps it in a `FROM scratch`
# image with buildah (or podman) from Debian's packages -- nothing is pulled -- and, unless
# IMAGE_CHECK=0, starts it once and checks that /healthz answers 200 and that the image's
# HEALTHCHECK command passes.
#
#   IMAGE=localhost/session-gateway:latest   the tag
#   IMAGE_CHECK=0                            build only
#   CONTAINER_RUNTIME=runc                   the OCI runtime podman uses for the check
set -euo pipefail
cd "$(dirname "$0")/.."

image=${IMAGE:-localhost/session-gateway:latest}
target=x86_64-unknown-linux-musl
case "$(uname -m)" in
  x86_64) ;;
  aarch64) target=aarch64-unknown-linux-musl ;;
  *) echo "image: unsupported architecture $(uname -m)" >&2; exit 1 ;;
esac
for tool in musl-gcc podman; do
  command -v "$tool" >/dev/null || { echo "image: $tool is missing (apt-get install musl-tools podman buildah)" >&2; exit 1; }
done
rustup target list --installed 2>/dev/null | grep -qx "$target" || rustup target add "$target"

echo "image: building the static binary ($target, release)"
env "CC_${target//-/_}=musl-gcc" cargo build --release --locked --target "$target" \
  -p gateway --bin session-gateway
target_dir=${CARGO_TARGET_DIR:-target}
binary="$target_dir/$target/release/session-gateway"

context=$(mktemp -d)
trap 'rm -rf "$context"' EXIT
cp "$binary" "$context/session-gateway"
cp config/default.toml config/production.toml deploy/Containerfile "$context/"

echo "image: building $image (FROM scratch)"
if command -v buildah >/dev/null; then
  buildah build --quiet --format docker -f "$context/Containerfile" -t "$image" "$context" >/dev/null
else
  podman build --quiet --format docker -f "$context/Containerfile" -t "$image" "$context" >/dev/null
fi
podman image inspect "$image" --format 'image: {{.Id}} {{.Size}} bytes' | cut -c1-80

[ "${IMAGE_CHECK:-1}" = 0 ] && exit 0

# The check: production settings, a Redis that is not there (liveness does not need it), the
# host's network on a free port. Explicit ulimits and runc: some sandboxes refuse the defaults.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
name="session-gateway-check-$$"
# --no-healthcheck: podman would schedule the HEALTHCHECK with systemd timers; the check runs
# the same command itself below.
podman --runtime "${CONTAINER_RUNTIME:-runc}" run -d --rm --name "$name" --network host \
  --no-healthcheck --ulimit nofile=1024:1024 --ulimit nproc=1024:1024 \
  -e GATEWAY__SERVER__PORT="$port" -e GATEWAY__SERVER__HOST=127.0.0.1 \
  -e GATEWAY__STORE__TOKEN_SECRET="image-check-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')" \
  -e GATEWAY__STORE__URL=redis://127.0.0.1:1 \
  "$image" >/dev/null
trap 'podman --runtime "${CONTAINER_RUNTIME:-runc}" rm -f "$name" >/dev/null 2>&1 || true; rm -rf "$context"' EXIT
for _ in $(seq 50); do
  status=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/healthz" || true)
  [ "$status" = 200 ] && break
  sleep 0.2
done
if [ "$status" != 200 ]; then
  echo "image: /healthz answered '${status}' instead of 200; container log:" >&2
  podman logs "$name" >&2 || true
  exit 1
fi
podman --runtime "${CONTAINER_RUNTIME:-runc}" exec -e GATEWAY__SERVER__PORT="$port" "$name" \
  /app/session-gateway healthcheck
echo "image: $image answers /healthz (200) and its HEALTHCHECK passes"
