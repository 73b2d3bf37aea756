# provscope — make help lists the targets.

GO            ?= go
BIN           ?= bin/provscope
# Real clients (cosign, rekor-cli, crane) and dev tools, cached by version.
TOOLS_DIR     ?= $(CURDIR)/.tools
FUZZ_TIME     ?= 30s
# A count, not a duration: a duration this short trips the fuzz
# coordinator's own deadline ("context deadline exceeded") on a busy machine.
FUZZ_SHORT    ?= 1000x
BENCH_TIME    ?= 1s
BENCH_SIZE    ?= 100000
VERSION       ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS       := -X github.com/provscope/provscope/internal/cli.version=$(VERSION)
# Runs `go test -json`, shows failures as text, prints
# "tests: N passed, N failed, N skipped" and fails on a skip that
# cmd/testsummary/allow.go does not allow.
TESTSUMMARY   := bin/testsummary
# The packages with goroutines, locks or servers of their own, run under the
# race detector by `make test` (RACE_PKGS=./... for everything).
RACE_PKGS     ?= ./rekor/server/ ./ui/ ./ui/sshui/ ./ui/backend/ ./registry/ ./inspect/ ./internal/loadgen/

# timed,NAME,COMMAND runs COMMAND, then prints how long it took; the exit
# status is COMMAND's.
timed = t0=$$(date +%s); $(2); rc=$$?; echo "$(1): $$(( $$(date +%s) - t0 ))s (exit $$rc)"; exit $$rc

export PROVSCOPE_TOOLS := $(TOOLS_DIR)/bin
export PATH := $(TOOLS_DIR)/bin:$(PATH)

.DEFAULT_GOAL := help

.PHONY: help
help: ## Show this help
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  \033[36m%-14s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

.PHONY: build
build: ## Build bin/provscope
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) .

.PHONY: run
run: build ## Build and open the explorer (ARGS=… for arguments)
	./$(BIN) $(ARGS)

.PHONY: demo
demo: build ## Start the offline demo world and open the explorer on it
	./$(BIN) demo

.PHONY: learn
learn: build ## Open the teaching mode (RFC 6962 trees you can grow and break)
	./$(BIN) learn

.PHONY: tools
tools: ## Build cosign, rekor-cli, crane, tessera-posix and tessera-fsck into TOOLS_DIR (cached by version)
	TOOLS_DIR=$(TOOLS_DIR) scripts/install-tools.sh

.PHONY: testsummary
testsummary: ## Build bin/testsummary (the go test -json summariser the test targets use)
	$(GO) build -o $(TESTSUMMARY) ./cmd/testsummary

.PHONY: test
test: tools testsummary ## Run the whole suite: vet, unit, real-world, interop (real cosign/rekor-cli/crane), race, every benchmark once, short fuzz runs; any skip not in cmd/testsummary/allow.go fails
	$(GO) vet ./...
	@$(call timed,test-all,PROVSCOPE_REQUIRE_TOOLS=1 $(TESTSUMMARY) -- $(GO) test -json -vet=off -count=1 -timeout 30m ./...)
	PROVSCOPE_REQUIRE_TOOLS=1 $(MAKE) --no-print-directory test-race test-bench
	@$(call timed,fuzz-short,FUZZ_TIME=$(FUZZ_SHORT) scripts/fuzz.sh)

.PHONY: test-short
test-short: testsummary ## Unit tests in -short mode (no tools needed; tool and long tests skip, as allow.go permits)
	@$(call timed,test-short,$(TESTSUMMARY) -short -- $(GO) test -json -short -count=1 ./...)

.PHONY: test-race
test-race: testsummary ## Run the concurrent packages (RACE_PKGS) with the race detector
	@$(call timed,test-race,$(TESTSUMMARY) -- $(GO) test -json -race -count=1 -timeout 30m $(RACE_PKGS))

.PHONY: test-bench
test-bench: testsummary ## Run every benchmark once (-benchtime 1x) so that their verdict checks execute
	@$(call timed,test-bench,$(TESTSUMMARY) -- $(GO) test -json -count=1 -timeout 30m -run '^$$' -bench . -benchtime 1x ./...)

.PHONY: fuzz
fuzz: ## Run every fuzz target for FUZZ_TIME each
	FUZZ_TIME=$(FUZZ_TIME) scripts/fuzz.sh

.PHONY: bench
bench: ## Run the benchmarks and print their figures
	$(GO) test -run '^$$' -bench . -benchmem -benchtime $(BENCH_TIME) ./...

.PHONY: bench-log
bench-log: ## Load-test the embedded log over loopback (BENCH_SIZE entries)
	BENCH_SIZE=$(BENCH_SIZE) scripts/bench-log.sh

.PHONY: bench-floor
bench-floor: ## Measure what a batched write cannot avoid here (ECDSA, HTTP, storage alone, storage filled to BENCH_SIZE)
	$(GO) run ./cmd/provscope-loadgen -floor -size $(BENCH_SIZE)

.PHONY: real-rekor-test
real-rekor-test: ## Every pipeline command against a real rekor-server v1.5.4 + Trillian + MariaDB on loopback (apt mariadb-server); a skip fails
	@dir=$$(mktemp -d /tmp/provscope-real-rekor.XXXXXX); \
	TOOLS_DIR=$(TOOLS_DIR) scripts/real-rekor.sh start "$$dir" || { scripts/real-rekor.sh stop "$$dir"; rm -rf "$$dir"; exit 1; }; \
	. "$$dir/env"; \
	$(GO) build -o $(TESTSUMMARY) ./cmd/testsummary && \
	PROVSCOPE_REAL_REKOR_REQUIRED=1 PROVSCOPE_REAL_REKOR=$$REKOR_URL PROVSCOPE_REAL_REKOR_KEY=$$REKOR_KEY \
		$(TESTSUMMARY) -- $(GO) test -json -count=1 -run '^TestRealRekor$$' ./internal/cli ; rc=$$?; \
	scripts/real-rekor.sh stop "$$dir"; rm -rf "$$dir"; exit $$rc

.PHONY: lint
lint: ## Run golangci-lint (installed into TOOLS_DIR)
	TOOLS_DIR=$(TOOLS_DIR) scripts/install-tools.sh lint
	golangci-lint run ./...

.PHONY: fmt
fmt: ## Format the code (gofmt -s; golangci-lint fmt when installed)
	gofmt -s -w $$(git ls-files '*.go')
	@if command -v golangci-lint >/dev/null; then golangci-lint fmt ./...; fi

.PHONY: golden
golden: ## Rewrite the UI goldens and the README world table after an intended change (review the diff!)
	$(GO) test ./ui/ ./ui/learn/ ./demo/ -update

.PHONY: screenshots
screenshots: build ## Render the TUI flows into screenshots/*.png
	TOOLS_DIR=$(TOOLS_DIR) scripts/install-tools.sh freeze
	scripts/screenshots.sh
	@if [ -x scripts/screenshots-learn.sh ]; then scripts/screenshots-learn.sh; fi

.PHONY: ssh-e2e
ssh-e2e: build ## Drive a real OpenSSH client in tmux against provscope ssh (screens into .data/ssh-e2e)
	PROVSCOPE_BIN=$(BIN) scripts/ssh-e2e.sh .data/ssh-e2e

.PHONY: clean
clean: ## Remove build output (keeps the cached tools)
	rm -rf bin
