# natskit: the entry points. `make test` is what CI runs (.ci/run).

CARGO ?= cargo

.DEFAULT_GOAL := help
.PHONY: help deps test demo

help:
	@echo "make deps   install what is missing (nats-server) and check for cargo"
	@echo "make test   deps, then cargo fmt --check, clippy -D warnings, docs -D warnings, all tests"
	@echo "make demo   4 queue responders answer 100 requests (scripts/demo.sh)"

deps:
	@bash scripts/install-deps.sh

test: deps
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	# --lib: the `natskit` binary (natskit-cli) and the `natskit` library would write the same doc
	# path (cargo issue 6313).
	RUSTDOCFLAGS="-D warnings" $(CARGO) doc --workspace --no-deps --lib
	$(CARGO) test --workspace

demo: deps
	bash scripts/demo.sh

# Room for more entry points (fuzz, bench); see README.md for the commands they wrap.
