"""Intrinsic evaluation of word vectors: analogies and word-pair similarity.

Same inputs, results and return shapes as gensim 4.4's
``KeyedVectors.evaluate_word_analogies`` and ``evaluate_word_pairs``, but the analogy
questions are answered in batches: one matrix product scores a batch of questions against the
whole (restricted) vocabulary, so a questions-words.txt run costs a few large BLAS calls
instead of one matrix-vector product per question.
"""

from __future__ import annotations

import io
import logging
import os
from typing import Any, Dict, List, Optional, Tuple, Union

import numpy as np

from w2v.vectors_math import top_indices, unit_rows
from w2v.word2vec_format import open_for_reading

logger = logging.getLogger(__name__)

_BATCH_BUDGET = 1 << 25  # score-matrix elements per batch (128 MB of float32)
_GENSIM_TOPN = 5  # gensim looks at the 5 best candidates when skipping input words


def section_accuracy(section: Dict[str, Any]) -> float:
    """Accuracy of one section (0.0 when it has no question), logged as gensim does."""
    correct, incorrect = len(section["correct"]), len(section["incorrect"])
    if correct + incorrect == 0:
        return 0.0
    score = correct / (correct + incorrect)
    logger.info(
        "%s: %.1f%% (%i/%i)", section["section"], 100.0 * score, correct, correct + incorrect
    )
    return score


def _ok_vocab(
    kv: Any, restrict_vocab: Optional[int], case_insensitive: bool
) -> Tuple[Dict[Any, int], Optional[np.ndarray], int]:
    """The lookup gensim uses: (possibly upper-cased) key -> row of its first occurrence among
    the first ``restrict_vocab`` keys; plus, when several keys fold to one, each row's
    canonical row (else None); plus the number of rows considered."""
    keys = kv.index_to_key[:restrict_vocab]
    n = len(keys)
    if case_insensitive:
        folded = [k.upper() if isinstance(k, str) else k for k in keys]
    else:
        folded = list(keys)
    vocab = dict(zip(reversed(folded), range(n - 1, -1, -1)))
    canon = None
    if len(vocab) != n:
        canon = np.fromiter((vocab[k] for k in folded), dtype=np.intp, count=n)
    return vocab, canon, n


def evaluate_word_analogies(
    kv: Any,
    analogies: Union[str, os.PathLike],
    restrict_vocab: Optional[int] = 300000,
    case_insensitive: bool = True,
    dummy4unknown: bool = False,
    similarity_function: str = "most_similar",
) -> Tuple[float, List[Dict[str, Any]]]:
    """Accuracy of ``kv`` on analogy questions, as gensim computes it, in batches.

    Parameters
    ----------
    kv : KeyedVectors
    analogies : str
        File of ``a b c d`` lines (a is to b as c is to d) in sections started by
        ``: name`` lines, such as word2vec's questions-words.txt (``.gz``/``.bz2`` allowed).
    restrict_vocab : int, optional
        Only the first ``restrict_vocab`` keys are candidates, and questions with any other
        word are out of vocabulary.
    case_insensitive : bool
        Compare upper-cased words; a key folds to its first (most frequent) case variant.
    dummy4unknown : bool
        Count out-of-vocabulary questions as incorrect instead of skipping them.
    similarity_function : {'most_similar', 'most_similar_cosmul'}
        3CosAdd (``b - a + c``, gensim's method) or 3CosMul. gensim 4.4 accepts this argument
        but always uses 3CosAdd.

    Returns
    -------
    score : float
        Overall accuracy.
    sections : list of dict
        ``{"section": name, "correct": [(a, b, c, d), ...], "incorrect": [...]}`` per
        section in file order, then the ``"Total accuracy"`` section.

    Notes
    -----
    As in gensim, the answer is the best-scoring candidate other than the rows of a, b and c;
    with ``case_insensitive`` a candidate that is another case variant of a, b or c is skipped
    in favour of the next one (among the best five).
    """
    if similarity_function not in ("most_similar", "most_similar_cosmul"):
        raise ValueError(
            "similarity_function must be 'most_similar' or 'most_similar_cosmul', got "
            f"{similarity_function!r}"
        )
    vocab, canon, n_ok = _ok_vocab(kv, restrict_vocab, case_insensitive)
    logger.info(
        "Evaluating word analogies for top %s words in the model on %s", restrict_vocab, analogies
    )
    sections: List[Dict[str, Any]] = []
    # per section, in file order: a question number, or the words of an OOV question
    plans: List[List[Union[int, Tuple[str, ...]]]] = []
    words: List[Tuple[str, ...]] = []
    ids: List[Tuple[int, int, int, int]] = []
    section: Optional[Dict[str, Any]] = None
    oov = 0
    quadruplets = 0
    with open_for_reading(analogies) as fin:
        for line_no, raw in enumerate(fin):
            line = raw.decode("utf8")
            if line.startswith(": "):
                section = {"section": line.lstrip(": ").strip(), "correct": [], "incorrect": []}
                sections.append(section)
                plans.append([])
                continue
            if section is None:
                raise ValueError(f"Missing section header before line #{line_no} in {analogies}")
            fields = line.split()
            if len(fields) != 4:
                logger.info("Skipping invalid line #%i in %s", line_no, analogies)
                continue
            if case_insensitive:
                fields = [w.upper() for w in fields]
            quad = tuple(fields)
            quadruplets += 1
            rows = [vocab.get(w, -1) for w in quad]
            if min(rows) < 0:
                oov += 1
                if dummy4unknown:
                    plans[-1].append(quad)
                continue
            plans[-1].append(len(ids))
            ids.append(tuple(rows))  # type: ignore[arg-type]
            words.append(quad)
    if quadruplets == 0:
        raise ValueError(f"no analogy questions (lines of four words) found in {analogies}")

    correct = _answer_analogies(
        kv, np.asarray(ids, dtype=np.intp).reshape(-1, 4), canon, n_ok, similarity_function
    )

    for section, plan in zip(sections, plans):
        for item in plan:
            if isinstance(item, tuple):
                section["incorrect"].append(item)
            elif correct[item]:
                section["correct"].append(words[item])
            else:
                section["incorrect"].append(words[item])
        section_accuracy(section)
    total = {
        "section": "Total accuracy",
        "correct": [q for s in sections for q in s["correct"]],
        "incorrect": [q for s in sections for q in s["incorrect"]],
    }
    logger.info("Quadruplets with out-of-vocabulary words: %.1f%%", 100.0 * oov / quadruplets)
    if not dummy4unknown:
        logger.info(
            "NB: analogies containing OOV words were skipped from evaluation! "
            'To change this behavior, use "dummy4unknown=True"'
        )
    score = section_accuracy(total)
    sections.append(total)
    return score, sections


