"""How the command line reports a user's mistake: one line on stderr and exit code 2, no traceback.

Missing or unreadable files, YAML errors, duplicate keys, invalid configs, unknown task or model
names and corrupt result files are the user's to fix, so they are reported as such; anything else is
a bug and keeps its traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

USAGE_ERROR = 2


class UsageError(ValueError):
    """A problem with what the user asked for (a name, a value), described in one line."""


def non_negative_int(text: str) -> int:
    """argparse type: an integer >= 0 (seeds, counts)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{value} is negative (must be 0 or more)")
    return value


def positive_int(text: str) -> int:
    """argparse type: an integer >= 1 (threads)."""
    value = non_negative_int(text)
    if value == 0:
        raise argparse.ArgumentTypeError("0 is not allowed (must be 1 or more)")
    return value


def check_name(kind: str, name: str, known) -> None:
    """UsageError unless ``name`` is one of ``known`` (a config's tasks or models)."""
    if name not in known:
        raise UsageError(f"{kind} {name!r} is not defined in this suite (defined: {', '.join(known)})")


def user_errors() -> tuple[type[BaseException], ...]:
    """Exception types that describe a user's mistake in their message."""
    from .artifacts import ArtifactError
    from .validation import ConfigError
    from .yaml_strict import ConfigFileError

    return UsageError, ConfigFileError, ConfigError, ArtifactError, OSError


def run_command(command: Callable[[argparse.Namespace], int], args: argparse.Namespace) -> int:
    """Run one subcommand; a user's mistake becomes 'ERROR: <what>' on stderr and exit code 2."""
    from .train import is_out_of_memory

    try:
        return command(args)
    except user_errors() as err:
        text = str(err) if not isinstance(err, OSError) or not err.filename else (
            f"{err.filename}: {err.strerror or err}"
        )
        print(f"ERROR: {text}", file=sys.stderr)
        return USAGE_ERROR
    except (MemoryError, RuntimeError) as err:
        if not is_out_of_memory(err):
            raise
        print(f"ERROR: out of memory ({str(err).splitlines()[0] if str(err) else 'MemoryError'}); "
              "ask for smaller sizes or more memory", file=sys.stderr)
        return USAGE_ERROR
