# session-gateway: the two commands are `make run` and `make test`.
SHELL := /bin/bash
CARGO ?= cargo
export CARGO_BUILD_JOBS ?= 2
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
REDIS_URL ?= redis://127.0.0.1:6379

.PHONY: run run-redis test test-deps test-rust lint fmt fmt-check clippy import-cycles bench openapi k8s-validate clean

## Start the gateway on the embedded in-memory store (APP_ENV=local: demo tenants from config/local.toml).
run:
	$(CARGO) run -p gateway --bin session-gateway -- serve

## Start the gateway on Redis at $(REDIS_URL).
run-redis:
	GATEWAY__STORE__BACKEND=redis GATEWAY__STORE__URL=$(REDIS_URL) \
		$(CARGO) run -p gateway --bin session-gateway -- serve

## Install what the tests need, then run every test (Rust suites, official clients, k8s manifests).
test: test-deps lint test-rust k8s-validate

## redis-server (Debian package) and the official clients the end-to-end tests drive.
test-deps:
	@missing=""; \
	command -v redis-server >/dev/null && command -v redis-cli >/dev/null || missing="$$missing redis-server"; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	command -v node >/dev/null && command -v npm >/dev/null || missing="$$missing nodejs npm"; \
	python3 -c "import ensurepip, venv" >/dev/null 2>&1 || missing="$$missing python3-venv"; \
	if [ -n "$$missing" ]; then echo "installing:$$missing (apt-get)"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing >/dev/null; fi
	@bash scripts/install-client-deps.sh

test-rust:
	$(CARGO) test --workspace --no-fail-fast

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

## Write the OpenAPI document to docs/openapi.json.
openapi:
	$(CARGO) run -q -p gateway --bin session-gateway -- openapi > docs/openapi.json

## Render every kustomize overlay and validate it against the Kubernetes schemas.
k8s-validate:
	@bash deploy/k8s/validate.sh

clean:
	$(CARGO) clean
