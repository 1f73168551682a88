# Developer shortcuts. `make test` is the one command that runs the whole suite (it starts throwaway
# PostgreSQL and Redis when BATON_TEST_DATABASE_URL / BATON_TEST_REDIS_URL are not set).

GO      ?= go
BIN     ?= baton
IMAGE   ?= baton:dev
PKGS    ?= ./...

.PHONY: all build run test test-quick vet fmt fmt-check fuzz docker compose-up compose-down clean help

all: build

help: ## list targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

build: ## build ./baton (static, no cgo)
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags='-s -w' -o $(BIN) ./cmd/baton

run: ## run the server with embedded defaults (SQLite, in-process Redis, Lark emulator)
	$(GO) run ./cmd/baton serve

test: ## the whole suite: gofmt, vet, race tests on real PostgreSQL and Redis, fuzzing
	scripts/test.sh $(ARGS)

test-quick: ## unit tests only: no services started, no race detector, no fuzzing
	$(GO) test -count=1 $(PKGS)

vet: ## go vet
	$(GO) vet $(PKGS)

fmt: ## gofmt -w every Go file
	gofmt -w $$(find . -name '*.go' -not -path './.git/*' -not -path '*/testdata/*')

fmt-check: ## fail when a Go file is not gofmt-formatted
	@out=$$(gofmt -l $$(find . -name '*.go' -not -path './.git/*' -not -path '*/testdata/*')); \
	if [ -n "$$out" ]; then echo "$$out"; exit 1; fi

fuzz: ## fuzzing only, BATON_FUZZTIME per target (default 10s)
	BATON_FUZZTIME=$${BATON_FUZZTIME:-10s} scripts/test.sh -run '^$$' $(PKGS)

docker: ## build the container image
	docker build -t $(IMAGE) .

compose-up: ## PostgreSQL, Redis and Baton with docker compose
	docker compose up --build -d

compose-down:
	docker compose down

clean: ## remove the binary and coverage files
	rm -f $(BIN) coverage.out coverage.html *.coverprofile
