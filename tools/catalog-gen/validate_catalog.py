#!/usr/bin/env python3
"""Check the generated cassandra.yaml catalogues against real stock cassandra.yaml files.

For every stock file under FIXTURES/upstream/<version>/cassandra*.yaml whose major.minor has a
catalogue (catalog/cassandra-<major.minor>.json):
  * every top-level key that is set must be a catalogue name or a `replaces.old_name`;
  * every key under an object-typed parameter must be one of its `fields` (or their old names),
    recursively; parameterized_class values must have only class_name / parameters;
  * the value must fit the kind: bool, int, double, enum constant, and for duration / storage / rate
    parameters given by their new name an `<integer><unit>` string whose unit is accepted and not
    finer than the parameter's `unit`.
Files of versions without a catalogue (trunk) are checked against the newest catalogue for
information only; their findings do not fail the run.

Also prints, per version pair, the names removed (present in the older catalogue, neither a name
nor an old_name in the newer one), with --removed.

usage: validate_catalog.py [--catalog DIR] [--fixtures DIR] [--removed] [extra.yaml:major.minor ...]
exit status: 0 when every release file passes, 1 otherwise.
"""

import argparse
import glob
import json
import os
import re
import sys

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
VERSIONS = ["3.11", "4.0", "4.1", "5.0"]

DURATION_UNITS = ["ns", "us", "ms", "s", "m", "h", "d"]   # DurationSpec: ^(\d+)(d|h|s|ms|us|µs|ns|m)$
STORAGE_UNITS = ["B", "KiB", "MiB", "GiB"]               # DataStorageSpec: ^(\d+)(GiB|MiB|KiB|B)$
RATE_UNITS = ["B/s", "KiB/s", "MiB/s"]                   # DataRateSpec: ^(\d+)(MiB/s|KiB/s|B/s)$
UNITS = {"duration": DURATION_UNITS, "storage": STORAGE_UNITS, "rate": RATE_UNITS}
# ParameterizedClass keys; a bare class-name scalar needs the ParameterizedClass(String) constructor (5.0+)
PARAMETERIZED_KEYS = {"class_name", "parameters"}
PARAMETERIZED_SCALAR_SINCE = "5.0"


def load_catalog(directory, version):
    with open(os.path.join(directory, "cassandra-%s.json" % version), encoding="utf-8") as f:
        return json.load(f)


def index(params):
    """name -> (param, via_old_name_replacement or None)"""
    out = {}
    for p in params:
        out[p["name"]] = (p, None)
    for p in params:
        for r in p.get("replaces", []):
            # an old name equal to the new name (e.g. key_cache_save_period) is a value-format replacement
            out[r["old_name"]] = (p, r)
    return out


def spec_ok(kind, value, min_unit):
    if not isinstance(value, str):
        return "expected <integer><unit> string, got %r" % (value,)
    m = re.match(r"^(\d+)(.*)$", value)
    units = UNITS[kind]
    unit = m.group(2) if m else None
    if unit == "µs":
        unit = "us"
    if kind == "rate" and unit is not None:
        unit = {u.lower(): u for u in units}.get(unit.lower(), unit)  # DataRateUnit.fromSymbol ignores case
    if not m or unit not in units:
        return "%r is not <integer><unit> with unit in %s" % (value, units)
    if min_unit and units.index(unit) < units.index(min_unit):
        return "%r: unit finer than the minimum %s" % (value, min_unit)
    return None


