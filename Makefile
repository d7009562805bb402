# Lattice build, test and tooling. `make help` lists the targets; `make test`
# is THE test command (CI runs it through .ci/run).

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
MAKEFLAGS += --warn-undefined-variables --no-builtin-rules
.DEFAULT_GOAL := test
.DELETE_ON_ERROR:
.SUFFIXES:

MODULE := lattice
GO ?= go
GOROOT := $(shell $(GO) env GOROOT)

# Tools run through `go run pkg@version` and never appear in go.mod (STYLE
# R1.3); the one exception is wazero's CLI, which test-wasm builds from our
# own go.mod (a `tool` directive) so it always matches the wazero the edge
# host links.
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2
GOVULNCHECK := golang.org/x/vuln/cmd/govulncheck@v1.9.0
GOIMPORTS   := golang.org/x/tools/cmd/goimports@v0.52.0
BENCHSTAT   := golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da
WAZERO_PKG  := github.com/tetratelabs/wazero/cmd/wazero

BUILD := build
BIN   := $(BUILD)/bin

# The three runtimes the pure core runs on (STYLE R11.7).
WASIP1 := GOOS=wasip1 GOARCH=wasm
JSWASM := GOOS=js GOARCH=wasm
WASIP1_EXEC := $(GOROOT)/lib/wasm/go_wasip1_wasm_exec
JS_EXEC     := $(GOROOT)/lib/wasm/go_js_wasm_exec

