"""``batcoder document``: BatCoder's code→doc direction as a tool, each documentation verified.

sources (files → functions to document) → pipeline (K documentations, the filter, a reconstruction
of each, S(c, c'), the best kept) → render (the language's documentation convention) → edits
(placed where the language puts documentation, verified to change nothing else) → run (diff,
in-place write or JSONL; a summary) → cli.
"""
