#!/usr/bin/env python3
"""Builds the seed corpora of casstune's fuzz targets from real files.

usage: fuzz/make_seeds.py OUT_DIR [TARGET...]

Writes OUT_DIR/<target>/seed-<sha1> files (named by content, so running it again adds nothing
twice) from:

- the repository: examples/demo/conf/*, the config files embedded in fixtures/rules/*.yaml,
  fixtures/scrapes/*.prom, fixtures/snapshots/*.snap, examples/demo.snap;
- the shared fixtures (CASSTUNE_SHARED_FIXTURES, default /work/shared/fixtures), when present:
  upstream cassandra.yaml / jvm*.options / cassandra-env.sh of 3.11 to trunk, real-world
  configs, netdata's JMX-exporter scrapes. These are copied at run time only, never committed;
- fuzz/regressions/<target>/*, so every input that once crashed stays in the corpus.

Each seed is kept under the target's max_len (MAX_LEN below, the same numbers scripts/fuzz.sh
passes to libFuzzer): a bigger file is cut at natural boundaries (YAML top-level keys,
exposition families, lines) rather than truncated mid-token, after its comments are dropped.
The snapshot target's seeds are member lists (see fuzz/src/lib.rs): small groups of real
members, JSON rows cut to a few rows, plus the real .snap files and a few small real archives.
Needs python3 and, for the .snap files, the zstd command (skipped with a note without it).
"""

import glob
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.environ.get("CASSTUNE_SHARED_FIXTURES", "/work/shared/fixtures")

# Keep in step with scripts/fuzz.sh.
MAX_LEN = {
    "units": 64,
    "yaml": 16384,
    "jvm": 8192,
    "prometheus": 16384,
    "snapshot": 32768,
    "lint": 16384,
}

counts = {}


def put(out, target, data):
    if isinstance(data, str):
        data = data.encode()
    if not data or len(data) > MAX_LEN[target]:
        return
    d = os.path.join(out, target)
    os.makedirs(d, exist_ok=True)
    path = os.path.join(d, "seed-" + hashlib.sha1(data).hexdigest())
    if not os.path.exists(path):
        with open(path, "wb") as f:
            f.write(data)
        counts[target] = counts.get(target, 0) + 1


