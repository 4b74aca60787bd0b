#!/usr/bin/env python3
"""validate-sarif.py FILE [--schema SCHEMA]: validate a SARIF log against SARIF 2.1.0.

The schema is the official OASIS SARIF 2.1.0 JSON schema (errata01), vendored at
tests/fixtures/sarif-schema-2.1.0.json (see tests/fixtures/README.md), so this runs
offline. The validator class is the one for the draft the schema declares in
"$schema" (draft-04 for the OASIS file), with format checking (uri, uri-reference,
date-time, ...) as far as the installed jsonschema extras support it.

jsonschema comes from the venv that tests/scripts/install-test-tools.sh makes at
$INFRAGEN_TOOLS/py-venv (default <repo>/.tools/py-venv); when this script is started
with another interpreter it re-executes itself with that venv's python (falling back to the current interpreter's jsonschema
only when the venv does not exist).

Exit: 0 valid; 1 invalid (each error printed as "path: message"); 2 usage, unreadable
file or not JSON; 3 jsonschema not installed.
"""

import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
TOOLS = Path(os.environ.get("INFRAGEN_TOOLS") or ROOT / ".tools")
VENV_PYTHON = TOOLS / "py-venv" / "bin" / "python"
DEFAULT_SCHEMA = ROOT / "tests" / "fixtures" / "sarif-schema-2.1.0.json"


def import_jsonschema():
    # Prefer the pinned venv (with the format extras) over whatever python started us.
    in_venv = Path(sys.prefix).resolve() == VENV_PYTHON.parent.parent.resolve()
    if VENV_PYTHON.exists() and not in_venv:
        os.execv(str(VENV_PYTHON), [str(VENV_PYTHON), str(Path(__file__).resolve()), *sys.argv[1:]])
    try:
        import jsonschema

        return jsonschema
    except ImportError:
        print(
            f"validate-sarif: jsonschema not installed ({VENV_PYTHON} missing; "
            "run tests/scripts/install-test-tools.sh)",
            file=sys.stderr,
        )
        sys.exit(3)


def load_json(path, what):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except OSError as e:
        print(f"validate-sarif: cannot read {what} {path}: {e}", file=sys.stderr)
    except ValueError as e:
        print(f"validate-sarif: {what} {path} is not valid JSON: {e}", file=sys.stderr)
    sys.exit(2)


def main(argv):
    args = list(argv)
    schema_path = DEFAULT_SCHEMA
    if "--schema" in args:
        i = args.index("--schema")
        if i + 1 >= len(args):
            print("validate-sarif: --schema needs a file", file=sys.stderr)
            return 2
        schema_path = Path(args[i + 1])
        del args[i : i + 2]
    if len(args) != 1 or args[0].startswith("-"):
        print("usage: validate-sarif.py FILE.sarif [--schema SCHEMA.json]", file=sys.stderr)
        return 2

    jsonschema = import_jsonschema()
    schema = load_json(schema_path, "schema")
    instance = load_json(args[0], "SARIF file")

    cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft7Validator)
    cls.check_schema(schema)
    validator = cls(schema, format_checker=cls.FORMAT_CHECKER)
    errors = sorted(validator.iter_errors(instance), key=lambda e: list(map(str, e.absolute_path)))
    if not errors:
        print(f"{args[0]}: valid SARIF 2.1.0 ({cls.__name__})")
        return 0
    for e in errors:
        where = "/" + "/".join(str(p) for p in e.absolute_path)
        print(f"{args[0]}: {where}: {e.message}")
    print(f"{args[0]}: {len(errors)} schema error(s) ({cls.__name__})")
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
