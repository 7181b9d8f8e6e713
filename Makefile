# ChronicleLedger front door. `make run` and `make test` work on a fresh Debian 12 machine:
# they install missing packages, build, and start the local stack (infra/local/stack.sh).

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
# Prerequisites run in the order written (deps, then build, then stack), even under -j;
# the compile itself is parallel through cmake --build -j.
.NOTPARALLEL:

BUILD_DIR      ?= build
BUILD_TYPE     ?= RelWithDebInfo
# The ASan+UBSan build (gcc) and the libFuzzer build (clang); see docs/SECURITY.md.
ASAN_DIR       ?= build-asan
# Debug (-O0 -g, assertions on): the sanitized build skips the optimiser's compile time, and
# the tests it runs wait on I/O rather than on the CPU.
ASAN_BUILD_TYPE ?= Debug
FUZZ_DIR       ?= build-fuzz
FUZZ_CXX       ?= clang++-14
# `make fuzz` runs each fuzz target this long; `make test` this long (0: no fuzzing).
FUZZ_SECONDS      ?= 60
TEST_FUZZ_SECONDS ?= 20
# `make test SANITIZERS=0` skips the ASan+UBSan build and run (`make test-asan` runs it alone).
SANITIZERS     ?= 1
STACK          := infra/local/stack.sh
CLUSTER        := infra/cluster/cluster.sh
# `make test CHAOS=0` skips the cluster's chaos test (`make chaos` runs it alone).
CHAOS          ?= 1
# The chaos test alone takes minutes on a loaded 2-core machine; its own ctest time limit.
CHAOS_TIMEOUT  ?= 900
NODE_URL  ?= http://127.0.0.1:8080/
CTEST_TIMEOUT  ?= 600
# Extra arguments, e.g. `make test CTEST_ARGS='-L unit'` or `make run RUN_ARGS='--help'`.
CTEST_ARGS     ?=
RUN_ARGS       ?=

# Where ASan and LSan reports of the ASan test run go, one file per reporting process: the
# nodes the integration tests start are stopped by signal and their exit status is not
# checked, so their reports are collected here instead, and any report fails the run.
# (gcc's UBSan ignores log_path next to ASan and writes to stderr; with halt_on_error the
# process stops, and the nodes' logs are searched for reports as well.)
ASAN_REPORTS   := $(ASAN_DIR)/sanitizer-reports
SUPPRESSIONS   := $(CURDIR)/infra/sanitizers
SANITIZER_ENV  := ASAN_OPTIONS=detect_leaks=1:log_path=$(abspath $(ASAN_REPORTS))/asan \
  LSAN_OPTIONS=suppressions=$(SUPPRESSIONS)/lsan.supp:print_suppressions=0 \
  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:suppressions=$(SUPPRESSIONS)/ubsan.supp \
  ASAN_SYMBOLIZER_PATH=/usr/lib/llvm-14/bin/llvm-symbolizer
# The integration tests write each node's output to /tmp/chronicled-test-<port>.log
# (tests/support/node_process.cpp); those written during the run are searched.
NODE_LOG_GLOB  := chronicled-test-*.log

.PHONY: deps deps-sanitizers deps-cluster build build-asan build-fuzz stack stop run test test-asan \
  fuzz cluster cluster-down chaos clean

deps:
	@bash infra/local/deps.sh

# What `deps` installs, and what only the sanitizer and fuzz builds need.
deps-sanitizers:
	bash infra/local/deps.sh packages.txt packages-sanitizers.txt

# What the local three-node cluster needs besides (etcd, Patroni; infra/cluster/README.md).
deps-cluster:
	bash infra/local/deps.sh packages.txt packages-cluster.txt

# ccache keys on paths relative to the checkout, so a clone elsewhere (CI, a worktree) reuses
# what an earlier build of the same sources compiled.
export CCACHE_BASEDIR  := $(CURDIR)
export CCACHE_NOHASHDIR := 1

# ccache is looked up when the recipe runs, not when the Makefile is read, so a ccache that
# `make deps` has just installed is used.
build:
	launcher=(); \
	if command -v ccache >/dev/null; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi; \
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) "$${launcher[@]}"
	cmake --build $(BUILD_DIR) -j$$(nproc)

# Every target with ASan and UBSan (CHRONICLE_SANITIZE, cmake/instrumentation.cmake).
build-asan:
	launcher=(); \
	if command -v ccache >/dev/null; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi; \
	cmake -S . -B $(ASAN_DIR) -DCMAKE_BUILD_TYPE=$(ASAN_BUILD_TYPE) -DCHRONICLE_SANITIZE=ON \
	  "$${launcher[@]}"
	cmake --build $(ASAN_DIR) -j$$(nproc)

# Only the fuzz targets and the code they fuzz, with clang (CHRONICLE_FUZZ).
build-fuzz:
	launcher=(); \
	if command -v ccache >/dev/null; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi; \
	cmake -S . -B $(FUZZ_DIR) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) -DCMAKE_CXX_COMPILER=$(FUZZ_CXX) \
	  -DCHRONICLE_FUZZ=ON "$${launcher[@]}"
	cmake --build $(FUZZ_DIR) -j$$(nproc) --target fuzz_all

