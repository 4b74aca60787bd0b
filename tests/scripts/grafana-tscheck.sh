#!/usr/bin/env bash
# grafana-tscheck.sh FILE.json: type-check one Grafana dashboard JSON against the
# `Dashboard` TypeScript type of @grafana/schema (installed by install-test-tools.sh
# into $INFRAGEN_TOOLS/grafana, default <repo>/.tools/grafana).
#
# The JSON is wrapped as `export const d = (<json>) satisfies J<Dashboard>;` and checked
# with `tsc --strict --noEmit`: wrong types, unknown enum values and unknown keys fail.
# J<T> maps string enums (e.g. ThresholdsMode) to their literal values so that plain
# JSON strings such as "absolute" are accepted where the type says ThresholdsMode.
#
# Exit: 0 valid; 1 type errors (tsc output on stdout); 2 usage or unreadable/invalid
# JSON; 3 the type-checker is not installed.
set -euo pipefail

if [ "$#" -ne 1 ]; then
  echo "usage: $0 DASHBOARD.json" >&2
  exit 2
fi
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
TSDIR=${INFRAGEN_TOOLS:-$ROOT/.tools}/grafana
TSC=$TSDIR/node_modules/.bin/tsc
FILE=$1

if [ ! -x "$TSC" ] || [ ! -d "$TSDIR/node_modules/@grafana/schema" ]; then
  echo "grafana-tscheck: $TSC or @grafana/schema not installed (run tests/scripts/install-test-tools.sh)" >&2
  exit 3
fi
if [ ! -r "$FILE" ]; then
  echo "grafana-tscheck: cannot read $FILE" >&2
  exit 2
fi
# Plain JSON first: a syntax error would otherwise surface as a confusing TS error.
if ! node -e 'JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"))' "$FILE" 2>/dev/null; then
  echo "grafana-tscheck: $FILE is not valid JSON" >&2
  exit 2
fi

# The check file must live under $TSDIR so that '@grafana/schema' resolves from node_modules.
WORK=$(mktemp -d "$TSDIR/check.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
{
  echo "import type { Dashboard } from '@grafana/schema';"
  # shellcheck disable=SC2016 # a TypeScript template literal type, not a shell expansion
  echo 'type J<T> = T extends string ? `${T}` : T extends (infer U)[] ? J<U>[] : T extends object ? { [K in keyof T]: J<T[K]> } : T;'
  printf 'export const d = ('
  cat "$FILE"
  echo ') satisfies J<Dashboard>;'
} >"$WORK/dashboard.ts"

rc=0
(cd "$TSDIR" && timeout 120 "$TSC" --noEmit --strict --skipLibCheck --pretty false \
  --moduleResolution bundler --module esnext --target es2022 "$WORK/dashboard.ts") || rc=$?
if [ "$rc" -ne 0 ]; then
  echo "grafana-tscheck: $FILE does not type-check as a Grafana Dashboard (tsc exit $rc; line L of the JSON is line L+2 of dashboard.ts)" >&2
  exit 1
fi
