"""A suite's parts: config files ``slices/<suite>_<part>.yaml`` beside the suite's own, each layered
over it to run (and document) a slice of the suite on its own."""

from __future__ import annotations

from pathlib import Path


def part_files(suite_name: str, suite_file: str | Path) -> list[str]:
    """A suite's parts: the files ``slices/<suite>_*.yaml`` beside its config file, each meant to be
    layered over it; ValueError when there are none."""
    folder = Path(suite_file).parent / "slices"
    files = sorted(str(path) for path in folder.glob(f"{suite_name}_*.yaml"))
    if not files:
        raise ValueError(f"suite {suite_name} has no parts: no file {folder}/{suite_name}_*.yaml")
    return files


def part_of(suite_name: str, configfiles: list[str]) -> str | None:
    """The part that config files select: ``<part>`` when the last of several files is one of the
    suite's parts, ``slices/<suite>_<part>.yaml`` beside the first; otherwise None."""
    if len(configfiles) < 2:
        return None
    last, folder = Path(configfiles[-1]), Path(configfiles[0]).parent / "slices"
    prefix = f"{suite_name}_"
    if last.suffix == ".yaml" and last.stem.startswith(prefix) and last.parent.resolve() == folder.resolve():
        return last.stem[len(prefix):]
    return None
