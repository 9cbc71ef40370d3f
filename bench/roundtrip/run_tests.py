#!/usr/bin/env python3
"""Run the tests of Ruby/Go functions, optionally with the `code` field replaced.

Usage:
  python3 run_tests.py --functions rbgo_functions.jsonl                 # verify stored code
  python3 run_tests.py --functions rbgo_functions.jsonl --code C.jsonl  # C rows: {"id", "code"}

Prints one JSON line per tested row: {"id", "passed", "error"}.

Ruby: program = code + tests (test/unit), run with `ruby`; passes iff exit status 0.
Go:   program = `package <entry>_test` + import block + code + tests, written as main_test.go and run
      offline the way batcoder's Go runner does it (GOPATH mode on /usr/share/gocode, GO111MODULE=off,
      `go test -c` then the test binary). The import block is recomputed for each program: the
      function's recorded imports, any imports found in an overriding code string (a package clause
      and import lines in it are stripped), and common standard-library packages, each kept only if
      `<name>.` is used in the code; plus "testing", testify's assert and "fmt" for the tests.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

GOCACHE = os.environ.get("RBGO_GOCACHE", "/tmp/rbgo_gocache")
STDLIB = ["fmt", "math", "sort", "strings", "strconv", "regexp", "unicode", "bytes", "math/bits",
          "unicode/utf8", "slices", "errors", "reflect", "math/big", "container/heap", "os"]
IMPORT_BLOCK = re.compile(r"^\s*import\s*\((.*?)\)", re.S | re.M)
IMPORT_LINE = re.compile(r'^\s*import\s+(?:\w+\s+)?"([^"]+)"\s*$', re.M)
PACKAGE = re.compile(r"^\s*package\s+\w+\s*$", re.M)


def tail(text, n=2000):
    text = text.strip()
    return text[-n:]


def run_ruby(row, code, timeout):
    with tempfile.TemporaryDirectory(prefix="rbgo_rb_") as d:
        path = os.path.join(d, "main.rb")
        with open(path, "w") as fh:
            fh.write(code.rstrip() + "\n\n" + row["tests"])
        try:
            p = subprocess.run(["ruby", path], cwd=d, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            return False, "timeout"
        return p.returncode == 0, None if p.returncode == 0 else tail(p.stdout + "\n" + p.stderr)


def split_go(code):
    """Strip a package clause and import declarations from a code string; return (imports, body)."""
    imports = []
    for block in IMPORT_BLOCK.findall(code):
        imports += re.findall(r'"([^"]+)"', block)
    body = IMPORT_BLOCK.sub("", code)
    imports += IMPORT_LINE.findall(body)
    body = IMPORT_LINE.sub("", body)
    body = PACKAGE.sub("", body)
    return imports, body.strip() + "\n"


def uses(code, pkg):
    name = pkg.split("/")[-1]
    return re.search(r"(?<![\w.])" + re.escape(name) + r"\.", code) is not None


def go_program(row, code):
    extra, body = split_go(code)
    candidates = list(dict.fromkeys(list(row.get("imports", [])) + extra + STDLIB))
    imports = [p for p in candidates if p != "fmt" and uses(body, p)]
    if uses(body, "fmt") or uses(row["tests"], "fmt"):
        imports.append("fmt")
    imports = sorted(set(imports)) + ["testing"]
    lines = "\n".join(f'\t"{p}"' for p in imports)
    if uses(row["tests"], "assert"):
        lines += '\n\n\t"github.com/stretchr/testify/assert"'
    pkg = row["entry_point"] + "_test"
    return f"package {pkg}\n\nimport (\n{lines}\n)\n\n{body}\n{row['tests']}"


def run_go(row, code, timeout):
    env = dict(os.environ, GOCACHE=GOCACHE, GOPATH="/usr/share/gocode", GO111MODULE="off", GOFLAGS="",
               GOENV="off", CGO_ENABLED="0")
    with tempfile.TemporaryDirectory(prefix="rbgo_go_") as d:
        with open(os.path.join(d, "main_test.go"), "w") as fh:
            fh.write(go_program(row, code))
        try:
            p = subprocess.run(["/bin/sh", "-c", "go test -c -o prog.test && exec ./prog.test"], cwd=d, env=env,
                               capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            return False, "timeout"
        return p.returncode == 0, None if p.returncode == 0 else tail(p.stdout + "\n" + p.stderr)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--functions", required=True)
    ap.add_argument("--code", help="JSONL of {id, code} overrides; only these ids are run")
    ap.add_argument("--jobs", type=int, default=4)
    ap.add_argument("--timeout", type=float, default=120)
    ap.add_argument("--show-program", help="print the assembled program for this id and exit")
    args = ap.parse_args()

    rows = {}
    with open(args.functions) as fh:
        for line in fh:
            if line.strip():
                r = json.loads(line)
                rows[r["id"]] = r
    if args.show_program:
        r = rows[args.show_program]
        print(go_program(r, r["code"]) if r["language"] == "go" else r["code"] + "\n" + r["tests"])
        return
    jobs = []
    if args.code:
        with open(args.code) as fh:
            for line in fh:
                if line.strip():
                    c = json.loads(line)
                    jobs.append((c["id"], c.get("code") or ""))
    else:
        jobs = [(i, r["code"]) for i, r in rows.items()]

    def work(job):
        rid, code = job
        row = rows.get(rid)
        if row is None:
            return {"id": rid, "passed": False, "error": "unknown id"}
        fn = run_go if row["language"] == "go" else run_ruby
        try:
            ok, err = fn(row, code, args.timeout)
        except Exception as e:  # noqa: BLE001
            ok, err = False, f"runner error: {e!r}"
        return {"id": rid, "passed": ok, "error": err}

    npass = 0
    with ThreadPoolExecutor(max_workers=args.jobs) as ex:
        for res in ex.map(work, jobs):
            npass += res["passed"]
            print(json.dumps(res), flush=True)
    print(f"# {npass}/{len(jobs)} passed", file=sys.stderr)


if __name__ == "__main__":
    main()
