# Instant Audience: every task of the project is a target here. `make help`
# lists them.

SHELL   := /bin/bash
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X github.com/instant-audience/audience/internal/app.Version=$(VERSION)
BIN     := $(CURDIR)/bin
GO      ?= go
STATICCHECK_VERSION := v0.8.2

.DEFAULT_GOAL := help

.PHONY: help
help: ## List the targets with what they do.
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z0-9_-]+:.*## / {printf "  %-14s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

.PHONY: run
run: ## Start the API on :8080 with an embedded in-memory store and the demo data.
	AUDIENCE_LOG_FORMAT=$${AUDIENCE_LOG_FORMAT:-text} $(GO) run ./cmd/audience-api

.PHONY: build
build: ## Build audience-api and audiencectl into ./bin (static, version stamped).
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN)/ ./cmd/...

.PHONY: test
test: lint ## Lint, then run every test with the race detector (real Redis tests included).
	$(GO) test -race -count=1 -timeout 15m ./...

.PHONY: test-short
test-short: ## Run the fast tests only (miniredis, no redis-server processes).
	$(GO) test -race -count=1 -short ./...

.PHONY: lint
lint: $(BIN)/staticcheck ## Check formatting, go vet and staticcheck.
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$unformatted" ]; then echo "gofmt would change: $$unformatted"; exit 1; fi
	$(GO) vet ./...
	$(BIN)/staticcheck ./...

$(BIN)/staticcheck:
	GOBIN=$(BIN) $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

.PHONY: fmt
fmt: ## Format every Go file.
	gofmt -w $$(git ls-files '*.go')

.PHONY: cover
cover: ## Run the tests with coverage and print the total.
	$(GO) test -count=1 -coverprofile=cover.out ./... && $(GO) tool cover -func=cover.out | tail -1

.PHONY: clean
clean: ## Remove build output.
	rm -rf $(BIN) cover.out
