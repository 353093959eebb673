# natskit: the entry points. `make test` is what CI runs (.ci/run).

CARGO ?= cargo

.DEFAULT_GOAL := help
.PHONY: help deps test demo bench fuzz

help:
	@echo "make deps   install what is missing (nats-server, the nats-py venv, chromium, npm ci in web/) and check for cargo and node"
	@echo "make test   deps, then cargo fmt --check, clippy -D warnings, the package and feature checks, docs -D warnings, all tests"
	@echo "make demo   natskit demo: 4 queue responders share 100 requests on the embedded broker (nothing to install)"
	@echo "make bench  client benchmark (natskit vs async-nats vs raw socket), embedded broker vs nats-server, natskit bench vs natskit-bench (3 runs each), codec benchmark"
	@echo "make fuzz   every fuzz target for FUZZ_SECONDS each (default 600)"

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
