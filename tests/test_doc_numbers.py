"""Every score with an interval that the docs' prose quotes is a cell of a generated table.

The tables under docs/tables/ are written by `python -m hybrid_icl docs-tables` from a suite's
results folder; prose may quote them but not type its own numbers. A quote that matches no table
is a number nobody can regenerate (or one that went stale when the tables were rewritten).
"""

from __future__ import annotations

import re
from functools import cache

import pytest

from conftest import ROOT

# "0.965 [0.962, 0.967]", also with minus signs written as "−".
INTERVAL = re.compile(r"-?\d+\.\d+ \[-?\d+\.\d+, -?\d+\.\d+\]")
# Docs whose quoted intervals come from docs/tables/.
CHECKED = ("README.md", "docs/claims.md", "docs/pilots.md", "docs/study_cpu.md")


def intervals(text: str) -> set[str]:
    return set(INTERVAL.findall(text.replace("−", "-")))


@cache
def generated() -> set[str]:
    return set().union(*(intervals(path.read_text()) for path in (ROOT / "docs" / "tables").rglob("*.md")))


def test_the_pattern_reads_signed_intervals():
    assert intervals("by −0.076 [−0.184, 0.043] and 0.9 [1.0, 2.0]") == {"-0.076 [-0.184, 0.043]", "0.9 [1.0, 2.0]"}


@pytest.mark.parametrize("doc", CHECKED)
def test_quoted_intervals_are_cells_of_generated_tables(doc):
    quoted = intervals((ROOT / doc).read_text())
    assert quoted, f"{doc} quotes no interval: drop it from CHECKED"
    unknown = sorted(quoted - generated())
    assert not unknown, f"{doc} quotes intervals found in no table under docs/tables/: {unknown}"
