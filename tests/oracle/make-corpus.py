#!/usr/bin/env python3
"""Build the oracle corpora at test time and merge verdicts with their descriptions.

  make-corpus.py yaml OUTDIR [--shared DIR]   -> OUTDIR/yaml/*.yaml + OUTDIR/yaml-manifest.tsv
  make-corpus.py jvm OUTDIR [--shared DIR]    -> OUTDIR/jvm/*.options + OUTDIR/jvm-manifest.tsv
  make-corpus.py merge MANIFEST RAW.jsonl     -> merged JSON lines on stdout
  make-corpus.py summary VERDICTS.jsonl       -> counts on stdout

Upstream files are read from the shared fixtures and never stored in the repository;
mutations (mutations.tsv, jvm-mutations.tsv) are text edits, so the generated file
still looks like something a user wrote (comments and layout kept).

Mutation rows: id, base, op, arg, value, expect, description.  Rows sharing an id are
applied in order to the same file (description/expect only on the first row).
Ops: none | set KEY VALUE | del KEY | rename OLD NEW | append - TEXT | after KEY TEXT |
     sub REGEX REPLACEMENT | write - TEXT | delline REGEX -
In arg/value, \\n is a newline and \\t a tab.  KEY ops work on top-level yaml keys
(the key line plus its indented block).
"""
import argparse
import csv
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def unescape(s):
    return s.replace("\\n", "\n").replace("\\t", "\t")


def yaml_bases(shared):
    up = os.path.join(shared, "fixtures", "upstream")
    b = {"minimal": os.path.join(HERE, "minimal.yaml"), "none": None}
    for v in ("5.0.0", "5.0.1", "5.0.2"):
        b["stock-" + v] = os.path.join(up, v, "cassandra.yaml")
        b["latest-" + v] = os.path.join(up, v, "cassandra_latest.yaml")
    return b


def jvm_bases(shared):
    up = os.path.join(shared, "fixtures", "upstream")
    b = {"none": None, "minimal-jvm": os.path.join(HERE, "minimal-jvm.options")}
    for v in os.listdir(up):
        d = os.path.join(up, v)
        if not os.path.isdir(d):
            continue
        for f in os.listdir(d):
            if f.endswith(".options"):
                b["%s-%s" % (f[: -len(".options")], v)] = os.path.join(d, f)
    # What a 5.0 node on JDK 17 actually reads: jvm-server.options then jvm17-server.options.
    for v in ("5.0.0", "5.0.1", "5.0.2"):
        b["jvm-all-" + v] = (os.path.join(up, v, "jvm-server.options"), os.path.join(up, v, "jvm17-server.options"))
    return b


def read_base(path):
    if path is None:
        return ""
    if isinstance(path, tuple):
        return "".join(read_base(p) for p in path)
    with open(path, encoding="utf-8") as f:
        return f.read()


# ---------------------------------------------------------------- text edits

def key_block(lines, key):
    """(start, end) line range of top-level `key:` and its indented block, or None."""
    pat = re.compile(r"^" + re.escape(key) + r"\s*:")
    for i, l in enumerate(lines):
        if pat.match(l):
            j = i + 1
            while j < len(lines):
                l2 = lines[j]
                if l2.startswith((" ", "\t", "-")):
                    j += 1
                    continue
                if l2.strip() == "":
                    # blank line: part of the block only if indented content follows
                    k = j
                    while k < len(lines) and lines[k].strip() == "":
                        k += 1
                    if k < len(lines) and lines[k].startswith((" ", "\t")):
                        j = k
                        continue
                break
            return i, j
    return None


