# natskit: the entry points. `make test` is what CI runs (.ci/run).

CARGO ?= cargo

.DEFAULT_GOAL := help
.PHONY: help deps test demo bench fuzz it-on-natskit-server

help:
	@echo "make deps   install what is missing (nats-server, the nats-py venv, chromium, npm ci in web/, nats.c and nats.go for natskit-bench) and check for cargo and node"
	@echo "make test   deps, then cargo fmt --check, clippy -D warnings, the package and feature checks, docs -D warnings, all tests"
	@echo "make demo   natskit demo: 4 queue responders share 100 requests on the embedded broker (nothing to install)"
	@echo "make bench  client benchmark (natskit vs async-nats, nats.c, nats.go and a raw socket), embedded broker vs nats-server, natskit bench vs natskit-bench (3 runs each), codec benchmark"
	@echo "make fuzz   every fuzz target for FUZZ_SECONDS each (default 600)"
	@echo "make it-on-natskit-server   the natskit client's it suite against natskit server, through scripts/nats-server-shim (IT_FILTER picks tests)"

deps:
	@bash scripts/install-deps.sh

test: deps
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	# rust-version, crates.io metadata, dependencies and `cargo package` of the published crates.
	python3 scripts/check-packages.py
	# Each published crate without its default features and with all of them (clippy above
	# built the defaults), then what natskit without its features says when asked for them.
	for crate in $$(python3 scripts/check-packages.py --published); do \
		$(CARGO) check --quiet -p $$crate --no-default-features && \
		$(CARGO) check --quiet -p $$crate --all-features || exit 1; \
	done
	$(CARGO) test --quiet -p natskit --no-default-features --test without_features
	# --lib: the `natskit` binary (natskit-cli) and the `natskit` library would write the same doc
	# path (cargo issue 6313).
	RUSTDOCFLAGS="-D warnings" $(CARGO) doc --workspace --no-deps --lib
	$(CARGO) test --workspace

# The embedded broker runs inside the demo: no nats-server, so no deps.
demo:
	$(CARGO) run --quiet -p natskit-cli -- demo

bench: deps
	$(CARGO) run --release -p natskit-bench -- --runs 3
	# The embedded broker (the natskit binary's `natskit server`) against nats-server.
	$(CARGO) build --release -p natskit-cli
	$(CARGO) run --release -p natskit-bench -- --brokers --runs 3
	# `natskit bench` (the command line) beside natskit-bench's natskit and async-nats.
	$(CARGO) run --release -p natskit-bench -- --cli --runs 3
	$(CARGO) bench -p natskit-proto --bench codec

FUZZ_SECONDS ?= 600
fuzz:
	for target in decode_server_ops decode_client_ops decode_broker_ops headers; do \
		bash scripts/fuzz.sh $$target $(FUZZ_SECONDS) || exit 1; \
	done

# The natskit client's integration suite (crates/natskit/tests/it), which starts servers by
# nats-server's command line and configuration files, run against natskit server: the
# `nats-server` script of scripts/nats-server-shim runs `natskit server` with the same
# arguments. Left out by default, for what natskit server does not have: failover::
# (clusters). `make it-on-natskit-server IT_FILTER=` runs them all; `IT_FILTER="pubsub request
# queue"` a part.
IT_FILTER ?= --skip failover::
it-on-natskit-server:
	$(CARGO) build -p natskit-cli
	NATSKIT_BIN=$(CURDIR)/target/debug/natskit \
	NATS_SERVER_BIN=$(CURDIR)/scripts/nats-server-shim/nats-server \
		$(CARGO) test -p natskit --test it -- $(IT_FILTER)
