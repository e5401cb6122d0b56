#!/usr/bin/env python3
"""tests/json-schema.py - relaytest's -F json output against its schema.

usage: json-schema.py SCHEMA README.md REPORT.jsonl...

SCHEMA is doc/relaytest-json.schema.json (JSON Schema 2020-12); each
REPORT.jsonl holds the real output of relaytest -F json, one record a line.

Checked:
  - the schema is a valid schema, and strict: a record with a key removed,
    renamed or added (top level, in a test, in tls) fails it;
  - every record of every report passes it (python3-jsonschema, with
    "format" checked): no key missing, renamed or undocumented;
  - together the reports give every nullable key a value at least once, so
    no documented key is one the output never fills;
  - README.md's "## JSON" section names every key of the schema, and its
    table names no top-level key the schema lacks.
Prints one line per problem and exits 1, or prints a summary and exits 0."""
import copy
import json
import re
import sys

try:
    import jsonschema
except ImportError:
    print("python3-jsonschema is not installed (apt-get install python3-jsonschema)")
    sys.exit(1)


def object_schemas(schema):
    """The schema's objects whose keys are documented, by path:
    "" (the record), "tests[]", "tls", "tests[].sent", "tests[].data_probe",
    "findings[]", "counts"."""
    defs = schema["$defs"]
    tls = next(s for s in schema["properties"]["tls"]["oneOf"] if s["type"] == "object")
    sent = next(s for s in defs["test"]["properties"]["sent"]["oneOf"] if s["type"] == "object")
    probe = next(s for s in defs["test"]["properties"]["data_probe"]["oneOf"]
                 if s["type"] == "object")
    return {"": schema, "tests[]": defs["test"], "tls": tls, "tests[].sent": sent,
            "tests[].data_probe": probe, "findings[]": defs["finding"],
            "counts": defs["counts"]}


def objects_at(record, path):
    """Every object at path in record (a path as object_schemas names it)."""
    found = [record]
    for part in [p for p in path.split(".") if p]:
        key, many = (part[:-2], True) if part.endswith("[]") else (part, False)
        nxt = []
        for obj in found:
            value = obj.get(key) if isinstance(obj, dict) else None
            if many and isinstance(value, list):
                nxt.extend(value)
            elif not many and value is not None:
                nxt.append(value)
        found = nxt
    return [o for o in found if isinstance(o, dict)]


def strictness(validator, record, problems):
    """A key removed, renamed or added must fail the schema."""
    for path in ("", "tests[]", "tls"):
        targets = objects_at(record, path)
        if not targets:
            continue
        key = sorted(targets[0])[0]
        for what in ("removed", "renamed", "added"):
            bad = copy.deepcopy(record)
            obj = objects_at(bad, path)[0]
            if what == "removed":
                del obj[key]
            elif what == "renamed":
                obj[key + "_x"] = obj.pop(key)
            else:
                obj["undocumented_key"] = 1
            if validator.is_valid(bad):
                problems.append(f"schema is not strict: a record with '{path or '.'}' key "
                                f"{key} {what} passes")


def readme_keys(readme):
    """Backticked words of README's "## JSON" section, and the keys its
    table's first column names."""
    text = open(readme, encoding="utf-8").read()
    match = re.search(r"^## JSON\n(.*?)(?=^## )", text, re.S | re.M)
    if match is None:
        return None, None
    section = match.group(1)
    named = set(re.findall(r"`([a-z_.]+)`", section))
    table = set()
    for line in section.splitlines():
        cells = line.split("|")
        if line.startswith("| `") and len(cells) > 2:
            table.update(re.findall(r"`([a-z_]+)`", cells[1]))
    return named, table


def main(argv):
    if len(argv) < 4:
        print(__doc__.splitlines()[2])
        return 2
    schema = json.load(open(argv[1], encoding="utf-8"))
    problems = []
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    validator = cls(schema, format_checker=jsonschema.FormatChecker())
    objects = object_schemas(schema)
    unfilled = {(path, key) for path, sch in objects.items()
                for key, prop in sch["properties"].items()
                if "null" in json.dumps(prop.get("type", "")) or "oneOf" in prop
                or None in prop.get("enum", [0])}
    records = 0
    for name in argv[3:]:
        with open(name, encoding="ascii") as f:
            for n, line in enumerate(f, 1):
                record = json.loads(line)
                records += 1
                for err in validator.iter_errors(record):
                    where = "/".join(str(p) for p in err.absolute_path) or "."
                    problems.append(f"{name}:{n}: {where}: {err.message}")
                if records == 1:
                    strictness(validator, record, problems)
                for path, key in list(unfilled):
                    if any(obj.get(key) is not None for obj in objects_at(record, path)):
                        unfilled.discard((path, key))
    for path, key in sorted(unfilled):
        problems.append(f"no report gives {path + '.' if path else ''}{key} a value: "
                        "a documented key the output never fills")
    named, table = readme_keys(argv[2])
    if named is None:
        problems.append(f"{argv[2]}: no '## JSON' section")
    else:
        for path, sch in objects.items():
            for key in sch["properties"]:
                if key not in named:
                    problems.append(f"{argv[2]}: the JSON section does not name "
                                    f"{path + '.' if path else ''}{key}")
        for key in sorted(table - set(schema["properties"])):
            problems.append(f"{argv[2]}: the JSON table names {key}, which the schema lacks")
    for p in problems:
        print(p)
    if records == 0:
        print("no records")
        return 1
    if not problems:
        print(f"{records} records from {len(argv) - 3} reports pass the schema")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
