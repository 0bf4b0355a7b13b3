"""Predicting a centre word from its context with a trained negative-sampling model."""

from __future__ import annotations

import warnings
from typing import Any, List, Optional, Sequence, Tuple

import numpy as np

from w2v.similarity import check_topn
from w2v.vectors_math import top_indices


def predict_output_word(
    model: Any, context_words_list: Sequence[Any], topn: Optional[int] = 10
) -> Optional[List[Tuple[Any, float]]]:
    """Most probable centre words given context words, as gensim's ``predict_output_word``.

    The input vectors of the known context words are summed (averaged if
    ``model.cbow_mean``), scored against every word's output vector (``model.syn1neg``) and
    turned into probabilities with a softmax. This is a CBOW-style forward pass even for
    skip-gram models, and only a rough use of the model as a predictor.

    Parameters
    ----------
    model : Word2Vec
        A model trained with negative sampling (``negative > 0``).
    context_words_list : list of str or int
        Context words (or their rows in ``model.wv``); unknown words are ignored.
    topn : int or None
        How many words to return (``None``: all, most probable first).

    Returns
    -------
    list of (str, float) or None
        ``(word, probability)`` pairs, most probable first; None (with a warning) when no
        context word is known.

    Raises
    ------
    RuntimeError
        If the model has no negative-sampling output weights.
    ValueError
        If ``topn`` is negative or not an integer.
    """
    topn = check_topn(topn)
    if not getattr(model, "negative", 0):
        raise RuntimeError(
            "predict_output_word needs a model trained with negative sampling (negative > 0); "
            "hierarchical-softmax-only models are not supported"
        )
    wv = model.wv
    syn1neg = getattr(model, "syn1neg", None)
    n = len(wv.index_to_key)
    if syn1neg is None or n == 0 or np.shape(syn1neg)[0] != n or np.shape(wv.vectors)[0] != n:
        raise RuntimeError(
            "the model has no trained weights to predict with: build the vocabulary and train "
            "it first"
        )
    rows = [wv.get_index(w) for w in context_words_list if w in wv]
    if not rows:
        warnings.warn(
            "All the input context words are out-of-vocabulary for the current model.",
            UserWarning,
            stacklevel=3,
        )
        return None
    hidden = np.sum(wv.vectors[np.asarray(rows, dtype=np.intp)], axis=0)
    if getattr(model, "cbow_mean", 1):
        hidden = hidden / len(rows)
    scores = (np.asarray(syn1neg) @ hidden).astype(np.float64)
    scores -= scores.max()  # a stable softmax: same probabilities, no overflow
    probs = np.exp(scores)
    probs /= probs.sum()
    if topn == 0:
        return []
    best = top_indices(probs, n if topn is None else topn)
    return [(wv.index_to_key[i], float(probs[i])) for i in best]
