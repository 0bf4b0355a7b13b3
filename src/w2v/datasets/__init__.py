"""Small real data shipped with w2v, so examples and tests run without downloads."""

from __future__ import annotations

from pathlib import Path

_HERE = Path(__file__).resolve().parent


def demo_path() -> str:
    """Path of the bundled demo corpus (``demo.txt.gz``).

    1.58 M words from 19 public-domain novels (Project Gutenberg), one paragraph per line,
    lowercase a-z only, digits spelled out. ``ATTRIBUTION.md`` beside it lists the books.

    Returns
    -------
    str
    """
    return str(_HERE / "demo.txt.gz")


def attribution_path() -> str:
    """Path of the demo corpus's attribution file."""
    return str(_HERE / "ATTRIBUTION.md")
