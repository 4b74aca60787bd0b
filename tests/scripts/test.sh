#!/usr/bin/env bash
# test.sh [ARGS...]: the project's one test command (CI runs it through .ci/run).
#   1. tests/scripts/install-test-tools.sh (idempotent; a few seconds when all is present)
#   2. .tools/bin on PATH, INFRAGEN_TOOLS exported for tests/support/tools.rs
#   3. cargo fmt --check; cargo clippy --all-targets -- -D warnings
#   4. every test but the live ones, INCLUDING the #[ignore]d ones that need an
#      external tool (`-- --include-ignored`): a tool missing here fails its test.
#      Plain `cargo test` lists those as "ignored (needs <tool>: ...)", never "ok".
#      Then the doc tests, and the criterion benches once each in test mode (their
#      setups assert that the specs they time lint clean).
#   5. the live proofs (docs/live-tests.md): INFRAGEN_LIVE=1 cargo test --test live_… for
#      every tests/live_*.rs, -- --include-ignored, one test at a time (real daemons in
#      private network namespaces).
# With ARGS, steps 4-5 are replaced by `cargo test ARGS...` (a quick targeted run;
# add `-- --include-ignored` to run the tool tests it selects).
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
if [ "$#" -gt 0 ]; then
  echo "==> cargo test $*"
  cargo test "$@"
  exit 0
fi
# Every test target except tests/live_*.rs, which step 5 runs with the flag.
targets=(--lib --bins --examples)
for f in tests/*.rs; do
  name="$(basename "$f" .rs)"
  case "$name" in live_*) ;; *) targets+=(--test "$name") ;; esac
done
echo "==> cargo test ${targets[*]} -- --include-ignored"
cargo test "${targets[@]}" -- --include-ignored
echo "==> cargo test --doc"
cargo test --doc
echo "==> cargo test --bench lint (each benchmark once)"
cargo test --bench lint
# Every tests/live_*.rs, one test at a time (they start real daemons).
live=()
for f in tests/live_*.rs; do live+=(--test "$(basename "$f" .rs)"); done
echo "==> INFRAGEN_LIVE=1 cargo test ${live[*]} -- --include-ignored"
INFRAGEN_LIVE=1 cargo test "${live[@]}" -- --include-ignored --nocapture --test-threads=1
