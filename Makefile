# ChronicleLedger front door. `make run` and `make test` work on a fresh Debian 12 machine:
# they install missing packages, build, and start the local stack (infra/local/stack.sh).

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
# Prerequisites run in the order written (deps, then build, then stack), even under -j;
# the compile itself is parallel through cmake --build -j.
.NOTPARALLEL:

BUILD_DIR      ?= build
BUILD_TYPE     ?= RelWithDebInfo
STACK          := infra/local/stack.sh
NODE_URL  ?= http://127.0.0.1:8080/
CTEST_TIMEOUT  ?= 600
# Extra arguments, e.g. `make test CTEST_ARGS='-L unit'` or `make run RUN_ARGS='--help'`.
CTEST_ARGS     ?=
RUN_ARGS       ?=

.PHONY: deps build stack stop run test clean

deps:
	bash infra/local/deps.sh

# ccache is looked up when the recipe runs, not when the Makefile is read, so a ccache that
# `make deps` has just installed is used.
build:
	launcher=(); \
	if command -v ccache >/dev/null; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi; \
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) "$${launcher[@]}"
	cmake --build $(BUILD_DIR) -j$$(nproc)

stack:
	bash $(STACK) start

stop:
	bash $(STACK) stop

run: deps build stack
	eval "$$(bash $(STACK) env --export)"; \
	echo "ChronicleLedger node: $(NODE_URL) (API; try $(NODE_URL)health)"; \
	exec $(BUILD_DIR)/bin/chronicled $(RUN_ARGS)

# ctest ends with its summary ("N% tests passed, M tests failed out of K") and exits
# non-zero on any failure, on a timeout, and when no test is found at all.
test: deps build stack
	eval "$$(bash $(STACK) env --export)"; \
	ctest --test-dir $(BUILD_DIR) --output-on-failure -j2 --no-tests=error \
	  --timeout $(CTEST_TIMEOUT) $(CTEST_ARGS)

clean:
	rm -rf $(BUILD_DIR)