# Packages that exist, so that targets keep working while the tree grows.
HAVE_HUB    := $(wildcard hub/main.go)
HAVE_EDGE   := $(wildcard edge/main.go)
HAVE_WASM   := $(wildcard wasm/replica/*.go)
# Packages with goroutines or locks run again under -race (STYLE R11.8).
# Override to widen: `make race RACE_PKGS=./...`.
RACE_PKGS ?= $(foreach d,hub edge,$(if $(wildcard $(d)/*),./$(d)/...))

# Extra `go test` flags: TESTFLAGS for every run, WASM_TESTFLAGS for the
# wasip1 and js runs only (e.g. WASM_TESTFLAGS=-short on a slow machine).
TESTFLAGS      ?=
WASM_TESTFLAGS ?=

# Long-run knobs.
FUZZTIME  ?= 30s
SIM_SEEDS ?= 10000
BENCH_COUNT ?= 6
BENCHTIME   ?= 1s
GIT_SHA = $(shell git rev-parse --short HEAD 2>/dev/null || echo nogit)$(shell [[ -z "$$(git status --porcelain 2>/dev/null)" ]] || echo -dirty)

# Stages of `make test`, in order; each is also a target of its own.
TEST_STAGES := fmt-check vet test-native race test-wasm

.PHONY: all
all: check test ## check, then test

.PHONY: help
help: ## list the targets
	@grep -hE '^[a-zA-Z0-9_-]+:.*## ' $(MAKEFILE_LIST) | \
		awk 'BEGIN {FS = ":.*## "}; {printf "  %-12s %s\n", $$1, $$2}'

.PHONY: build
build: wasm ## go build ./... plus the hub, edge and wasm artifacts under build/
	$(GO) build ./...
	$(if $(HAVE_HUB),$(GO) build -o $(BUILD)/hub ./hub)
	$(if $(HAVE_EDGE),$(GO) build -o $(BUILD)/edge ./edge)

.PHONY: run
run: ## build and run the hub with --dir ./data
	@if [[ -z "$(HAVE_HUB)" ]]; then echo "run: there is no hub/main.go yet" >&2; exit 1; fi
	$(GO) build -o $(BUILD)/hub ./hub
	./$(BUILD)/hub --dir ./data

# Three hubs on loopback, each pulling the other two (a hub skips its own
# address in the shared --peer list). Ctrl-C stops all three.
MESH_HUBS ?= 3
.PHONY: mesh
mesh: ## a local mesh: hubs hub0..hub2 on RESP 6379-6381, HTTP 7379-7381, data in ./data-mesh
	@if [[ -z "$(HAVE_HUB)" ]]; then echo "mesh: there is no hub/main.go yet" >&2; exit 1; fi
	$(GO) build -o $(BUILD)/hub ./hub
	@peers=(); for ((i = 0; i < $(MESH_HUBS); i++)); do peers+=(--peer "127.0.0.1:$$((7379 + i))"); done; \
	pids=(); trap 'kill $${pids[@]} 2>/dev/null; wait' INT TERM EXIT; \
	for ((i = 0; i < $(MESH_HUBS); i++)); do \
		./$(BUILD)/hub --id "hub$$i" --listen "127.0.0.1:$$((6379 + i))" --http "127.0.0.1:$$((7379 + i))" \
			--dir "./data-mesh/hub$$i" "$${peers[@]}" & pids+=($$!); \
	done; \
	echo "mesh: $(MESH_HUBS) hubs up; try redis-cli -p 6379 SET k v, then redis-cli -p 6380 GET k (Ctrl-C stops them)"; \
	wait

.PHONY: wasm
wasm: ## build/replica.wasm (wasip1 reactor) for edge/host and wasm/js
	@if [[ -z "$(HAVE_WASM)" ]]; then echo "wasm: no wasm/replica yet, skipping"; exit 0; fi
	@mkdir -p $(BUILD)
	$(WASIP1) $(GO) build -buildmode=c-shared -o $(BUILD)/replica.wasm ./wasm/replica

# `make test` runs every stage even after one fails, times each, and fails
# at the end if any did: one CI run then reports everything that is broken.
.PHONY: test
test: ## THE test command: fmt-check, vet, test-native, race, test-wasm
	@failed=(); report=(); \
	for stage in $(TEST_STAGES); do \
		echo "=== make $$stage"; start=$$SECONDS; \
		if $(MAKE) --no-print-directory $$stage; then status=ok; else status=FAIL; failed+=($$stage); fi; \
		report+=("$$(printf '%-12s %-4s %4ds' $$stage $$status $$((SECONDS - start)))"); \
	done; \
	echo "=== make test summary"; printf '  %s\n' "$${report[@]}"; \
	if (( $${#failed[@]} )); then echo "make test: FAILED: $${failed[*]}" >&2; exit 1; fi

.PHONY: fmt-check
fmt-check: ## fail if any Go file is not gofmt -s clean
	@out="$$(gofmt -s -l $$(find . -name '*.go' -not -path './$(BUILD)/*' \
		-not -path '*/node_modules/*' -not -path '*/testdata/*'))"; \
	if [[ -n "$$out" ]]; then echo "gofmt -s needed on:"; echo "$$out"; exit 1; fi

.PHONY: fmt
fmt: ## gofmt -s -w and goimports -local
	gofmt -s -w $$(find . -name '*.go' -not -path './$(BUILD)/*' -not -path '*/node_modules/*' -not -path '*/testdata/*')
	$(GO) run $(GOIMPORTS) -local $(MODULE) -w $$(find . -name '*.go' -not -path './$(BUILD)/*' \
		-not -path '*/node_modules/*' -not -path '*/testdata/*')

.PHONY: vet
vet: ## go vet natively, and shared/ (+wasm/replica) under wasip1 and js
	$(GO) vet ./...
	$(WASIP1) $(GO) vet ./shared/... $(if $(HAVE_WASM),./wasm/replica)
	$(JSWASM) $(GO) vet ./shared/...

.PHONY: lint
lint: ## staticcheck (pinned) for native, wasip1 and js
	$(GO) run $(STATICCHECK) ./...
	$(WASIP1) $(GO) run $(STATICCHECK) ./shared/... $(if $(HAVE_WASM),./wasm/replica)
	$(JSWASM) $(GO) run $(STATICCHECK) ./shared/...

.PHONY: vulncheck
vulncheck: ## govulncheck (pinned); needs https://vuln.go.dev
	$(GO) run $(GOVULNCHECK) ./...

.PHONY: check
check: fmt vet lint ## fmt, vet, lint, go mod tidy, purity, cross-builds; fails on any git diff (vulncheck is separate: it needs vuln.go.dev)
	$(GO) mod tidy
	$(GO) test -count=1 -run '^TestPurity' ./shared
	@for p in linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64 windows/arm64; do \
		echo "cross-build $$p"; GOOS=$${p%/*} GOARCH=$${p#*/} $(GO) build ./...; done
	$(WASIP1) $(GO) build ./shared/... $(if $(HAVE_WASM),./wasm/replica)
	$(JSWASM) $(GO) build ./shared/...
	@if [[ -n "$$(git status --porcelain)" ]]; then \
		echo "check: the tree changed (run make fmt / go mod tidy and commit):"; git status --short; exit 1; fi

.PHONY: test-native
test-native: ## go test -count=1 ./... (seed corpora, laws, small sim, redis differential)
	$(GO) test -count=1 $(TESTFLAGS) ./...

.PHONY: race
race: ## go test -race on the packages with concurrency (RACE_PKGS)
	@if [[ -z "$(strip $(RACE_PKGS))" ]]; then echo "race: no concurrent packages yet"; exit 0; fi
	$(GO) test -race -count=1 $(TESTFLAGS) $(RACE_PKGS)

