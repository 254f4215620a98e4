"""A built wheel carries what the package reads at run time (the config schema), so a non-editable
install validates configs like a checkout does."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile

from conftest import ROOT
from hybrid_icl.validation import SCHEMA_PATH, load_schema


def test_the_schema_is_package_data_in_the_wheel(tmp_path):
    assert SCHEMA_PATH.parent.name == "hybrid_icl" and load_schema()["type"] == "object"
    source = tmp_path / "source"  # a copy: building writes build/ and *.egg-info beside the sources
    shutil.copytree(ROOT / "src", source / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    shutil.copy2(ROOT / "pyproject.toml", source)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w",
                    str(tmp_path / "dist"), str(source)], check=True, capture_output=True, text=True)
    (wheel,) = (tmp_path / "dist").glob("hybrid_icl-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        assert archive.read("hybrid_icl/config.schema.yaml") == SCHEMA_PATH.read_bytes()