stack:
	bash $(STACK) start

stop:
	bash $(STACK) stop

# The local three-node cluster (infra/cluster/README.md), idempotent: prints
# CHRONICLE_NODE_URLS=<url>,<url>,<url> and CHRONICLE_API_KEY=<a new admin key>.
cluster: deps-cluster build
	bash $(CLUSTER) start

cluster-down:
	bash $(CLUSTER) stop

# Each run replaces the admin key "dev-admin" in the stack's keys file and prints its token
# (the file keeps only hashes, so an earlier token cannot be shown again), then the node runs
# in the foreground. It prints what a person needs and nothing else: the dashboard's URL and
# the key to sign in with (the stack's connection info: `make stack`).
run: deps build
	@out=$$(bash $(STACK) start 2>&1) || { echo "$$out" >&2; exit 1; }
	@eval "$$(bash $(STACK) env --export)"; \
	keys="$$CHRONICLE_RUN_DIR/api-keys"; \
	token=$$($(BUILD_DIR)/bin/chronicle keys create --file "$$keys" --id dev-admin --role admin \
	  --replace 2>"$$keys.log") || { cat "$$keys.log" >&2; exit 1; }; \
	printf '\nChronicleLedger dashboard: %s\n' "$(NODE_URL)"; \
	printf 'Sign in with this admin API key (new for this run):\n  %s\n' "$$token"; \
	printf 'API: %sopenapi.json. Stop the node with Ctrl-C; `make stop` stops the stack.\n\n' \
	  "$(NODE_URL)"; \
	exec $(BUILD_DIR)/bin/chronicled --api-keys "$$keys" $(RUN_ARGS)

# ctest ends with its summary ("N% tests passed, M tests failed out of K") and exits
# non-zero on any failure, on a timeout, and when no test is found at all.
# The suites keep to databases and a NATS stream of their own (`stack.sh env --tests`): each
# ctest run starts by emptying them (the test_stack_reset fixture in tests/CMakeLists.txt) and
# ends by checking that the ledger `make run` serves was left as it was (test_stack_check).
# Then, unless turned off: the cluster's chaos test (chaos), the same tests built with
# ASan+UBSan (test-asan), and each fuzz target for TEST_FUZZ_SECONDS. Any failure stops the
# run with a non-zero status.
test: deps-sanitizers build stack
	eval "$$(bash $(STACK) env --tests --export)"; \
	ctest --test-dir $(BUILD_DIR) --output-on-failure -j2 --no-tests=error \
	  --timeout $(CTEST_TIMEOUT) -LE cluster $(CTEST_ARGS)
	if [[ "$(CHAOS)" != 0 ]]; then $(MAKE) --no-print-directory chaos; fi
	if [[ "$(SANITIZERS)" != 0 ]]; then $(MAKE) --no-print-directory test-asan; fi
	if [[ "$(TEST_FUZZ_SECONDS)" != 0 ]]; then \
	  $(MAKE) --no-print-directory fuzz FUZZ_SECONDS=$(TEST_FUZZ_SECONDS); fi

# The tests against the sanitized binaries: the integration tests start the sanitized
# chronicled and chronicle, on the same ports as the plain run (which is over by then).
test-asan: deps-sanitizers build-asan stack
	rm -rf $(ASAN_REPORTS) && mkdir -p $(ASAN_REPORTS)
	eval "$$(bash $(STACK) env --tests --export)"; \
	status=0; \
	env $(SANITIZER_ENV) ctest --test-dir $(ASAN_DIR) --output-on-failure -j2 --no-tests=error \
	  --timeout $(CTEST_TIMEOUT) -LE cluster $(CTEST_ARGS) || status=$$?; \
	reports=$$(find $(ASAN_REPORTS) -type f; \
	  find /tmp -maxdepth 1 -name '$(NODE_LOG_GLOB)' -newer $(ASAN_REPORTS) \
	    -exec grep -l -E 'runtime error:|Sanitizer' {} + || true); \
	for report in $$reports; do echo "=== sanitizer report $$report"; cat "$$report"; done; \
	if [[ -n $$reports ]]; then echo "test-asan: sanitizer reports above" >&2; exit 1; fi; \
	exit $$status

# The cluster label alone (tests/cluster/): starts the local cluster, runs the bank workload
# through its three nodes while it kills a ledger node, the Patroni leader and the NATS stream
# leader, checks the history and the read models, and stops the cluster (a few minutes;
# docs/FAILURE_SCENARIOS.md). A cluster `make cluster` started is used and stopped.
chaos: deps-cluster build
	ctest --test-dir $(BUILD_DIR) --output-on-failure --no-tests=error \
	  --timeout $(CHAOS_TIMEOUT) -L cluster

fuzz: deps-sanitizers build-fuzz
	bash fuzz/run.sh $(FUZZ_DIR) $(FUZZ_SECONDS)

clean:
	rm -rf $(BUILD_DIR) $(ASAN_DIR) $(FUZZ_DIR)