def read(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        return f.read()


def files(*patterns, root=ROOT):
    out = []
    for p in patterns:
        out += sorted(glob.glob(os.path.join(root, p), recursive=True))
    return [f for f in out if os.path.isfile(f)]


def shared(*patterns):
    if not os.path.isdir(SHARED):
        return []
    return files(*patterns, root=SHARED)


def strip_comments(text):
    """Drops comment-only and blank lines (cassandra.yaml is mostly comments)."""
    return "".join(
        l for l in text.splitlines(keepends=True) if l.strip() and not l.lstrip().startswith("#")
    )


def chunks(text, limit, starts):
    """Cuts text into pieces of at most `limit` bytes, each starting where `starts(line)`."""
    out, cur = [], ""
    for line in text.splitlines(keepends=True):
        if cur and starts(line) and len((cur + line).encode()) > limit:
            out.append(cur)
            cur = ""
        cur += line
        if len(cur.encode()) > limit:  # one unit bigger than the limit: cut at a line
            out.append(cur[: limit // 2])
            cur = ""
    if cur:
        out.append(cur)
    return out


def fitted(text, limit, starts):
    """The text itself if it fits, else its comment-free form, else that cut into pieces."""
    if len(text.encode()) <= limit:
        return [text]
    bare = strip_comments(text)
    if len(bare.encode()) <= limit:
        return [bare, *chunks(text, limit, starts)[:4]]
    return chunks(bare, limit, starts)


def yaml_top(line):
    return bool(line) and not line[0].isspace() and not line.startswith("#")


def any_line(_line):
    return True


def prom_family(line):
    return line.startswith("# HELP") or line.startswith("# TYPE")


def rule_fixture_files():
    """{(fixture, case): {file name: text}} from the `name: |` blocks of fixtures/rules/*.yaml."""
    cases = {}
    for path in files("fixtures/rules/*.yaml"):
        lines = read(path).splitlines()
        case = None
        i = 0
        while i < len(lines):
            line = lines[i]
            m = re.match(r"^([A-Za-z_][\w-]*):", line)
            if m:
                case = m.group(1)
            m = re.match(r"^(\s*)([\w.\-]+):\s*\|[-+]?\s*$", line)
            if not m:
                i += 1
                continue
            indent = len(m.group(1))
            name = m.group(2)
            body = []
            i += 1
            while i < len(lines) and (not lines[i].strip() or len(lines[i]) - len(lines[i].lstrip()) > indent):
                body.append(lines[i])
                i += 1
            content = [l for l in body if l.strip()]
            if not content:
                continue
            cut = min(len(l) - len(l.lstrip()) for l in content)
            text = "\n".join(l[cut:] for l in body).rstrip("\n") + "\n"
            cases.setdefault((os.path.basename(path), case), {})[name] = text
    return cases


def kind_of(name):
    n = os.path.basename(name)
    if n.endswith(".yaml") or n.endswith(".yml"):
        return "yaml"
    if n.endswith(".options"):
        return "options"
    if n.endswith(".sh"):
        return "env"
    return None


def conf_sets():
    """Sets of real config files that belong together: (yaml, options, env) texts."""
    sets = []
    for d in sorted(glob.glob(os.path.join(SHARED, "upstream", "*"))) + [
        os.path.join(ROOT, "examples/demo/conf")
    ]:
        if not os.path.isdir(d):
            continue
        y = os.path.join(d, "cassandra.yaml")
        opts = sorted(glob.glob(os.path.join(d, "jvm*.options")))
        env = os.path.join(d, "cassandra-env.sh")
        sets.append(
            (
                read(y) if os.path.exists(y) else "",
                read(opts[-1]) if opts else "",
                read(env) if os.path.exists(env) else "",
            )
        )
    for (_, _), fs in sorted(rule_fixture_files().items()):
        y = "".join(t for n, t in fs.items() if kind_of(n) == "yaml")
        o = "".join(t for n, t in fs.items() if kind_of(n) == "options")
        e = "".join(t for n, t in fs.items() if kind_of(n) == "env")
        sets.append((y, o, e))
    return sets


# ---------------------------------------------------------------------------------------------


def yaml_texts():
    texts = [read(p) for p in files("examples/demo/conf/*.yaml")]
    texts += [read(p) for p in shared("upstream/**/*.yaml", "realworld/*.yaml")]
    texts += [
        t for fs in rule_fixture_files().values() for n, t in fs.items() if kind_of(n) == "yaml"
    ]
    return texts


def jvm_texts():
    texts = [read(p) for p in files("examples/demo/conf/*.options")]
    texts += [read(p) for p in shared("upstream/**/*.options", "upstream/**/*.sh")]
    texts += [read(p) for p in shared("realworld/*.options", "realworld/*.sh")]
    texts += [
        t
        for fs in rule_fixture_files().values()
        for n, t in fs.items()
        if kind_of(n) in ("options", "env")
    ]
    return texts


def seed_yaml(out):
    for t in yaml_texts():
        for piece in fitted(t, MAX_LEN["yaml"], yaml_top):
            put(out, "yaml", piece)


def seed_jvm(out):
    for t in jvm_texts():
        for piece in fitted(t, MAX_LEN["jvm"], any_line):
            put(out, "jvm", piece)


def seed_units(out):
    handmade = [
        "100MiB", "1GiB", "64KiB", "10B", "10s", "5ms", "10us", "10\u00b5s", "3ns", "2m", "3h", "1d",
        "64MiB/s", "1KiB/s", "8B/s", "8Mbit/s", "100MB", "1.5GiB", "-1MiB", "100 MiB", "MiB", "100",
        "1TiB", "10S", "1w", "8G", "4096m", "512k", "4GB", "0x10k", "0X1F", "64GiB", "65536M",
        "9223372036854775807ms", "9223372036854775808ms", "18446744073709551615", "2097152GiB",
        " 8G ", "-Xmx", "yes", "off", "0", "00010s",
    ]
    for v in handmade:
        put(out, "units", v)
    values = set()
    for t in yaml_texts():
        for m in re.finditer(r"^\s*[\w.]+:\s*['\"]?([^'\"#\n]+?)['\"]?\s*(?:#.*)?$", t, re.M):
            v = m.group(1).strip()
            if v and v[0].isdigit():
                values.add(v)
    for t in jvm_texts():
        for m in re.finditer(r"-X(?:ms|mx|mn|ss)(\S+)|-XX:\w+=(\S+)|(?:MAX_HEAP_SIZE|HEAP_NEWSIZE)=\"?([^\"\s]+)", t):
            values.add(next(g for g in m.groups() if g))
    for v in sorted(values):
        put(out, "units", v)


def prom_texts():
    """(name, text) of every real scrape, the snapshots' scrapes included."""
    out = [(p, read(p)) for p in files("fixtures/scrapes/*.prom")]
    out += [(p, read(p)) for p in shared("prometheus/*.prom")]
    for snap in snap_files():
        for path, data in snap_members(snap):
            if path.endswith(".prom"):
                out.append((snap + ":" + path, data.decode("utf-8", "replace")))
    return out


def seed_prometheus(out):
    limit = MAX_LEN["prometheus"]
    scrapes = prom_texts()
    for _, text in scrapes:
        for piece in chunks(text, limit // 4, prom_family):
            put(out, "prometheus", piece)
    # First and second scrape of one node, the same stretch of families in both, NUL between:
    # the rate computation of node_metrics.
    by_node = {}
    for name, text in scrapes:
        m = re.match(r"(.*)/scrape-(\d)\.prom$", name)
        if m:
            by_node.setdefault(m.group(1), {})[m.group(2)] = text
    for pair in by_node.values():
        if "0" in pair and "1" in pair:
            a = chunks(pair["0"], limit // 4, prom_family)
            b = chunks(pair["1"], limit // 4, prom_family)
            for x, y in list(zip(a, b))[::3]:
                put(out, "prometheus", x + "\0" + y)


# ---------------------------------------------------------------------------------------------
# snapshots


def snap_files():
    return files("fixtures/snapshots/*.snap", "examples/*.snap")


_members_cache = {}


def snap_members(path):
    """[(member path, bytes)] of a .snap, in archive order (manifest first)."""
    if path in _members_cache:
        return _members_cache[path]
    if not shutil.which("zstd"):
        print(f"make_seeds: no zstd command; {os.path.relpath(path, ROOT)} not unpacked", file=sys.stderr)
        _members_cache[path] = []
        return []
    raw = subprocess.run(["zstd", "-dcq", path], check=True, capture_output=True).stdout
    with tarfile.open(fileobj=io.BytesIO(raw)) as tf:
        members = [(m.name, tf.extractfile(m).read()) for m in tf.getmembers() if m.isfile()]
    _members_cache[path] = members
    return members


def cut_rows(data, keep=6):
    """A rows member ({query, columns, rows}) with its first `keep` rows; other JSON as is."""
    try:
        v = json.loads(data)
    except ValueError:
        return data
    if isinstance(v, dict) and isinstance(v.get("rows"), list):
        v["rows"] = v["rows"][:keep]
    elif isinstance(v, list):
        v = v[:keep]
    return (json.dumps(v, indent=1) + "\n").encode()


def member_list(manifest, members):
    """The snapshot target's input: manifest \\0 path \\0 content \\0 …, the manifest listing
    exactly these members."""
    m = dict(manifest)
    m["members"] = [{"path": p, "bytes": len(b)} for p, b in members]
    out = (json.dumps(m, indent=1) + "\n").encode()
    for p, b in members:
        out += b"\0" + p.encode() + b"\0" + b
    return out


def small_manifest(manifest, node_ids):
    m = dict(manifest)
    m["nodes"] = [dict(n, collected=n.get("collected", [])[:4]) for n in manifest.get("nodes", []) if n.get("id") in node_ids]
    m["members"] = []
    return m


def real_snap(members):
    """A .snap as casstune writes it (GNU tar, zstd with checksum), or None without zstd."""
    if not shutil.which("zstd"):
        return None
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT) as tf:
        for p, b in members:
            ti = tarfile.TarInfo(p)
            ti.size = len(b)
            ti.mode = 0o644
            tf.addfile(ti, io.BytesIO(b))
    return subprocess.run(
        ["zstd", "-q", "-1", "--check", "-c"], input=buf.getvalue(), check=True, capture_output=True
    ).stdout


def seed_snapshot(out):
    limit = MAX_LEN["snapshot"]
    for snap in snap_files():
        with open(snap, "rb") as f:
            put(out, "snapshot", f.read()[:limit] if os.path.getsize(snap) > limit else f.read())
        members = snap_members(snap)
        if not members:
            continue
        manifest = json.loads(members[0][1])
        rest = members[1:]
        node_ids = [n.get("id") for n in manifest.get("nodes", [])]
        first = node_ids[:1]

        def node_of(p):
            m = re.match(r"nodes/([^/]+)/", p)
            return m.group(1) if m else None

        def shrink(p, b):
            if p.endswith(".json"):
                return cut_rows(b)
            if p.endswith(".prom"):
                return chunks(b.decode("utf-8", "replace"), 2048, prom_family)[0].encode()
            return b

        groups = {
            "traces": [(p, b) for p, b in rest if p.startswith("traces/")],
            "schema": [(p, b) for p, b in rest if p.startswith("cluster/")],
            "files+host": [(p, b) for p, b in rest if node_of(p) in first and ("/files/" in p or p.endswith("host.json"))],
            "metrics": [(p, b) for p, b in rest if node_of(p) in first and "/metrics/" in p],
            "locals": [(p, b) for p, b in rest if p.endswith("/cql/system.local.json")],
        }
        for name, group in groups.items():
            group = [(p, shrink(p, b)) for p, b in group]
            ids = node_ids if name == "locals" else first
            data = member_list(small_manifest(manifest, ids), group)
            put(out, "snapshot", data)
            if name in ("traces", "files+host"):
                real = real_snap([("manifest.json", data.split(b"\0", 1)[0])] + group)
                if real:
                    put(out, "snapshot", real)
        # One seed per node-local CQL table of the first node (settings, caches, thread pools…).
        for p, b in rest:
            if node_of(p) in first and "/cql/" in p:
                put(out, "snapshot", member_list(small_manifest(manifest, first), [(p, shrink(p, b))]))
        # The whole first node, rows cut, if it fits.
        whole = [(p, shrink(p, b)) for p, b in rest if node_of(p) in first or not node_of(p)]
        put(out, "snapshot", member_list(small_manifest(manifest, first), whole))


def seed_lint(out):
    limit = MAX_LEN["lint"]
    for t in yaml_texts():
        for piece in fitted(t, limit, yaml_top)[:2]:
            put(out, "lint", piece)
    for y, o, e in conf_sets():
        y, o, e = strip_comments(y), strip_comments(o), strip_comments(e)
        put(out, "lint", y + "\0" + o + "\0" + e)
        put(out, "lint", y + "\0" + o)


def seed_regressions(out, target):
    for p in files(f"fuzz/regressions/{target}/*"):
        with open(p, "rb") as f:
            data = f.read()
        d = os.path.join(out, target)
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "regression-" + hashlib.sha1(data).hexdigest()), "wb") as f:
            f.write(data)


SEEDERS = {
    "units": seed_units,
    "yaml": seed_yaml,
    "jvm": seed_jvm,
    "prometheus": seed_prometheus,
    "snapshot": seed_snapshot,
    "lint": seed_lint,
}


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    out = sys.argv[1]
    targets = sys.argv[2:] or list(SEEDERS)
    if not os.path.isdir(SHARED):
        print(f"make_seeds: {SHARED} is absent; seeding from the repository's files only", file=sys.stderr)
    for t in targets:
        if t not in SEEDERS:
            sys.exit(f"make_seeds: unknown target {t} (known: {', '.join(SEEDERS)})")
        SEEDERS[t](out)
        seed_regressions(out, t)
        n = len(os.listdir(os.path.join(out, t))) if os.path.isdir(os.path.join(out, t)) else 0
        print(f"make_seeds: {t}: {counts.get(t, 0)} new seed(s), {n} file(s) in {os.path.join(out, t)}")


if __name__ == "__main__":
    main()
