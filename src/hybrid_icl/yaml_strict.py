"""Reading YAML config files strictly: duplicate keys and syntax errors are errors naming file and line.

PyYAML's ``safe_load`` keeps the last of two equal keys, so a model block written twice silently
trains the second one under the first one's name. ``load_yaml`` refuses that. Keys merged in with
``<<: *anchor`` may be overridden (that is what merge keys are for); only keys written twice in the
same mapping are duplicates. Numbers in exponent form without a dot (``1e-3``), which YAML 1.1
reads as strings, are read as floats, as YAML 1.2 and JSON do.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

_FLOAT_12 = re.compile(r"^[-+]?(?:[0-9][0-9_]*)(?:\.[0-9_]*)?[eE][-+]?[0-9]+$")


class ConfigFileError(ValueError):
    """A config file is missing, unreadable, not YAML, or holds a key twice; the message is one line."""


class StrictLoader(yaml.SafeLoader):
    """SafeLoader that rejects duplicate mapping keys and reads 1e-3 as a float."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        seen: dict[Any, yaml.Node] = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=True)
            if key in seen:
                first = seen[key].start_mark.line + 1
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r} (first written on line {first})", key_node.start_mark
                )
            seen[key] = key_node
        return super().construct_mapping(node, deep=deep)


StrictLoader.add_implicit_resolver("tag:yaml.org,2002:float", _FLOAT_12, list("-+0123456789"))


def parse_yaml(text: str, source: str = "<string>") -> Any:
    """The YAML document in ``text``; ConfigFileError naming ``source`` and the line on any problem."""
    try:
        return yaml.load(text, Loader=StrictLoader)  # noqa: S506 - StrictLoader is a SafeLoader
    except yaml.YAMLError as err:
        raise ConfigFileError(f"{source}: {describe_yaml_error(err)}") from None


def describe_yaml_error(err: yaml.YAMLError) -> str:
    """'line 12, column 3: duplicate key ...' from a PyYAML error, on one line."""
    mark = getattr(err, "problem_mark", None)
    problem = getattr(err, "problem", None) or str(err)
    where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
    context = getattr(err, "context", None)
    detail = f" ({context})" if context and "duplicate" not in problem else ""
    return f"{where}{problem}{detail}".replace("\n", " ")


def load_yaml(path: str | Path) -> Any:
    """Read one YAML file strictly; ConfigFileError (one line, naming the file) when it cannot be used."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigFileError(f"{path}: no such config file") from None
    except IsADirectoryError:
        raise ConfigFileError(f"{path}: is a folder, not a config file") from None
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigFileError(f"{path}: cannot be read ({getattr(err, 'strerror', None) or err})") from None
    return parse_yaml(text, str(path))


def typed_value(value: Any) -> Any:
    """A ``--config key=value`` value as YAML types it: Snakemake leaves '[0, 1]' as ['0', '1'].

    Strings are re-read as YAML scalars or flow collections ('0' -> 0, 'true' -> True, '1e-3' ->
    0.001, '[0,1]' -> [0, 1]); lists and mappings are typed element by element.
    """
    if isinstance(value, dict):
        return {key: typed_value(item) for key, item in value.items()}
    if isinstance(value, list):
        return [typed_value(item) for item in value]
    if isinstance(value, str):
        try:
            return yaml.load(value, Loader=StrictLoader)  # noqa: S506
        except yaml.YAMLError:
            return value
    return value
