# Vigil: `make run` and `make test` do all the set-up on a fresh machine.
SHELL := /bin/bash
export PATH := /opt/swift/usr/bin:$(PATH)

SWIFT ?= swift
RELEASE_BIN = .build/release/vigil
DEBUG_BIN = .build/debug/vigil

.PHONY: bootstrap build run test bench docs check-docs clean

bootstrap:
	@./scripts/bootstrap

build: bootstrap
	$(SWIFT) build -c release --product vigil

# The main job: for now the interactive SQL shell over the live OS.
run: build
	$(RELEASE_BIN) shell

# Unit and integration tests (privileged ones run as root; in CI a skip is a failure),
# then a check that the generated docs are current.
test: bootstrap
	$(SWIFT) build --build-tests
	VIGIL_BIN=$(abspath $(DEBUG_BIN)) $(SWIFT) test --skip-build
	$(MAKE) --no-print-directory check-docs

# Benchmarks: package-benchmark suites and the peer comparison scripts.
bench: build
	cd Benchmarks && $(SWIFT) package --allow-writing-to-package-directory benchmark --no-progress
	./Benchmarks/scripts/compare-processes.sh $(RELEASE_BIN)
	./Benchmarks/scripts/compare-hash.sh $(RELEASE_BIN)

# Regenerate docs/tables.md from the table schemas.
docs:
	$(SWIFT) build --product vigil
	$(DEBUG_BIN) tables --markdown > docs/tables.md

check-docs:
	@$(DEBUG_BIN) tables --markdown | diff -u docs/tables.md - \
	  || { echo "docs/tables.md is stale: run 'make docs' and commit it" >&2; exit 1; }

clean:
	rm -rf .build Benchmarks/.build
