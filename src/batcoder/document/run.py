"""The documentation run: targets in batches through the model, each file finished (diffed or written)
as soon as all its functions are done, so an interrupted ``--write`` keeps every file finished so
far; the JSONL of ``--output`` is written, atomically, at the end."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from batcoder.document.edits import apply_documentation, documentation_edit, unified_diff, write_source
from batcoder.document.pipeline import DocumentConfig, Outcome, document
from batcoder.document.sources import SourceFile, Target
from batcoder.errors import UserError

DIFF, WRITE, OUTPUT = "diff", "write", "output"

DOCUMENTED = "documented"  # accepted, scored at least min_score, placed
BELOW_THRESHOLD = "below_threshold"  # accepted, best S below min_score: not written
REJECTED = "rejected"  # the filter rejected all K documentations
NOT_PLACED = "not_placed"  # the edit did not verify (see batcoder.document.edits): not written


@dataclass
class Report:
    outcomes: list[tuple[Outcome, str]] = field(default_factory=list)  # (outcome, status)
    files_changed: list[Path] = field(default_factory=list)  # written, or shown in the diff
    unwritten: list[str] = field(default_factory=list)  # one-line errors of files left as they were

    def count(self, status: str) -> int:
        return sum(1 for _, found in self.outcomes if found == status)

    def scores(self) -> list[float]:
        return [outcome.score for outcome, _ in self.outcomes if outcome.score is not None]


def run(
    backend, tokenizer, targets: Sequence[Target], config: DocumentConfig, *, mode: str,
    output: str | Path | None = None, progress: bool = True, diff_stream=None,
) -> Report:
    """Document ``targets`` (grouped by file, in file order) and diff/write/record the results."""
    from tqdm.auto import tqdm

    diff_stream = diff_stream or sys.stdout
    report = Report()
    per_call = max(1, config.batch_size // config.k)
    remaining: dict[Path, int] = {}
    for target in targets:
        remaining[target.source.real_path] = remaining.get(target.source.real_path, 0) + 1
    finished: dict[Path, list[Outcome]] = {}
    with tqdm(total=len(targets), desc="document", unit="fn", disable=not progress, file=sys.stderr) as bar:
        for call, start in enumerate(range(0, len(targets), per_call)):
            for outcome in document(backend, tokenizer, targets[start : start + per_call], config, seed=config.seed + 2 * call):
                source = outcome.target.source
                finished.setdefault(source.real_path, []).append(outcome)
                remaining[source.real_path] -= 1
                if remaining[source.real_path] == 0:
                    _finish(source, finished.pop(source.real_path), config.min_score, mode, report, bar, diff_stream)
                bar.update(1)
    if mode == OUTPUT:
        _write_jsonl(output, report)
    return report


def _finish(source: SourceFile, outcomes: list[Outcome], min_score: float, mode: str, report: Report, bar, diff_stream) -> None:
    edits = {}
    for outcome in outcomes:
        if outcome.documentation is not None:  # rendered for the JSONL even when below the threshold
            edit, outcome.rendered = documentation_edit(source, outcome.target.function, outcome.documentation)
            if outcome.score >= min_score:
                edits[outcome.target.index] = edit
    edited, failed = apply_documentation(source, edits)
    for outcome in outcomes:
        index = outcome.target.index
        if outcome.score is None:
            status = REJECTED
        elif index not in edits:
            status = BELOW_THRESHOLD
        else:
            status = NOT_PLACED if index in failed else DOCUMENTED
        report.outcomes.append((outcome, status))
    if edited == source.text:
        return
    if mode == DIFF:
        bar.write(unified_diff(source, edited), file=diff_stream, end="")
    elif mode == WRITE:
        try:
            write_source(source, edited)
        except UserError as error:
            report.unwritten.append(str(error))
            return
    report.files_changed.append(source.path)


def _write_jsonl(output: str | Path, report: Report) -> None:
    from batcoder.data.jsonl import atomic_output

    try:
        with atomic_output(output, "document") as out:
            for outcome, status in report.outcomes:
                out.write(json.dumps(_row(outcome, status), ensure_ascii=False) + "\n")
    except OSError as error:
        raise UserError(f"--output {output}: cannot write: {error.strerror or error}") from None


def _row(outcome: Outcome, status: str) -> dict:
    target = outcome.target
    function = target.function
    return {
        "path": target.source.path.as_posix(), "language": target.source.language.name, "name": function.name,
        "container": function.container, "kind": function.kind, "start_line": function.start_line,
        "end_line": function.end_line, "had_documentation": function.docstring is not None, "status": status,
        "score": outcome.score, "doc_score": outcome.doc_score, "doc_reason": outcome.doc_reason,
        "documentation": outcome.documentation, "rendered": outcome.rendered, "code": target.code,
        "reconstruction": outcome.reconstruction, "accepted": outcome.accepted, "rejections": outcome.rejections,
    }
