# upsertbench — see README.md. Needs only Go; every tool below comes from the Go module proxy.
GO      ?= go
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X main.version=$(VERSION)
BIN     := bin/upsertbench

.PHONY: build test bench lint run
build:
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/upsertbench

test:
	$(GO) test -race -count=1 ./...

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

lint:
	@bad=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$bad" ]; then echo "gofmt would change: $$bad"; exit 1; fi
	$(GO) vet ./...

run: build
	$(BIN) generate --size 3 --seed 1
	$(BIN) spec > /dev/null && echo "embedded OpenAPI document OK"