def check_value(version, p, repl, value, path, errors):
    kind = p["kind"]
    if value is None:
        if not p["nullable"]:
            errors.append("%s: null for non-nullable %s" % (path, p["java_type"]))
        return
    if repl is not None and repl.get("converter") not in (None, "IDENTITY"):
        # old name: the converter's old format (a bare number, or for SECONDS_CUSTOM_DURATION either form)
        conv = repl["converter"]
        if conv == "SECONDS_CUSTOM_DURATION":
            if isinstance(value, bool) or not (isinstance(value, int) or spec_ok(kind, str(value), p["unit"]) is None):
                errors.append("%s: %r is neither seconds nor a duration" % (path, value))
        elif conv == "LONG_BYTES_DATASTORAGE_MEBIBYTES_DATASTORAGE":
            err = spec_ok("storage", value, "MiB")
            if err:
                errors.append("%s: %s" % (path, err))
        elif isinstance(value, bool) or not isinstance(value, (int, float)):
            errors.append("%s: old name expects a bare number, got %r" % (path, value))
        return
    if kind == "bool":
        if not isinstance(value, bool):
            errors.append("%s: expected bool, got %r" % (path, value))
    elif kind in ("int", "long"):
        if isinstance(value, bool) or not isinstance(value, int):
            errors.append("%s: expected integer, got %r" % (path, value))
        elif "max" in p and value > p["max"]:
            errors.append("%s: %d > max %d" % (path, value, p["max"]))
    elif kind == "double":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            errors.append("%s: expected number, got %r" % (path, value))
    elif kind == "string":
        if isinstance(value, (dict, list)):
            errors.append("%s: expected scalar, got %r" % (path, value))
    elif kind == "enum":
        if value not in p["enum_values"]:
            errors.append("%s: %r not in %s" % (path, value, p["enum_values"]))
    elif kind in UNITS:
        err = spec_ok(kind, value, p["unit"])
        if err:
            errors.append("%s: %s" % (path, err))
        elif "max" in p:
            m = re.match(r"^(\d+)(.*)$", value)
            if m.group(2) == p["unit"] and int(m.group(1)) > p["max"]:  # exact only in the minimum unit
                errors.append("%s: %s above max %d%s" % (path, value, p["max"], p["unit"]))
    elif kind in ("list", "set"):
        if not isinstance(value, list):
            errors.append("%s: expected a sequence, got %r" % (path, value))
    elif kind == "map":
        if not isinstance(value, dict):
            errors.append("%s: expected a mapping, got %r" % (path, value))
    elif kind == "parameterized_class":
        items = value if isinstance(value, list) else [value]
        for item in items:
            if isinstance(item, str):
                if VERSIONS.index(version) < VERSIONS.index(PARAMETERIZED_SCALAR_SINCE):
                    errors.append("%s: bare class name needs Cassandra %s+" % (path, PARAMETERIZED_SCALAR_SINCE))
            elif isinstance(item, dict):
                extra = set(item) - PARAMETERIZED_KEYS
                if extra:
                    errors.append("%s: unknown keys %s (expected class_name/parameters)" % (path, sorted(extra)))
            else:
                errors.append("%s: unexpected %r" % (path, item))
    elif kind == "object":
        if not isinstance(value, dict):
            errors.append("%s: expected a mapping, got %r" % (path, value))
            return
        if "fields" not in p:
            return  # beyond the depth limit
        check_mapping(version, index(p["fields"]), value, path + ".", errors)
    else:
        errors.append("%s: unknown kind %s" % (path, kind))


def check_mapping(version, idx, mapping, prefix, errors):
    n = 0
    for key, value in mapping.items():
        n += 1
        path = prefix + str(key)
        if key not in idx:
            errors.append("%s: unknown key" % path)
            continue
        p, repl = idx[key]
        check_value(version, p, repl, value, path, errors)
    return n


def check_file(path, version, catalog):
    errors = []
    try:
        with open(path, encoding="utf-8") as f:
            doc = yaml.safe_load(f) or {}
    except yaml.YAMLError as e:
        return 0, ["not valid YAML: %s" % str(e).replace("\n", " ")]
    if not isinstance(doc, dict):
        return 0, ["top level is not a mapping"]
    n = check_mapping(version, index(catalog["parameters"]), doc, "", errors)
    return n, errors


def all_names(catalog):
    names = set()
    for p in catalog["parameters"]:
        names.add(p["name"])
        for r in p.get("replaces", []):
            names.add(r["old_name"])
    return names


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--catalog", default=os.path.join(REPO, "catalog"))
    ap.add_argument("--fixtures", default=os.environ.get("CASSTUNE_FIXTURES", os.path.join(os.path.dirname(REPO), "shared", "fixtures")))
    ap.add_argument("--removed", action="store_true", help="print removed names per version pair")
    ap.add_argument("extra", nargs="*", help="more files to check, as path:major.minor (informational)")
    args = ap.parse_args()

    catalogs = {v: load_catalog(args.catalog, v) for v in VERSIONS}
    failed = False

    files = []
    for path in sorted(glob.glob(os.path.join(args.fixtures, "upstream", "*", "cassandra*.yaml"))):
        release = os.path.basename(os.path.dirname(path))
        mm = ".".join(release.split(".")[:2])
        if mm in catalogs:
            files.append((path, mm, True))
        else:
            files.append((path, VERSIONS[-1], False))
    for e in args.extra:
        path, _, mm = e.rpartition(":")
        files.append((path, mm, False))

    for path, mm, strict in files:
        n, errors = check_file(path, mm, catalogs[mm])
        rel = os.path.relpath(path, args.fixtures) if path.startswith(args.fixtures) else path
        tag = "OK  " if not errors else ("FAIL" if strict else "INFO")
        print("%s %s against %s: %d top-level keys, %d problems" % (tag, rel, mm, n, len(errors)))
        for err in errors:
            print("      " + err)
        failed |= strict and bool(errors)

    if args.removed:
        for older, newer in zip(VERSIONS, VERSIONS[1:]):
            gone = sorted(all_names(catalogs[older]) - all_names(catalogs[newer]))
            print("removed %s -> %s (%d): %s" % (older, newer, len(gone), ", ".join(gone)))

    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
