"""How functions.jsonl, docs.jsonl and reconstructions.jsonl were merged from the writers' output
(a working folder that is not part of the repository; kept to show exactly what was done).

    python bench/roundtrip/assemble.py /path/to/roundtrip-work

Functions and documentations are concatenated as they are (Python first, then Ruby and Go). Each
reconstruction row names only the blind request it answers; the writers' request maps say which
(function id, documentation kind) that request was. The reconstruction's ``code`` field (the code
block of its reply, as the writer extracted it) is kept with its raw ``reply``.
"""

import json
import sys
from pathlib import Path

from batcoder.data.jsonl import atomic_output


def rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def main() -> None:
    work, here = Path(sys.argv[1]), Path(__file__).parent
    functions = rows(work / "writer/python_functions.jsonl") + rows(work / "writer/rbgo_functions.jsonl")
    docs = rows(work / "writer/python_docs.jsonl") + rows(work / "writer/rbgo_docs.jsonl")
    requests = {}
    for path in sorted(work.rglob("*request_map*.json")):
        requests.update(json.loads(path.read_text(encoding="utf-8")))
    reconstructions = []
    for path in sorted((work / "reconstructions").glob("*.jsonl")):
        for row in rows(path):
            target = requests[row["request_id"]]
            reconstructions.append({"id": target["id"], "kind": target["kind"], "request_id": row["request_id"],
                                    "code": row["code"], "reply": row["reply"]})
    expected = {(doc["id"], doc["kind"]) for doc in docs}
    found = [(row["id"], row["kind"]) for row in reconstructions]
    if len(found) != len(set(found)) or set(found) != expected:
        raise SystemExit(f"reconstructions do not match the documentations one to one: "
                         f"{len(set(found))} distinct of {len(found)}, {len(expected - set(found))} missing")
    order = {key: index for index, key in enumerate((doc["id"], doc["kind"]) for doc in docs)}
    reconstructions.sort(key=lambda row: order[row["id"], row["kind"]])
    for name, content in (("functions", functions), ("docs", docs), ("reconstructions", reconstructions)):
        with atomic_output(here / f"{name}.jsonl") as out:
            out.writelines(json.dumps(row, ensure_ascii=False) + "\n" for row in content)
        print(f"{name}.jsonl: {len(content)} rows")


if __name__ == "__main__":
    main()