def apply_op(text, op, arg, value, mid):
    lines = text.split("\n")
    if op == "none":
        return text
    if op == "write":
        return value
    if op == "append":
        if text and not text.endswith("\n"):
            text += "\n"
        return text + value + ("" if value.endswith("\n") else "\n")
    if op == "sub":
        new, n = re.subn(arg, value, text, flags=re.M)
        if n == 0:
            raise SystemExit("mutation %s: pattern %r not found" % (mid, arg))
        return new
    if op == "delline":
        new = [l for l in lines if not re.search(arg, l)]
        if len(new) == len(lines):
            raise SystemExit("mutation %s: no line matches %r" % (mid, arg))
        return "\n".join(new)
    blk = key_block(lines, arg)
    if op == "set":
        repl = ("%s: %s" % (arg, value)).split("\n")
        if blk is None:
            return apply_op(text, "append", "-", "\n".join(repl), mid)
        return "\n".join(lines[: blk[0]] + repl + lines[blk[1]:])
    if blk is None:
        raise SystemExit("mutation %s: top-level key %r not found" % (mid, arg))
    if op == "del":
        return "\n".join(lines[: blk[0]] + lines[blk[1]:])
    if op == "rename":
        lines[blk[0]] = re.sub(r"^" + re.escape(arg), value, lines[blk[0]])
        return "\n".join(lines)
    if op == "after":
        return "\n".join(lines[: blk[0] + 1] + value.split("\n") + lines[blk[0] + 1:])
    raise SystemExit("mutation %s: unknown op %r" % (mid, op))


def load_mutations(path):
    muts = {}
    order = []
    with open(path, encoding="utf-8") as f:
        for n, row in enumerate(csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE), 1):
            if not row or row[0].startswith("#") or row[0] == "id":
                continue
            row += [""] * (7 - len(row))
            mid, base, op, arg, value, expect, desc = row[:7]
            if mid not in muts:
                muts[mid] = {"base": base, "ops": [], "expect": expect, "description": desc}
                order.append(mid)
            elif base and base != muts[mid]["base"]:
                raise SystemExit("%s:%d: mutation %s changes base" % (path, n, mid))
            muts[mid]["ops"].append((op, unescape(arg), unescape(value)))
    return [(m, muts[m]) for m in order]


def build(kind, out, shared):
    bases = yaml_bases(shared) if kind == "yaml" else jvm_bases(shared)
    mfile = os.path.join(HERE, "mutations.tsv" if kind == "yaml" else "jvm-mutations.tsv")
    ext = ".yaml" if kind == "yaml" else ".options"
    d = os.path.join(os.path.abspath(out), kind)
    os.makedirs(d, exist_ok=True)
    for f in os.listdir(d):
        os.remove(os.path.join(d, f))
    rows = []
    for mid, m in load_mutations(mfile):
        if m["base"] not in bases:
            raise SystemExit("mutation %s: unknown base %r (have %s)" % (mid, m["base"], ", ".join(sorted(bases))))
        text = read_base(bases[m["base"]])
        for op, arg, value in m["ops"]:
            text = apply_op(text, op, arg, value, mid)
        path = os.path.join(d, mid + ext)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        rows.append((path, mid, m["base"], m["expect"], m["description"]))
    # real-world files, read in place
    rw = os.path.join(shared, "fixtures", "realworld")
    notes = realworld_notes(rw)
    for f in sorted(os.listdir(rw)):
        if kind == "yaml" and f.endswith(".yaml") or kind == "jvm" and f.endswith(".options") and "jvm" in f:
            rows.append((os.path.join(rw, f), "realworld-" + f.rsplit(".", 1)[0], "realworld", "",
                         "real-world file, apparent version " + notes.get(f, "?")))
    if kind == "jvm":
        # every upstream options file as-is
        for name in sorted(bases):
            p = bases[name]
            if isinstance(p, str) and "/fixtures/upstream/" in p:
                rows.append((p, "stock-" + name, name, "", "upstream file as shipped"))
    man = os.path.join(os.path.abspath(out), kind + "-manifest.tsv")
    with open(man, "w", encoding="utf-8") as f:
        f.write("file\tid\tbase\texpect\tdescription\n")
        for r in rows:
            f.write("\t".join(x.replace("\t", " ").replace("\n", " ") for x in r) + "\n")
    print("make-corpus: %d %s corpus members -> %s" % (len(rows), kind, man), file=sys.stderr)


