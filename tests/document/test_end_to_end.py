"""``batcoder document`` with a real (tiny, random) model: the command completes and its summary and
JSONL agree with what it did. A random model writes nothing the filter accepts, so the expected
result is honest failure: no documentation written, every function accounted for."""

import json
import re

from batcoder.cli import main


def test_the_command_completes_with_a_real_model_and_reports_what_happened(project, tiny_model, kit, tmp_path, capsys):
    original = kit.snapshot(project)
    output = tmp_path / "docs.jsonl"
    arguments = ["document", str(project), "--model", str(tiny_model), "--k", "2", "--max-doc-tokens", "24",
                 "--max-code-tokens", "24", "--device", "cpu", "--temperature", "1.0"]
    assert main([*arguments, "--output", str(output)]) == 0
    assert kit.snapshot(project) == original
    summary = capsys.readouterr().err
    rows = [json.loads(line) for line in output.read_text().splitlines()]
    assert len(rows) == 19  # every targeted function of the fixture tree (one nested function skipped)
    assert all(sum(row["rejections"].values()) + row["accepted"] == 2 for row in rows)
    statuses = {status: sum(row["status"] == status for row in rows) for status in ("documented", "below_threshold", "rejected")}
    assert sum(statuses.values()) == 19
    assert re.search(rf"│ no documentation accepted +│ +{statuses['rejected']} │", summary)
    assert re.search(rf"│ documented +│ +{statuses['documented']} │", summary)
    assert all(row["score"] is None for row in rows if row["status"] == "rejected")

    assert main([*arguments, "--write"]) == 0  # in place: only what reached --min-score may change
    documented = sum(row["status"] == "documented" for row in rows)
    assert (kit.snapshot(project) == original) == (documented == 0)