def _answer_analogies(
    kv: Any,
    ids: np.ndarray,
    canon: Optional[np.ndarray],
    n_ok: int,
    similarity_function: str,
) -> np.ndarray:
    """For each question (rows a, b, c, expected), whether the answer is right."""
    correct = np.zeros(len(ids), dtype=bool)
    if not len(ids):
        return correct
    kv.fill_norms()
    normed = unit_rows(kv.vectors[:n_ok], kv.norms[:n_ok])
    cosmul = similarity_function == "most_similar_cosmul"
    batch = max(1, min(2048, _BATCH_BUDGET // (max(n_ok, 1) * (3 if cosmul else 1))))
    zero_rows = np.flatnonzero(kv.norms[:n_ok] == 0)
    for start in range(0, len(ids), batch):
        q = ids[start : start + batch]
        a, b, c, expected = q[:, 0], q[:, 1], q[:, 2], q[:, 3]
        scores = _score(normed, a, b, c, cosmul)
        rows = np.arange(len(q))
        scores[rows, a] = -np.inf
        scores[rows, b] = -np.inf
        scores[rows, c] = -np.inf
        if len(zero_rows):
            scores[:, zero_rows] = -np.inf
        best = scores.argmax(axis=1)
        answer = best if canon is None else canon[best]
        # a candidate that folds to an input word (another case variant of it), or no
        # candidate at all: redo that question exactly as gensim does
        redo = (answer == a) | (answer == b) | (answer == c)
        redo |= scores[rows, best] == -np.inf
        answer = answer.copy()
        for r in np.flatnonzero(redo):
            answer[r] = _gensim_pick(scores[r], a[r], b[r], c[r], canon)
        correct[start : start + batch] = answer == expected
    return correct


def _score(
    normed: np.ndarray, a: np.ndarray, b: np.ndarray, c: np.ndarray, cosmul: bool
) -> np.ndarray:
    """Scores of every candidate row for a batch of questions, ``(len(a), len(normed))``."""
    if not cosmul:
        target = normed[b] + normed[c] - normed[a]
        length = np.linalg.norm(target, axis=1, keepdims=True)
        length[length == 0] = 1
        target /= length
        return target @ normed.T
    queries = np.concatenate((normed[b], normed[c], normed[a]))
    sims = queries @ normed.T
    sims += 1
    sims *= 0.5
    k = len(a)
    out = sims[:k] * sims[k : 2 * k]
    out /= sims[2 * k :] + 0.000001
    return out


def _gensim_pick(row: np.ndarray, a: int, b: int, c: int, canon: Optional[np.ndarray]) -> int:
    """gensim's choice for one question whose best candidate is a variant of an input word:
    among the best five candidates (rows a, b, c excluded), the first that does not fold to
    an input word, else the last one looked at; -1 if there is none."""
    inputs = {a, b, c}
    order = top_indices(row, _GENSIM_TOPN + 3)
    candidates = [int(i) for i in order if i not in inputs][:_GENSIM_TOPN]
    picked = -1
    for i in candidates:
        picked = int(canon[i]) if canon is not None else i
        if picked not in inputs:
            break
    return picked


def evaluate_word_pairs(
    kv: Any,
    pairs: Union[str, os.PathLike],
    delimiter: str = "\t",
    encoding: str = "utf8",
    restrict_vocab: Optional[int] = 300000,
    case_insensitive: bool = True,
    dummy4unknown: bool = False,
) -> Tuple[Any, Any, float]:
    """Pearson and Spearman correlation of ``kv``'s cosine similarities with human scores.

    Parameters
    ----------
    kv : KeyedVectors
    pairs : str
        File of ``word1<delimiter>word2<delimiter>score`` lines; lines starting with ``#``
        are comments (``.gz``/``.bz2`` allowed).
    delimiter : str
        Field separator.
    encoding : str
        File encoding.
    restrict_vocab : int, optional
        Words outside the first ``restrict_vocab`` keys are out of vocabulary.
    case_insensitive : bool
        Compare upper-cased words; a key folds to its first (most frequent) case variant.
    dummy4unknown : bool
        Give out-of-vocabulary pairs similarity 0 instead of skipping them.

    Returns
    -------
    pearson : scipy PearsonRResult
        ``(statistic, pvalue)``.
    spearman : scipy SignificanceResult
        ``(statistic, pvalue)``.
    oov_ratio : float
        Percentage of pairs with an unknown word.

    Raises
    ------
    ValueError
        If no valid pair is found.
    """
    try:
        from scipy import stats
    except ImportError as e:  # pragma: no cover - scipy is a test extra
        raise ImportError("evaluate_word_pairs needs scipy: pip install scipy") from e
    vocab, _, _ = _ok_vocab(kv, restrict_vocab, case_insensitive)
    gold: List[float] = []
    known: List[Tuple[int, int]] = []
    positions: List[int] = []
    oov = 0
    with open_for_reading(pairs) as raw:
        fin = io.TextIOWrapper(raw, encoding=encoding, newline=None)
        try:
            for line_no, line in enumerate(fin):
                if not line or line.startswith("#"):
                    continue
                try:
                    fields = line.split(delimiter)
                    if case_insensitive:
                        fields = [w.upper() for w in fields]
                    a, b, sim_text = fields
                    sim = float(sim_text)
                except (ValueError, TypeError):
                    logger.info("Skipping invalid line #%d in %s", line_no, pairs)
                    continue
                ia, ib = vocab.get(a, -1), vocab.get(b, -1)
                if ia < 0 or ib < 0:
                    oov += 1
                    if dummy4unknown:
                        gold.append(sim)
                    else:
                        logger.info("Skipping line #%d with OOV words: %s", line_no, line.strip())
                    continue
                positions.append(len(gold))
                gold.append(sim)
                known.append((ia, ib))
        finally:
            fin.detach()
    if not gold:
        raise ValueError(
            f"No valid similarity judgements found in {pairs}: either invalid format or all "
            f"are out-of-vocabulary in {kv}"
        )
    model = np.zeros(len(gold), dtype=np.float64)
    if known:
        idx = np.asarray(known, dtype=np.intp)
        model[np.asarray(positions)] = _pair_similarities(kv, idx[:, 0], idx[:, 1])
    spearman = stats.spearmanr(gold, model)
    pearson = stats.pearsonr(gold, model)
    if dummy4unknown:
        oov_ratio = float(oov) / len(gold) * 100
    else:
        oov_ratio = float(oov) / (len(gold) + oov) * 100
    logger.debug("Pairs with unknown words: %d", oov)
    log_word_pairs(pearson, spearman, oov_ratio, pairs)
    return pearson, spearman, oov_ratio


def log_word_pairs(pearson: Any, spearman: Any, oov: float, pairs: Any) -> None:
    """Log word-pair evaluation results (as gensim)."""
    logger.info("Pearson correlation coefficient against %s: %.4f", pairs, pearson[0])
    logger.info("Spearman rank-order correlation coefficient against %s: %.4f", pairs, spearman[0])
    logger.info("Pairs with unknown words ratio: %.1f%%", oov)


def _pair_similarities(kv: Any, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Cosine similarity of rows ``a[i]`` and ``b[i]`` (0 for a zero vector)."""
    return np.einsum("ij,ij->i", unit_rows(kv.vectors[a]), unit_rows(kv.vectors[b]))
