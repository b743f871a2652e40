# session-gateway: the two commands are `make run` and `make test`.
SHELL := /bin/bash
CARGO ?= cargo
export CARGO_BUILD_JOBS ?= 2
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
REDIS_URL ?= redis://127.0.0.1:6379

.PHONY: run run-redis test test-deps test-rust test-flood schemathesis image image-check lint fmt fmt-check clippy import-cycles bench openapi k8s-validate clean

## Start the gateway on the embedded in-memory store (APP_ENV=local: demo tenants from config/local.toml).
## The overlays are the repository's config/ even when CARGO_TARGET_DIR puts the binary elsewhere.
run:
	GATEWAY_CONFIG_DIR=$${GATEWAY_CONFIG_DIR:-$(CURDIR)/config} $(CARGO) run -p gateway --bin session-gateway -- serve

## Start the gateway on Redis at $(REDIS_URL).
run-redis:
	GATEWAY__STORE__BACKEND=redis GATEWAY__STORE__URL=$(REDIS_URL) \
		GATEWAY_CONFIG_DIR=$${GATEWAY_CONFIG_DIR:-$(CURDIR)/config} $(CARGO) run -p gateway --bin session-gateway -- serve

## Install what the tests need, then run every test (Rust suites, official clients, k8s manifests),
## and end with one summary line.
test:
	@start=$$(date +%s); status=passed; \
	$(MAKE) --no-print-directory test-deps lint test-rust test-flood schemathesis k8s-validate image-check || status=FAILED; \
	counts=$$(awk '/^test result:/ {p+=$$4; f+=$$6; i+=$$8} END {printf "%d passed, %d failed, %d ignored", p, f, i}' \
	  target/test-rust.log 2>/dev/null); \
	echo "make test: $$status ($${counts:-no Rust test ran}) in $$(( ($$(date +%s) - start + 59) / 60 )) min"; \
	[ $$status = passed ]

## redis-server, Chromium and its driver (Debian packages), and the official clients and the
## browser automation (Selenium) the end-to-end tests drive.
test-deps:
	@missing=""; \
	command -v redis-server >/dev/null && command -v redis-cli >/dev/null || missing="$$missing redis-server"; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	command -v chromedriver >/dev/null || missing="$$missing chromium-driver"; \
	command -v jq >/dev/null && command -v curl >/dev/null || missing="$$missing jq curl"; \
	command -v node >/dev/null && command -v npm >/dev/null || missing="$$missing nodejs npm"; \
	python3 -c "import ensurepip, venv" >/dev/null 2>&1 || missing="$$missing python3-venv"; \
	if [ -n "$$missing" ]; then echo "make test: installing$$missing with apt-get (the tests need them)"; \
	  $(SUDO) apt-get update && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y $$missing; fi
	@bash scripts/install-client-deps.sh

test-rust:
	@mkdir -p target
	set -o pipefail; $(CARGO) test --workspace --no-fail-fast 2>&1 | tee target/test-rust.log

## The full-scale connection flood (tests/tests/edge_flood.rs), alone: its 1 s bounds under 20,000
## connections are not for a machine busy with the rest of the suite. Appends to the Rust log.
test-flood:
	set -o pipefail; $(CARGO) test -p e2e --test e2e -- --ignored --exact \
	  edge_flood::twenty_thousand_stalled_connections_never_stop_the_gateway 2>&1 | tee -a target/test-rust.log

## The contract run: schemathesis (pinned, in a venv from PyPI) against the real binary with test
## tenants; fails on any 5xx, any answer the OpenAPI document does not describe, any error body
## outside its flavor's format. See docs/testing.md.
schemathesis:
	@bash scripts/schemathesis.sh

## The container image without pulling anything: FROM scratch around the static binary (buildah or
## podman), then started once for a /healthz check (IMAGE_CHECK=0: build only). See docs/deploy.md.
image:
	@bash scripts/image.sh

## In `make test`: the image's /healthz check when this machine can build and run it (podman and
## musl-gcc present), else one line saying why it was skipped.
image-check:
	@if command -v podman >/dev/null && command -v musl-gcc >/dev/null; then bash scripts/image.sh; \
	else echo "make test: image check skipped: podman or musl-gcc missing (apt-get install podman buildah musl-tools)"; fi

## Formatting and lints, as CI checks them.
lint: fmt-check clippy import-cycles

fmt:
	$(CARGO) fmt --all

fmt-check:
	$(CARGO) fmt --all -- --check

clippy:
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	@bash scripts/check-deps.sh

## No import circles between the files of a crate.
import-cycles:
	@python3 scripts/check-import-cycles.py crates tests

## Benchmarks against a release build; writes docs/benchmarks.md (options: scripts/bench.sh).
bench:
	@bash scripts/bench.sh

## Write the OpenAPI document to docs/openapi.json: what `make run` serves (the admin API on).
openapi:
	GATEWAY_CONFIG_DIR=$${GATEWAY_CONFIG_DIR:-$(CURDIR)/config} $(CARGO) run -q -p gateway --bin session-gateway -- openapi > docs/openapi.json

## Render every kustomize overlay and validate it against the Kubernetes schemas.
k8s-validate:
	@bash deploy/k8s/validate.sh

clean:
	$(CARGO) clean
