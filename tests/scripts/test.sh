#!/usr/bin/env bash
# test.sh [ARGS...]: the project's one test command (CI runs it through .ci/run).
#   1. tests/scripts/install-test-tools.sh (idempotent; a few seconds when all is present)
#   2. .tools/bin on PATH, INFRAGEN_TOOLS exported for tests/support/tools.rs
#   3. cargo fmt --check; cargo clippy --all-targets -- -D warnings; cargo test ARGS...
#   4. the live proofs (docs/live-tests.md): INFRAGEN_LIVE=1 cargo test --test live_patroni
#      --test live_ipsec, one at a time (real etcd/Patroni/PostgreSQL/HAProxy and charon
#      in private network namespaces; about 40 s). Skipped when ARGS are given, so
#      `tests/scripts/test.sh SOME_FILTER` stays a quick targeted run.
# Works from any directory. INFRAGEN_TOOLS, if already set, chooses the tools dir
# (default <repo>/.tools) for both the installer and the tests.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.."
export INFRAGEN_TOOLS="${INFRAGEN_TOOLS:-$PWD/.tools}"

bash tests/scripts/install-test-tools.sh

export PATH="$INFRAGEN_TOOLS/bin:$PATH"
export CHECKPOINT_DISABLE=1   # terraform: no update check (no network here)

echo "==> cargo fmt --check"
cargo fmt --check
echo "==> cargo clippy --all-targets -- -D warnings"
cargo clippy --all-targets -- -D warnings
echo "==> cargo test $*"
cargo test "$@"
if [ "$#" -eq 0 ]; then
  echo "==> INFRAGEN_LIVE=1 cargo test --test live_patroni --test live_patroni_tls --test live_ipsec"
  INFRAGEN_LIVE=1 cargo test --test live_patroni --test live_patroni_tls --test live_ipsec -- --nocapture --test-threads=1
fi