$(BIN)/wazero: go.mod go.sum
	@mkdir -p $(BIN)
	$(GO) build -o $@ $(WAZERO_PKG)

.PHONY: test-wasm
test-wasm: $(BIN)/wazero ## the shared/ suite under wazero (wasip1) and Node (js)
	@status=0; \
	echo "--- wasip1 (wazero $$($(BIN)/wazero version))"; \
	PATH="$(CURDIR)/$(BIN):$$PATH" $(WASIP1) GOWASIRUNTIME=wazero \
		$(GO) test -count=1 $(TESTFLAGS) $(WASM_TESTFLAGS) -exec="$(WASIP1_EXEC)" ./shared/... || status=1; \
	echo "--- js (node $$(node --version))"; \
	$(JSWASM) $(GO) test -count=1 $(TESTFLAGS) $(WASM_TESTFLAGS) -exec="$(JS_EXEC)" ./shared/... || status=1; \
	exit $$status

.PHONY: bench
bench: ## benchmarks of shared/ into build/bench/<sha>.txt (+ metadata report), then bench-hub and bench-mesh
	@mkdir -p $(BUILD)/bench
	$(GO) test -run '^$$' -bench . -benchmem -benchtime=$(BENCHTIME) -count=$(BENCH_COUNT) ./shared/... | tee $(BUILD)/bench/$(GIT_SHA).txt
	@if $(GO) test -list '^TestMetadataReport$$' ./shared/engine | grep -q '^TestMetadataReport$$'; then \
		$(GO) test -count=1 ./shared/engine -run '^TestMetadataReport$$' -v -bench.metadata; \
	else echo "bench: no TestMetadataReport yet"; fi
	@echo "compare runs with: $(GO) run $(BENCHSTAT) $(BUILD)/bench/OLD.txt $(BUILD)/bench/$(GIT_SHA).txt"
	@if [[ -n "$(HAVE_HUB)" ]]; then $(MAKE) --no-print-directory bench-hub; else echo "bench: no hub yet"; fi
	@if [[ -n "$(HAVE_HUB)" ]]; then $(MAKE) --no-print-directory bench-mesh; fi

# The hub against a real redis-server (hub/bench): redis-benchmark throughput
# and latency per command, unpipelined and pipelined, and RSS per key for 1M
# keys. Needs redis-server, redis-benchmark and taskset. Flags through
# BENCH_HUB_FLAGS, e.g. `make bench-hub BENCH_HUB_FLAGS=-quick` (a smoke run)
# or BENCH_HUB_FLAGS='-runs 5 -n 200000'; `go run ./hub/bench -h` lists them.
BENCH_HUB_FLAGS ?=

.PHONY: bench-hub
bench-hub: ## hub vs redis-server (redis-benchmark, RSS per key) into build/bench/hub-<sha>.txt
	@mkdir -p $(BUILD)/bench
	$(GO) run ./hub/bench $(BENCH_HUB_FLAGS) | tee $(BUILD)/bench/hub-$(GIT_SHA).txt

# The hub mesh (hub/bench/mesh): replication lag hub to hub at a paced
# write rate, throughput of a hub with two peers attached against a lone hub
# and redis-server, and catch-up time and bytes after a partition. Needs
# redis-server, redis-benchmark and taskset. Flags through BENCH_MESH_FLAGS,
# e.g. `make bench-mesh BENCH_MESH_FLAGS=-quick` (a smoke run) or
# BENCH_MESH_FLAGS='-peers client -rate 10000'; `go run ./hub/bench/mesh -h`
# lists them.
BENCH_MESH_FLAGS ?=

.PHONY: bench-mesh
bench-mesh: ## hub mesh: replication lag, throughput with peers vs redis, partition catch-up into build/bench/mesh-<sha>.txt
	@mkdir -p $(BUILD)/bench
	$(GO) run ./hub/bench/mesh $(BENCH_MESH_FLAGS) | tee $(BUILD)/bench/mesh-$(GIT_SHA).txt

.PHONY: fuzz
fuzz: ## run every Fuzz* target in turn for FUZZTIME (default 30s)
	@for pkg in $$($(GO) list ./...); do \
		for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
			echo "=== fuzz $$pkg $$f ($(FUZZTIME))"; \
			$(GO) test -run '^$$' -fuzz "^$$f\$$" -fuzztime $(FUZZTIME) $$pkg; \
		done; \
	done

.PHONY: sim
sim: ## long convergence simulation: TestConverge with SIM_SEEDS seeds
	$(GO) test -count=1 ./shared/engine -run TestConverge -sim.seeds=$(SIM_SEEDS) -timeout 0

.PHONY: clean
clean: ## remove build/ (never ./data)
	rm -rf $(BUILD)
