"""The examples in the documentation run, and print what the documentation says they print.

Every fenced ```python block of a page listed in ``DOC_PAGES`` runs, in order, in one
namespace per page. A block with ``>>>`` prompts is a doctest: its outputs are compared. A
block without prompts is executed as a script.
"""

from __future__ import annotations

import doctest
import io
import re
from pathlib import Path
from typing import List, Tuple

import pytest

import w2v.noise

DOCS = Path(__file__).resolve().parent.parent / "docs"
DOC_PAGES = ["negative-sampling.md", "gensim-differences.md", "checkpoints.md", "phrases.md"]
OPTIONFLAGS = doctest.ELLIPSIS


def python_blocks(text: str) -> List[Tuple[int, str]]:
    """(first line number, source) of each fenced ```python block of a markdown text."""
    blocks: List[Tuple[int, str]] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        opening = re.match(r"^(\s*)(`{3,}|~{3,})\s*(\w*)", lines[i])
        if not opening:
            i += 1
            continue
        indent, fence, lang = opening.groups()
        start = i + 1
        i += 1
        while i < len(lines) and not lines[i].strip().startswith(fence):
            i += 1
        if i == len(lines):
            raise ValueError(f"unclosed code fence at line {start}")
        if lang in ("python", "py", "pycon"):
            body = [line[len(indent) :] for line in lines[start:i]]
            blocks.append((start + 1, "\n".join(body) + "\n"))
        i += 1
    return blocks


def run_page(path: Path) -> None:
    globs: dict = {"__name__": f"docs.{path.stem}"}
    parser = doctest.DocTestParser()
    blocks = python_blocks(path.read_text(encoding="utf-8"))
    assert blocks, f"{path.name} has no python examples"
    for lineno, source in blocks:
        where = f"{path.name}:{lineno}"
        if ">>>" in source:
            test = parser.get_doctest(source, globs, where, str(path), lineno - 1)
            out = io.StringIO()
            runner = doctest.DocTestRunner(optionflags=OPTIONFLAGS)
            runner.run(test, out=out.write, clear_globs=False)
            globs.update(test.globs)  # DocTest works on a copy: carry names to the next block
            if runner.failures:
                pytest.fail(f"example in {where} failed:\n{out.getvalue()}", pytrace=False)
        else:
            exec(compile(source, where, "exec"), globs)


@pytest.mark.parametrize("page", DOC_PAGES)
def test_doc_examples_run(page: str) -> None:
    run_page(DOCS / page)


@pytest.mark.parametrize("page", DOC_PAGES)
def test_doc_anchor_links_resolve(page: str) -> None:
    text = (DOCS / page).read_text(encoding="utf-8")
    headings = re.findall(r"^#+\s+(.+?)\s*$", text, flags=re.MULTILINE)
    slugs = {re.sub(r"[^\w\- ]", "", h).strip().lower().replace(" ", "-") for h in headings}
    for anchor in re.findall(r"\]\(#([^)]+)\)", text):
        assert anchor in slugs, f"{page}: link to missing section #{anchor}"


def test_python_blocks_parser() -> None:
    text = "a\n```python\n>>> 1 + 1\n2\n```\n\n```text\nnot code\n```\n```python\nx = 1\n```\n"
    assert python_blocks(text) == [(3, ">>> 1 + 1\n2\n"), (11, "x = 1\n")]


def test_noise_module_docstring_examples() -> None:
    result = doctest.testmod(w2v.noise, optionflags=OPTIONFLAGS)
    assert result.attempted > 0
    assert result.failed == 0
