"""gensim's 9-sentence test corpus (``gensim.test.utils.common_texts``), written out so the
tests that reproduce gensim's behaviour on it do not need gensim installed."""

from __future__ import annotations

from typing import List

COMMON_TEXTS: List[List[str]] = [
    ["human", "interface", "computer"],
    ["survey", "user", "computer", "system", "response", "time"],
    ["eps", "user", "interface", "system"],
    ["system", "human", "system", "eps"],
    ["user", "response", "time"],
    ["trees"],
    ["graph", "trees"],
    ["graph", "minors", "trees"],
    ["graph", "minors", "survey"],
]


def lines(sentences: List[List[str]]) -> str:
    """The sentences as LineSentence text: one per line, tokens separated by spaces."""
    return "".join(" ".join(s) + "\n" for s in sentences)
