# Instant Audience: every task of the project is a target here. `make help`
# lists them.

SHELL   := /bin/bash
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X github.com/instant-audience/audience/internal/app.Version=$(VERSION)
BIN     := $(CURDIR)/bin
GO      ?= go
STATICCHECK_VERSION := v0.8.2
HELM_VERSION        := v4.3.2
DOCKERFILE_UTILS_VERSION := 0.16.3
DOCKERFILELINT_VERSION   := 1.8.0
IMAGE   ?= instant-audience/audience:$(VERSION)
# The container engine: docker, else podman.
ENGINE  ?= $(shell command -v docker 2>/dev/null || command -v podman 2>/dev/null)

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

.PHONY: test-push
test-push: cluster-tools ## Push 400,000 users through 3 local replicas and measure users/s (about 2 min).
	AUDIENCE_PUSH_LARGE=1 $(GO) test -count=1 -v -timeout 15m \
	  -run 'TestPushThroughCluster|TestPushThroughput' ./internal/push/

# The fault tests: three replicas behind haproxy, on redis-server or a
# Sentinel group, under load; faults, abuse and hostile input; every
# acknowledged membership read back. FAULTS=TestName runs some of them.
FAULTS ?= .

.PHONY: test-faults
test-faults: cluster-tools ## Fault, abuse and durability tests against 3 replicas under load (about 6 min; FAULTS=Name).
	AUDIENCE_FAULTS=1 $(GO) test -count=1 -v -timeout 20m -run '$(FAULTS)' ./internal/faults/

# Each fuzz target runs FUZZTIME, seeded from the contract's examples.
FUZZTIME ?= 20s

.PHONY: fuzz
fuzz: ## Fuzz the POST body parser and the user id normaliser, FUZZTIME (20s) each.
	$(GO) test -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZTIME) ./internal/rtsegment/
	$(GO) test -run '^$$' -fuzz '^FuzzNormalizeUser$$' -fuzztime $(FUZZTIME) ./internal/rtsegment/

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

.PHONY: image
image: ## Build the container image with docker or podman, whichever exists (IMAGE=name:tag).
	@if [ -z "$(ENGINE)" ]; then echo "neither docker nor podman is installed"; exit 1; fi
	$(ENGINE) build --build-arg VERSION=$(VERSION) \
	  --build-arg REVISION=$$(git rev-parse HEAD 2>/dev/null || echo unknown) \
	  --build-arg CREATED=$$(date -u +%Y-%m-%dT%H:%M:%SZ) -t $(IMAGE) .

.PHONY: lint-deploy
lint-deploy: $(BIN)/helm $(BIN)/npm/node_modules/.bin/dockerfile-utils ## Lint the Dockerfile, the Helm chart and the manifests (offline).
	$(BIN)/npm/node_modules/.bin/dockerfile-utils lint Dockerfile
	$(BIN)/npm/node_modules/.bin/dockerfilelint Dockerfile
	$(BIN)/helm lint --strict helm/audience
	@for f in helm/audience/ci/*-values.yaml; do \
	  echo "helm lint --strict -f $$f"; $(BIN)/helm lint --strict --quiet helm/audience -f $$f || exit 1; \
	done
	AUDIENCE_REQUIRE_HELM=1 $(GO) test -count=1 ./internal/deploy/

.PHONY: helm
helm: $(BIN)/helm ## Install helm into ./bin when missing (about 2 minutes and 1.3 GB of memory, once).

$(BIN)/helm:
	GOBIN=$(BIN) $(GO) install helm.sh/helm/v4/cmd/helm@$(HELM_VERSION)

$(BIN)/npm/node_modules/.bin/dockerfile-utils:
	npm install --silent --no-audit --no-fund --prefix $(BIN)/npm \
	  dockerfile-utils@$(DOCKERFILE_UTILS_VERSION) dockerfilelint@$(DOCKERFILELINT_VERSION)

# The local multi-replica deployment keeps its binaries, logs, Redis data
# and state in bin/cluster. redis-server and haproxy come from Debian's
# packages, installed when missing (as root, or through sudo).
CLUSTER_DIR    ?= $(BIN)/cluster
CLUSTER_LISTEN ?= 127.0.0.1:8088

.PHONY: cluster-tools
cluster-tools:
	@missing=(); command -v redis-server >/dev/null || missing+=(redis-server); \
	  command -v haproxy >/dev/null || [ -x /usr/sbin/haproxy ] || missing+=(haproxy); \
	  if [ $${#missing[@]} -gt 0 ]; then \
	    sudo=; [ "$$(id -u)" -eq 0 ] || sudo=sudo; \
	    echo "installing $${missing[*]}"; \
	    $$sudo apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq "$${missing[@]}"; \
	  fi

.PHONY: cluster-up
cluster-up: cluster-tools ## Start redis-server, 3 API replicas built from this tree and haproxy on CLUSTER_LISTEN (127.0.0.1:8088).
	$(GO) run ./loadtest/cluster up -dir $(CLUSTER_DIR) -listen $(CLUSTER_LISTEN)

.PHONY: cluster-check
cluster-check: ## Offer 3x each rate limit to the running cluster for 10 s; print accepted vs expected.
	$(GO) run ./loadtest/cluster check -dir $(CLUSTER_DIR)

.PHONY: cluster-down
cluster-down: ## Stop everything cluster-up started.
	$(GO) run ./loadtest/cluster down -dir $(CLUSTER_DIR)

# Load tests and benchmarks (loadtest/README.md). The bench starts its
# own redis-server, replicas and haproxy on loopback ports, like
# cluster-up, and stops them when it is done.
K6_DIR := loadtest/k6

.PHONY: bench
bench: cluster-tools ## Measure the service here and print one table: throughput, latency, memory (about 2 min).
	$(GO) run ./loadtest/bench

.PHONY: bench-smoke
bench-smoke: cluster-tools ## The same bench, briefly (under a minute): CI's smoke test; fails on wrong results, not on speed.
	$(GO) run ./loadtest/bench -short

.PHONY: bench-go
bench-go: ## Go benchmarks of the hot paths with -benchmem (parse, token check, limiter, store apply, handlers).
	$(GO) test -run '^$$' -bench . -benchmem ./internal/rtsegment/ ./internal/auth/ \
	  ./internal/limits/ ./internal/store/ ./internal/app/

.PHONY: k6-check
k6-check: $(K6_DIR)/node_modules/.bin/tsc ## Type-check the k6 scripts of loadtest/k6 with @types/k6 and TypeScript.
	cd $(K6_DIR) && ./node_modules/.bin/tsc -p tsconfig.json

$(K6_DIR)/node_modules/.bin/tsc: $(K6_DIR)/package.json $(K6_DIR)/package-lock.json
	npm ci --silent --no-audit --no-fund --prefix $(K6_DIR)
	@touch $@

.PHONY: clean
clean: ## Remove build output.
	rm -rf $(BIN) cover.out
