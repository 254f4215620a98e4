"""Which code decides a trained run's numbers, hashed so that only a change to that code retrains it.

A run's code version hashes

- the training loop's modules (``TRAINING_LOOP``) and the model-building core (``MODEL_CORE``);
- the modules of the blocks its architecture instantiates (found by building the model once) and
  the package modules those import, so editing the attention block retrains only runs with
  attention and adding a block or a zoo entry retrains nothing;
- its task's module and the package modules that imports (``task_code_files``);
- its resolved architecture spec (the zoo entry it names, with inline overrides).

Modules are compared as syntax trees with docstrings removed (``source_digest``): comments,
docstrings and formatting never retrain anything.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import json
from collections.abc import Iterable
from pathlib import Path

PACKAGE_ROOT = Path(__file__).resolve().parent
PACKAGE = PACKAGE_ROOT.name
# Relative to the package root.
TRAINING_LOOP = ("train.py", "accel.py", "curriculum.py", "config.py")
# Functions every model build calls are core too: make_norm (norms.py) picks every norm, torch's
# LayerNorm included; init.py and reference.py decide initialisation and biases.
MODEL_CORE = (
    "models/icl.py", "models/stack.py", "models/settings.py", "models/recipe.py", "models/norms.py",
    "models/init.py", "models/reference.py",
)
# The architecture figure: drawn from the recipes and the zoo.
FIGURE_CODE = ("models/recipe.py", "models/zoo.py", "models/diagram.py", "plots.py")

RUN_KEY_FILE = "RUN_KEY"  # in a run's resume folder: the key of the run its state belongs to
DOCSTRING_OWNERS = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)


def without_docstrings(tree: ast.AST) -> ast.AST:
    """``tree`` with the docstring of every module, class and function removed (in place)."""
    for node in ast.walk(tree):
        if isinstance(node, DOCSTRING_OWNERS) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
                node.body = node.body[1:] or [ast.Pass()]
    return tree


def source_digest(file: Path) -> str:
    """Hash of a module's syntax tree without docstrings (comments and layout are not in the tree)."""
    tree = without_docstrings(ast.parse(file.read_text(), filename=str(file)))
    return hashlib.sha256(ast.dump(tree).encode()).hexdigest()


def relative_imports(file: Path) -> set[Path]:
    """Package files that ``file`` imports by relative import (``from .x import y``, ``from .. import z``)."""
    found: set[Path] = set()
    for node in ast.walk(ast.parse(file.read_text(), filename=str(file))):
        if not isinstance(node, ast.ImportFrom) or node.level == 0:
            continue
        base = file.parent
        for _ in range(node.level - 1):
            base = base.parent
        target = base.joinpath(*node.module.split(".")) if node.module else base
        candidates = [target.with_suffix(".py"), target / "__init__.py"]
        candidates += [target / f"{alias.name}.py" for alias in node.names]  # names that are modules
        found |= {path for path in candidates if path.is_file()}
    return found


def import_closure(files: Iterable[Path]) -> set[Path]:
    """``files`` and every package file they import, transitively."""
    todo, seen = list(files), set()
    while todo:
        file = todo.pop()
        if file not in seen:
            seen.add(file)
            todo.extend(relative_imports(file))
    return seen


def module_file(module: str, root: Path = PACKAGE_ROOT) -> Path:
    """``hybrid_icl.models.attention`` -> ``<root>/models/attention.py``."""
    return root.joinpath(*module.split(".")[1:]).with_suffix(".py")


def task_code_files(kind: str, root: Path = PACKAGE_ROOT) -> list[Path]:
    """The module defining task ``kind`` and every package file it imports, transitively (sorted).

    The registry ``tasks/__init__.py`` is not followed, so adding a task changes no other task's files.
    """
    from .tasks import TASKS

    return sorted(import_closure([module_file(TASKS[kind].__module__, root)]))


@functools.lru_cache(maxsize=None)
def block_modules(model_json: str) -> tuple[str, ...]:
    """Package modules of the classes a model config instantiates, e.g. ``hybrid_icl.models.attention``.

    Builds the model once, on a forked random state so the caller's stream is untouched.
    """
    import torch

    from .models import build_model

    with torch.random.fork_rng(devices=[]):
        model = build_model(json.loads(model_json), 1, 1, max_points=2)
    return tuple(sorted({type(m).__module__ for m in model.modules() if type(m).__module__.startswith(PACKAGE + ".")}))


def model_code_files(model_cfg: dict, root: Path = PACKAGE_ROOT) -> list[Path]:
    """The model-building core plus the modules of the blocks ``model_cfg`` builds and their imports."""
    core = {root / part for part in MODEL_CORE}
    blocks = {module_file(m, root) for m in block_modules(json.dumps(model_cfg, sort_keys=True))} - core
    return sorted(core | import_closure(blocks))


def files_digest(files: Iterable[Path], root: Path, extra: object = None) -> str:
    """A short hash of the files' docstring-free sources (keyed by path below ``root``) and ``extra``."""
    digest = hashlib.sha256()
    for file in sorted(set(files)):
        digest.update(str(file.relative_to(root)).encode())
        digest.update(source_digest(file).encode())
    digest.update(json.dumps(extra, sort_keys=True).encode())
    return digest.hexdigest()[:16]


def run_code_files(task_kind: str, model_cfg: dict, root: Path = PACKAGE_ROOT) -> list[Path]:
    """Every package file whose code decides the numbers of a run of this task kind and model."""
    loop = {root / part for part in TRAINING_LOOP}
    return sorted(loop | set(task_code_files(task_kind, root)) | set(model_code_files(model_cfg, root)))


def run_code_version(task_kind: str, model_cfg: dict, root: Path = PACKAGE_ROOT) -> str:
    """The code version of a run: its code files and its resolved architecture spec (part of its key)."""
    from .models.settings import raw_spec

    return files_digest(run_code_files(task_kind, model_cfg, root), root, raw_spec(model_cfg))


def figure_code_version(root: Path = PACKAGE_ROOT) -> str:
    """Hash of the code that draws the architecture figure."""
    return files_digest([root / part for part in FIGURE_CODE], root)


def run_key(run: dict) -> str:
    """A short stable hash of the result-affecting settings of a run (its code version included):
    stamped into its resume folder, so a rerun never resumes from another run's state."""
    from .config import result_affecting

    blob = json.dumps(result_affecting(run), sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]
