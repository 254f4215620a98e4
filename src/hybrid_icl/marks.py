"""Marks on scores that are not plain: diverged seeds, undefined scores, a missing reference.

A score row's ``status`` (column of ``icl_scores.csv``) is ``completed`` or one or more reasons
joined by "; ", each written by one of the ``*_status`` functions below. Every output (CSV, Markdown,
LaTeX, the heat map, the error and progress figures) marks a row with the symbols of its reasons,
states the reason, and explains a symbol in a footnote only when it appears.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

COMPLETED = "completed"
DIVERGED, UNDEFINED, NO_REFERENCE = "\u2020", "\u2021", "\u00a7"  # †, ‡, §
FOOTNOTES = {
    DIVERGED: "seeds diverged (training loss NaN or infinite); the value comes from the seeds that completed, "
    "none if all diverged",
    UNDEFINED: "score undefined: the reference is no better than the zero predictor (0 / 0)",
    NO_REFERENCE: "no score: the reference model has no completed run with these seeds",
}
LATEX_SYMBOLS = {DIVERGED: r"\dag", UNDEFINED: r"\ddag", NO_REFERENCE: r"\S"}

_DIVERGED = re.compile(r"^diverged in (\d+)/(\d+) seeds$")
_UNDEFINED = re.compile(r"^undefined: reference (.+) is no better than zero$")
_NO_REFERENCE = re.compile(r"^reference (.+) has no completed run with these seeds$")


def diverged_status(diverged: int, runs: int) -> str:
    return f"diverged in {diverged}/{runs} seeds"


def undefined_status(reference: str) -> str:
    return f"undefined: reference {reference} is no better than zero"


def no_reference_status(reference: str) -> str:
    return f"reference {reference} has no completed run with these seeds"


def joined(reasons: list[str]) -> str:
    """The status of a row from its reasons (none: completed)."""
    return "; ".join(reasons) or COMPLETED


@dataclass(frozen=True)
class Mark:
    """One reason a value is not plain: its symbol and the reason in words, e.g. ('†', '1 of 2 seeds diverged')."""

    symbol: str
    reason: str


def marks(status: str) -> list[Mark]:
    """The marks of a status string (none for 'completed'); ValueError on a reason this module did not write."""
    found = []
    for part in [] if status == COMPLETED else status.split("; "):
        if match := _DIVERGED.match(part):
            found.append(Mark(DIVERGED, f"{match.group(1)} of {match.group(2)} seeds diverged"))
        elif match := _UNDEFINED.match(part):
            found.append(Mark(UNDEFINED, f"reference {match.group(1)} no better than zero"))
        elif match := _NO_REFERENCE.match(part):
            found.append(Mark(NO_REFERENCE, f"reference {match.group(1)} has no completed run"))
        else:
            raise ValueError(f"unknown score status {part!r}")
    return found


def symbols(status: str) -> str:
    """'†' or '†‡' or '' for a status."""
    return "".join(m.symbol for m in marks(status))


def reasons(status: str) -> str:
    """'1 of 2 seeds diverged' (several joined by '; '), '' for a completed row."""
    return "; ".join(m.reason for m in marks(status))


def footnote(statuses: Iterable[str], latex: bool = False) -> str:
    """One line per symbol that appears among ``statuses``, in a fixed order; '' when none does."""
    used = {m.symbol for status in statuses for m in marks(status)}
    order = [s for s in (DIVERGED, UNDEFINED, NO_REFERENCE) if s in used]
    return "\n".join(f"{LATEX_SYMBOLS[s] + chr(92) if latex else s} {FOOTNOTES[s]}" for s in order)


def marked_rows(rows: Iterable[tuple[str, str]]) -> list[str]:
    """'† gpt2 on linear: 1 of 2 seeds diverged' for every (label, status) with a mark, in order."""
    return [f"{symbols(status)} {label}: {reasons(status)}" for label, status in rows if status != COMPLETED]


def with_marks(value: str, status: str) -> str:
    """A table cell's text with its marks and reason: '0.812 [0.80, 0.82] † (1 of 2 seeds diverged)';
    '—' stands for a missing value; a completed row's value is returned unchanged."""
    if status == COMPLETED:
        return value
    return f"{value or '—'} {symbols(status)} ({reasons(status)})"


def with_footnote(text: str, statuses: Iterable[str]) -> str:
    """Markdown ``text`` followed by the footnote of the marks among ``statuses`` (nothing if none)."""
    notes = footnote(statuses)
    return text + (f"\n{notes.replace(chr(10), '  ' + chr(10))}\n" if notes else "")
