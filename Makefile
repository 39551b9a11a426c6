# upsertbench — see README.md. Needs only Go; every tool below comes from the Go module proxy.
GO      ?= go
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X main.version=$(VERSION)
BIN     := bin/upsertbench

.PHONY: build test bench lint run nightly
build:
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/upsertbench

# examples/ is a module of its own that uses the public Go API the way a
# user's repository does; its tests run with ours.
test:
	$(GO) test -race -count=1 ./...
	cd examples && $(GO) test -race -count=1 ./...

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...
	GO=$(GO) ./scripts/bench-load.sh

# actionlint is pinned here, not in go.mod: `go run module@version` builds it
# from the module proxy without touching go.mod/go.sum. It runs shellcheck
# on the workflow's run: scripts when shellcheck is on PATH, and skips that
# part quietly when it is not.
ACTIONLINT ?= github.com/rhysd/actionlint/cmd/actionlint@v1.7.12

# The binary is built for linux/amd64 and linux/arm64 (image.yml), and users
# `go install` it on macOS and Windows: vet type-checks every package and
# test there too, so a Unix-only call (getrusage, mprotect) fails here.
LINT_PLATFORMS ?= linux/arm64 darwin/arm64 windows/amd64

lint:
	@bad=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$bad" ]; then echo "gofmt would change: $$bad"; exit 1; fi
	$(GO) vet ./...
	@for p in $(LINT_PLATFORMS); do echo "GOOS=$${p%/*} GOARCH=$${p#*/} go vet ./..."; \
	  GOOS=$${p%/*} GOARCH=$${p#*/} $(GO) vet ./... || exit 1; done
	cd examples && $(GO) vet ./... && $(GO) mod tidy -diff
	$(GO) run $(ACTIONLINT) .github/workflows/*.yml

# The main job: emulator in-process, contract suite, smoke load scenario,
# everything under ./out/run-<time>/. RUN_FLAGS passes more flags
# (e.g. RUN_FLAGS="--target https://api.hubapi.com --allow-remote").
run: build
	$(BIN) run $(RUN_FLAGS)

# What .github/workflows/nightly.yml does, locally: contract suite + the
# $(NIGHTLY_SCENARIO) scenario (against $$UPSERTBENCH_TARGET when set, else
# the emulator), the history in out/history.jsonl, and a regression check
# against out/last-good/summary.json, which is replaced only on a pass.
NIGHTLY_SCENARIO ?= steady
nightly: build
	@set -e; dir="out/nightly-$$(date -u +%Y%m%dT%H%M%SZ)"; base=""; \
	if [ -f out/last-good/summary.json ]; then base="--baseline out/last-good/summary.json"; fi; \
	if $(BIN) run --scenario $(NIGHTLY_SCENARIO) --out "$$dir" --history out/history.jsonl $$base $(RUN_FLAGS); then \
	  mkdir -p out/last-good && cp "$$dir/summary.json" out/last-good/summary.json; \
	  echo "nightly passed: $$dir/summary.json is the new baseline (out/last-good/summary.json)"; \
	else rc=$$?; echo "nightly failed (exit $$rc): out/last-good/summary.json kept"; exit $$rc; fi
