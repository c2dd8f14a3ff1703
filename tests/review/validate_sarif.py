#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Validates SARIF logs against the SARIF 2.1.0 JSON schema kept beside this script.

usage: validate_sarif.py SCHEMA FILE...
Prints one line per problem ("FILE: PATH: message") and exits 1 if any file is invalid.
Uses Debian's python3-jsonschema (Draft 7, the schema's own draft), with format checking.
"""
import json
import sys

import jsonschema


def main(argv):
    if len(argv) < 3:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    with open(argv[1], encoding="utf-8") as f:
        schema = json.load(f)
    jsonschema.Draft7Validator.check_schema(schema)
    validator = jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker())
    bad = 0
    for path in argv[2:]:
        with open(path, encoding="utf-8") as f:
            document = json.load(f)
        errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
        for e in errors:
            where = "/".join(str(p) for p in e.absolute_path) or "(root)"
            print(f"{path}: {where}: {e.message}")
        bad += bool(errors)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
