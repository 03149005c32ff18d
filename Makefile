# Vigil: `make run` and `make test` do all the set-up on a fresh machine.
SHELL := /bin/bash
export PATH := /opt/swift/usr/bin:$(PATH)

SWIFT ?= swift
RELEASE_BIN = .build/release/vigil
DEBUG_BIN = .build/debug/vigil
# Man pages: swift-argument-parser's generate-manual (the tool behind its plugin) run on a
# built binary, so the pages describe that binary; dated by the last commit, so the same
# source gives the same pages. (The plugin itself would build every product again in its
# own configuration: a second release compile of about 16 minutes here.)
MAN_DIR = .build/man
MAN_DATE := $(shell git log -1 --format=%cs 2>/dev/null || date +%F)
define generate_manual
	$(SWIFT) build --product generate-manual
	rm -rf $(MAN_DIR) && mkdir -p $(MAN_DIR)
	$$($(SWIFT) build --show-bin-path)/generate-manual $(1) --multi-page --date $(MAN_DATE) --output-directory $(MAN_DIR)
endef

.PHONY: bootstrap build run test bench docs man package vmlinux proto clean

bootstrap:
	@./scripts/bootstrap

# Release binary with the Swift runtime linked in: it runs on hosts without a
# Swift toolchain, and starts faster (no runtime libraries to load and relocate).
build: bootstrap
	$(SWIFT) build -c release --product vigil --static-swift-stdlib

# The main job: `vigil up`, a fleet server with its embedded database and a local agent
# enrolled to it over HTTPS; state under ./vigil-data (Ctrl-C stops both).
run: build
	$(RELEASE_BIN) up --data-dir ./vigil-data

# Unit and integration tests (privileged ones run as root; in CI a skip is a failure).
# DocsTests checks that docs/tables.md is current.
test: bootstrap
	$(SWIFT) build --build-tests
	$(SWIFT) build --product protoc-gen-swift  # for the test that profile.pb.swift is current
	$(call generate_manual,$(DEBUG_BIN))  # for the man page and package tests
	@# CI shows only the tail of the output: repeat every failure there.
	@set -o pipefail; VIGIL_BIN=$(abspath $(DEBUG_BIN)) VIGIL_MAN_DIR=$(abspath $(MAN_DIR)) $(SWIFT) test --skip-build 2>&1 | tee .build/test.log; \
	status=$$?; if [ $$status -ne 0 ]; then echo "=== failures (from .build/test.log) ==="; \
	grep -A4 -E '✘|error:|Fatal error|Crash' .build/test.log | grep -v -E '^✔|^◇' | head -80; fi; exit $$status

# Benchmarks: package-benchmark suites and the peer comparison scripts.
bench: build
	cd Benchmarks && $(SWIFT) package --allow-writing-to-package-directory benchmark --no-progress
	./Benchmarks/scripts/compare-processes.sh $(RELEASE_BIN)
	./Benchmarks/scripts/compare-hash.sh $(RELEASE_BIN)
	./Benchmarks/scripts/memory-flat.sh $(RELEASE_BIN)
	./Benchmarks/scripts/trace-process-overhead.sh $(RELEASE_BIN)
	./Benchmarks/scripts/trace-open-overhead.sh $(RELEASE_BIN)
	./Benchmarks/scripts/profile-overhead.sh $(RELEASE_BIN)
	./Benchmarks/scripts/profile-accuracy.sh $(RELEASE_BIN)
	./Benchmarks/scripts/agent-idle.sh $(RELEASE_BIN)
	./Benchmarks/scripts/fim-overhead.sh $(RELEASE_BIN)
	./Benchmarks/scripts/profile-exec-churn.sh 3 3000 $(RELEASE_BIN)
	./Benchmarks/scripts/profile-exit-areas.sh "10 990 2000 60000" $(RELEASE_BIN)
	./Benchmarks/scripts/agent-idle.sh $(RELEASE_BIN) 600 enrolled
	./Benchmarks/scripts/fleet-load.sh $(RELEASE_BIN)
	./Benchmarks/scripts/webui-hosts.sh $(RELEASE_BIN)

# Regenerate docs/tables.md from the table schemas.
docs:
	$(SWIFT) build --product vigil
	$(DEBUG_BIN) tables --markdown > docs/tables.md

# Man pages for vigil and each subcommand (vigil.1, vigil.agent.1, vigil.server.serve.1, …)
# in $(MAN_DIR), from the commands' own definitions.
man: bootstrap
	$(SWIFT) build --product vigil
	$(call generate_manual,$(DEBUG_BIN))

# The Debian package (.build/vigil_VERSION_ARCH.deb): the release binary, systemd units
# for the agent and the server, /etc/vigil, man pages, completions.
package: build
	$(call generate_manual,$(RELEASE_BIN))
	./scripts/package-deb $(RELEASE_BIN) $(MAN_DIR) .build

# Regenerate bpf/vmlinux.h (the kernel's types, for CO-RE) from this machine's BTF.
# It is committed so builds do not depend on the build host's kernel.
vmlinux: bootstrap
	bpftool btf dump file /sys/kernel/btf/vmlinux format c > bpf/vmlinux.h

# Regenerate Sources/VigilProfileFormats/Proto/profile.pb.swift (committed) from profile.proto
# with protoc and swift-protobuf's plugin, built from the resolved dependency.
proto: bootstrap
	$(SWIFT) build --product protoc-gen-swift
	protoc --plugin=protoc-gen-swift=$$($(SWIFT) build --show-bin-path)/protoc-gen-swift \
		--swift_opt=Visibility=Public \
		--swift_out=Sources/VigilProfileFormats/Proto --proto_path=Sources/VigilProfileFormats/Proto profile.proto

clean:
	rm -rf .build Benchmarks/.build
