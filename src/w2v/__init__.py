"""w2v: fast word2vec (skip-gram, CBOW, negative sampling, hierarchical softmax).

A drop-in for gensim's ``Word2Vec``: ``from w2v import Word2Vec`` instead of
``from gensim.models import Word2Vec``.
"""

from w2v import datasets
from w2v.callbacks import CallbackAny2Vec
from w2v.corpora import LineSentence, PathLineSentences, Text8Corpus
from w2v.keyedvectors import KeyedVectors
from w2v.loading import load
from w2v.model import Word2Vec
from w2v.phrases import (
    ENGLISH_CONNECTOR_WORDS,
    FrozenPhrases,
    Phraser,
    Phrases,
    npmi_scorer,
    original_scorer,
)
from w2v.vocabulary import RULE_DEFAULT, RULE_DISCARD, RULE_KEEP

__version__ = "0.1.0"

__all__ = [
    "Word2Vec",
    "KeyedVectors",
    "load",
    "LineSentence",
    "PathLineSentences",
    "Text8Corpus",
    "CallbackAny2Vec",
    "RULE_DEFAULT",
    "RULE_DISCARD",
    "RULE_KEEP",
    "datasets",
    "Phrases",
    "FrozenPhrases",
    "Phraser",
    "ENGLISH_CONNECTOR_WORDS",
    "original_scorer",
    "npmi_scorer",
]
