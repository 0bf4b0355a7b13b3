"""The checked-in type stub of the native module matches what nanobind's stubgen makes of it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

STUB = Path(__file__).resolve().parents[1] / "src" / "w2v" / "_core.pyi"
REGENERATE = "python -m nanobind.stubgen -m w2v._core -o src/w2v/_core.pyi"


def test_checked_in_stub_is_up_to_date(tmp_path):
    pytest.importorskip("nanobind.stubgen")
    out = tmp_path / "_core.pyi"
    subprocess.run(
        [sys.executable, "-m", "nanobind.stubgen", "-q", "-m", "w2v._core", "-o", str(out)],
        check=True,
    )
    assert out.read_text() == STUB.read_text(), (
        f"{STUB.name} is out of date with the bindings; regenerate it with: {REGENERATE}"
    )