def realworld_notes(rw):
    notes = {}
    try:
        with open(os.path.join(rw, "SOURCES.md"), encoding="utf-8") as f:
            for l in f:
                cells = [c.strip() for c in l.strip().strip("|").split("|")]
                if len(cells) >= 5 and re.match(r"^\d+_", cells[0]):
                    notes[cells[0]] = cells[4]
    except OSError:
        pass
    return notes


# ---------------------------------------------------------------- merge / summary

# Rejections caused by this machine (DNS) rather than by the file's content.
ENV_REASONS = re.compile(r"Unknown listen_address|Unknown broadcast_address|Unknown host in rpc_address|"
                         r"Unknown broadcast_rpc_address|could not be found|AbstractCloudMetadataServiceConnector")
ENV_WARNINGS = re.compile(r"couldn't lookup host")


def target_jdk(row):
    """JDK the file is meant for (from its name / Cassandra version), for the jvm corpus."""
    name = os.path.basename(row["file"]) + " " + row["base"] + " " + row["description"]
    m = re.search(r"jvm(8|11|17)-server", name)
    if m:
        return int(m.group(1))
    m = re.search(r"-(\d+)\.(\d+)\.", row["base"])
    if m and int(m.group(1)) < 4:
        return 8
    if "realworld" in row["id"] and re.search(r"\b3\.|\b2\.", row["description"]):
        return 8
    if re.search(r"jvm11", name):
        return 11
    if m and int(m.group(1)) == 4:
        return "8 or 11"
    return 17


def merge(manifest, raw):
    with open(manifest, encoding="utf-8") as f:
        rows = list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    by_file = {r["file"]: r for r in rows}
    jvm = os.path.basename(manifest).startswith("jvm")
    with open(raw, encoding="utf-8") as f:
        for line in f:
            v = json.loads(line)
            r = by_file.get(v["file"])
            if r is None:
                raise SystemExit("merge: %s not in manifest" % v["file"])
            out = {"id": r["id"], "base": r["base"], "description": r["description"]}
            out.update(v)
            if r["expect"]:
                out["expected"] = r["expect"]
                out["surprise"] = r["expect"] != v["verdict"]
            if not jvm and v["verdict"] == "reject" and (
                    ENV_REASONS.search(v.get("reason", ""))
                    or "lists no seeds" in v.get("reason", "") and any(ENV_WARNINGS.search(w) for w in v.get("warnings", []))):
                out["env_dependent"] = True  # rejected because a host name does not resolve here
            if jvm:
                t = target_jdk(r)
                out["target_jdk"] = t
                if t != 17:
                    out["jdk_mismatch"] = True
            print(json.dumps(out, ensure_ascii=False))


def summary(path):
    counts, surprises, total = {}, [], 0
    with open(path, encoding="utf-8") as f:
        for line in f:
            v = json.loads(line)
            total += 1
            counts[v["verdict"]] = counts.get(v["verdict"], 0) + 1
            if v.get("surprise"):
                surprises.append("  %s: expected %s, got %s %s" % (v["id"], v["expected"], v["verdict"], v.get("reason", "")[:160]))
    print("%s: %d members, %s" % (path, total, ", ".join("%s %d" % kv for kv in sorted(counts.items()))))
    if surprises:
        print("%d differ from the expectation in the mutation table:" % len(surprises))
        print("\n".join(surprises))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("cmd", choices=["yaml", "jvm", "merge", "summary"])
    ap.add_argument("args", nargs="+")
    ap.add_argument("--shared", default=os.environ.get("SHARED", "/work/shared"))
    a = ap.parse_args()
    if a.cmd in ("yaml", "jvm"):
        build(a.cmd, a.args[0], a.shared)
    elif a.cmd == "merge":
        merge(a.args[0], a.args[1])
    else:
        summary(a.args[0])


if __name__ == "__main__":
    main()
