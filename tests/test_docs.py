"""docs/configuration.md states the defaults the code uses (the code is their one source)."""

from __future__ import annotations

import re

import pytest
import yaml

from conftest import ROOT
from hybrid_icl.bounds import LIMIT_DEFAULTS
from hybrid_icl.config import BASELINE_RESOURCE_DEFAULTS, EVALUATION_DEFAULTS, TRAINING_DEFAULTS
from hybrid_icl.models.settings import SIZE_DEFAULTS

CONFIGURATION = (ROOT / "docs" / "configuration.md").read_text()


def value(text: str):
    """A default as the docs write it: YAML, with 1e-3 read as a number and `code` quotes dropped."""
    parsed = yaml.safe_load(text.strip().strip("`"))
    try:
        return float(parsed) if isinstance(parsed, str) else parsed
    except ValueError:
        return parsed


def same(documented, actual) -> bool:
    if isinstance(actual, (int, float)) and not isinstance(actual, bool) and isinstance(documented, (int, float)):
        return float(documented) == float(actual)
    return documented == actual


def training_table() -> dict[str, object]:
    """{key: default} from the rows of the Training section's table (`a`, `b` | 1, [2, 3] | ...)."""
    section = CONFIGURATION.split("## Training", 1)[1].split("\nPrecedence", 1)[0]
    found = {}
    for keys, defaults in re.findall(r"^\| (`[^|]+) \| ([^|]+) \|", section, flags=re.M):
        names = re.findall(r"`(\w+)`", keys)
        values = yaml.safe_load(f"[{defaults.strip()}]")
        assert len(values) == len(names), (keys, defaults)
        found.update({name: value(str(v)) if isinstance(v, str) else v for name, v in zip(names, values)})
    return found


def test_the_training_table_lists_every_training_default_with_its_value():
    table = training_table()
    assert set(table) == set(TRAINING_DEFAULTS)
    wrong = {k: (table[k], TRAINING_DEFAULTS[k]) for k in table if not same(table[k], TRAINING_DEFAULTS[k])}
    assert not wrong, wrong


@pytest.mark.parametrize("defaults", [SIZE_DEFAULTS, EVALUATION_DEFAULTS, LIMIT_DEFAULTS],
                         ids=["model", "evaluation", "limits"])
def test_defaults_written_in_prose_match_the_code(defaults):
    """Prose such as "`d_state` (16)" or "`n_prompts` (1280: ...)", or a table row "| `init` | `gpt2` |"."""
    for key, default in defaults.items():
        match = re.search(rf"`{key}` (?:\(|\| )(`?[\w.\-]+`?)", CONFIGURATION)
        assert match, key
        assert same(value(match.group(1)), default), (key, match.group(1), default)


def test_baseline_resource_defaults_match_the_code():
    listed = re.search(r"`threads`, `mem_mb`, `runtime_min` \(defaults ([^)]+)\)", CONFIGURATION)
    assert listed and [int(v) for v in listed.group(1).split(", ")] == list(BASELINE_RESOURCE_DEFAULTS.values())
