"""Word vectors keyed by word: gensim 4.4's ``KeyedVectors``.

:class:`KeyedVectors` has gensim 4.4's ``KeyedVectors`` interface: the same attribute and
method names, arguments, defaults and return shapes, and the same answers on the same vectors.
The class holds that interface (signatures, defaults, documentation, gensim's renamed and
removed names); the work is done elsewhere: storage and lookup in
:class:`~w2v.keyed_storage.KeyedStorage` (its base class), similarity queries in
:mod:`w2v.similarity`, evaluations in :mod:`w2v.evaluation`, the word2vec.c formats in
:mod:`w2v.word2vec_format` and w2v's own archive in :mod:`w2v._archive`.
"""

from __future__ import annotations

import logging
import os
import warnings
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np

from w2v import ann, evaluation, gensim_interop, similarity, word2vec_format
from w2v._archive import load_archive, save_archive
from w2v._archive_schema import VECTOR_KINDS, load_hint
from w2v.errors import ArchiveKindError
from w2v.keyed_storage import Key, KeyedStorage
from w2v.paths import PathLike, fspath, path_or_file
from w2v.vectors_math import cosine_similarities

logger = logging.getLogger(__name__)


class KeyedVectors(KeyedStorage):
    """A set of vectors, one per key, with gensim 4's ``KeyedVectors`` interface.

    Parameters
    ----------
    vector_size : int
        Dimensionality of the vectors.
    count : int
        Number of slots to preallocate (filled by :meth:`add_vector`).
    dtype : numpy dtype
        Dtype of the vectors.
    mapfile_path : str, optional
        Unused; accepted for compatibility.

    Attributes
    ----------
    index_to_key : list
        Key of each row of ``vectors``.
    key_to_index : dict
        Row of each key.
    vectors : numpy.ndarray
        ``(len(index_to_key), vector_size)`` matrix.
    norms : numpy.ndarray or None
        Cached L2 norm of each row (see :meth:`fill_norms`); reset it to None after changing
        ``vectors`` in place.
    expandos : dict of str to numpy.ndarray
        Per-key attributes such as ``"count"`` (see :meth:`get_vecattr`).
    """

    def words_closer_than(self, word1: Key, word2: Key) -> List[Key]:
        """Deprecated alias of :meth:`closer_than`."""
        warnings.warn(
            "words_closer_than is deprecated; use closer_than", DeprecationWarning, stacklevel=2
        )
        return self.closer_than(word1, word2)

    # ---- means and similarity queries --------------------------------------------------------

    def get_mean_vector(
        self,
        keys: Any,
        weights: Optional[Union[Sequence[float], np.ndarray]] = None,
        pre_normalize: bool = True,
        post_normalize: bool = False,
        ignore_missing: bool = True,
    ) -> np.ndarray:
        """Weighted mean of the vectors of ``keys``.

        Parameters
        ----------
        keys : list of (str, int or numpy.ndarray)
            Keys, or raw vectors (used as given).
        weights : list of float or numpy.ndarray, optional
            One weight per key (default 1); the sum is divided by the sum of ``|weight|``
            over the keys used.
        pre_normalize : bool
            Unit-normalise each key's vector first (raw vectors are never normalised).
        post_normalize : bool
            Unit-normalise the result.
        ignore_missing : bool
            Skip unknown keys (otherwise raise KeyError).

        Raises
        ------
        ValueError
            If ``keys`` is empty or ``weights`` has another length.
        KeyError
            For an unknown key when ``ignore_missing`` is False.
        """
        return similarity.mean_vector(
            self, keys, weights, pre_normalize, post_normalize, ignore_missing
        )

    def most_similar(
        self,
        positive: Any = None,
        negative: Any = None,
        topn: Optional[int] = 10,
        clip_start: int = 0,
        clip_end: Optional[int] = None,
        restrict_vocab: Optional[int] = None,
        indexer: Any = None,
    ) -> Union[List[Tuple[Any, float]], np.ndarray]:
        """Keys most similar (cosine) to the weighted mean of ``positive`` minus ``negative``.

        Parameters
        ----------
        positive, negative : key, vector, or list of keys / vectors / (key or vector, weight)
            Keys' vectors are unit-normalised, raw vectors used as given; the weight of a
            plain item is +1 (positive) or -1 (negative), a ``(item, weight)`` pair's weight is
            used as given.
        topn : int or None
            Number of results; ``None`` returns the similarity to every key (in
            ``clip_start:clip_end``) as an array.
        clip_start, clip_end : int
            Only search rows ``clip_start:clip_end``.
        restrict_vocab : int, optional
            Only search the first ``restrict_vocab`` rows (overrides the clip range).
        indexer : object, optional
            An approximate-nearest-neighbour index with ``most_similar(vector, topn)``.

        Returns
        -------
        list of (key, float), or numpy.ndarray when ``topn`` is None
            Input keys are left out of the list.

        Raises
        ------
        KeyError
            For an unknown key.
        ValueError
            If ``positive`` and ``negative`` are both empty, or ``topn`` is invalid.
        """
        return similarity.most_similar(
            self, positive, negative, topn, clip_start, clip_end, restrict_vocab, indexer
        )

    def similar_by_key(
        self, key: Key, topn: Optional[int] = 10, restrict_vocab: Optional[int] = None
    ) -> Union[List[Tuple[Any, float]], np.ndarray]:
        """Keys most similar to ``key`` (see :meth:`most_similar`)."""
        return self.most_similar(positive=[key], topn=topn, restrict_vocab=restrict_vocab)

    def similar_by_word(
        self, word: Key, topn: Optional[int] = 10, restrict_vocab: Optional[int] = None
    ) -> Union[List[Tuple[Any, float]], np.ndarray]:
        """Alias of :meth:`similar_by_key`."""
        return self.similar_by_key(word, topn, restrict_vocab)

    def similar_by_vector(
        self, vector: np.ndarray, topn: Optional[int] = 10, restrict_vocab: Optional[int] = None
    ) -> Union[List[Tuple[Any, float]], np.ndarray]:
        """Keys most similar to ``vector`` (see :meth:`most_similar`)."""
        return self.most_similar(positive=[vector], topn=topn, restrict_vocab=restrict_vocab)

    def wmdistance(
        self, document1: Sequence[Key], document2: Sequence[Key], norm: bool = True
    ) -> float:
        """Word Mover's Distance between two documents (needs the POT package, ``ot``).

        Unknown words are dropped; if a document is left empty the distance is ``inf``.

        Parameters
        ----------
        document1, document2 : list of str
        norm : bool
            Unit-normalise the word vectors first.

        Raises
        ------
        ImportError
            If POT is not installed.
        """
        return similarity.wmdistance(self, document1, document2, norm)

    def most_similar_cosmul(
        self,
        positive: Any = None,
        negative: Any = None,
        topn: Optional[int] = 10,
        restrict_vocab: Optional[int] = None,
    ) -> Union[List[Tuple[Any, float]], np.ndarray]:
        """Most similar keys by the multiplicative objective (3CosMul, Levy & Goldberg 2014).

        Each key ``x`` scores ``prod_p s(x, p) / (prod_n s(x, n) + 1e-6)`` with
        ``s = (1 + cosine) / 2`` over the positive ``p`` and negative ``n`` items. Keys are
        unit-normalised, raw vectors used as given (as gensim).

        Parameters
        ----------
        positive, negative : key, vector or list of keys / vectors
        topn : int or None
            Number of results; ``None`` returns every key's score as an array.
        restrict_vocab : int, optional
            Only consider the first ``restrict_vocab`` keys (gensim 4.4 ignores this argument).

        Returns
        -------
        list of (key, float), or numpy.ndarray when ``topn`` is None

        Raises
        ------
        ValueError
            If ``positive`` is empty or ``topn`` is invalid.
        KeyError
            For an unknown key.
        """
        return similarity.most_similar_cosmul(self, positive, negative, topn, restrict_vocab)

    def rank_by_centrality(
        self, words: Sequence[Key], use_norm: bool = True
    ) -> List[Tuple[float, Key]]:
        """Rank ``words`` by cosine similarity to their mean, most central first.

        Unknown words are ignored (with a warning).

        Returns
        -------
        list of (float, key)

        Raises
        ------
        ValueError
            If none of ``words`` is known.
        """
        return similarity.rank_by_centrality(self, words, use_norm)

    def doesnt_match(self, words: Sequence[Key]) -> Key:
        """The word of ``words`` furthest from their mean (unknown words are ignored)."""
        return self.rank_by_centrality(words)[-1][1]

    cosine_similarities = staticmethod(cosine_similarities)

    def distances(
        self, word_or_vector: Union[Key, np.ndarray], other_words: Sequence[Key] = ()
    ) -> np.ndarray:
        """Cosine distances (``1 - similarity``) from a key or vector to ``other_words``.

        With no ``other_words``, the distances to every key (the key itself included).

        Raises
        ------
        KeyError
            For an unknown key.
        """
        return similarity.distances(self, word_or_vector, other_words)

    def distance(self, w1: Key, w2: Key) -> float:
        """Cosine distance, ``1 - similarity(w1, w2)``."""
        return 1 - self.similarity(w1, w2)

    def similarity(self, w1: Key, w2: Key) -> float:
        """Cosine similarity of two keys.

        Raises
        ------
        KeyError
            For an unknown key.
        """
        return similarity.similarity(self, w1, w2)

    def n_similarity(self, ws1: Sequence[Key], ws2: Sequence[Key]) -> float:
        """Cosine similarity of the means of two sets of keys.

        As in gensim, the raw (not normalised) vectors are averaged and unknown keys are
        skipped.

        Raises
        ------
        ZeroDivisionError
            If either list is empty (as gensim).
        """
        return similarity.n_similarity(self, ws1, ws2)

    def most_similar_to_given(self, key1: Key, keys_list: Sequence[Key]) -> Key:
        """The key of ``keys_list`` most similar to ``key1``."""
        sims = 1 - self.distances(key1, list(keys_list))
        return keys_list[int(np.argmax(sims))]

    def closer_than(self, key1: Key, key2: Key) -> List[Key]:
        """All keys closer to ``key1`` than ``key2`` is (``key1`` itself excluded)."""
        return similarity.closer_than(self, key1, key2)

    def rank(self, key1: Key, key2: Key) -> int:
        """Rank of ``key2`` among all keys by distance from ``key1`` (1 = closest)."""
        return len(self.closer_than(key1, key2)) + 1

    def relative_cosine_similarity(self, wa: Key, wb: Key, topn: int = 10) -> float:
        """``similarity(wa, wb)`` divided by the summed similarity of ``wa``'s ``topn``
        nearest keys (Leeuwenberg et al. 2016)."""
        sims = self.similar_by_word(wa, topn)
        if not sims:
            raise ValueError("cannot compute relative cosine similarity without similar words")
        return float(self.similarity(wa, wb)) / sum(s for _, s in sims)

    # ---- w2v additions: many queries at once, approximate-neighbour index --------------------

    def most_similar_batch(
        self, keys: Any, topn: Optional[int] = 10, restrict_vocab: Optional[int] = None
    ) -> Union[List[List[Tuple[Any, float]]], np.ndarray]:
        """``[most_similar(k, topn, restrict_vocab=...) for k in keys]`` as blocked matrix
        products (a list given to ``most_similar`` is one combined query, as in gensim).

        Parameters
        ----------
        keys : list of (key or numpy.ndarray), or 2-d numpy.ndarray
            The queries: keys, or raw vectors (one per row of a 2-d array).
        topn : int or None
            Results per query; ``None`` returns the array of all similarities.
        restrict_vocab : int, optional
            Only search the first ``restrict_vocab`` rows.

        Returns
        -------
        list of list of (key, float), or numpy.ndarray when ``topn`` is None
        """
        return similarity.most_similar_batch(self, keys, topn, restrict_vocab)

    def build_index(self, kind: str = "hnsw", **options: Any) -> ann.FaissIndex:
        """Build a faiss nearest-neighbour index (``pip install 'w2v[ann]'``), attached as
        ``ann_index``: use ``most_similar(..., indexer=wv.ann_index)``; :meth:`save` keeps it.

        Parameters
        ----------
        kind : {"hnsw", "ivf"}
        **options
            See :func:`w2v.ann.build_index`.

        Returns
        -------
        w2v.ann.FaissIndex
        """
        self.ann_index = ann.build_index(self, kind, **options)
        return self.ann_index

    # ---- evaluation ------------------------------------------------------------------------------

    def evaluate_word_analogies(
        self,
        analogies: Union[str, os.PathLike],
        restrict_vocab: Optional[int] = 300000,
        case_insensitive: bool = True,
        dummy4unknown: bool = False,
        similarity_function: str = "most_similar",
    ) -> Tuple[float, List[Dict[str, Any]]]:
        """Accuracy on analogy questions (``a b c d``: a is to b as c is to d).

        See :func:`w2v.evaluation.evaluate_word_analogies`; the questions are answered in
        batches (one matrix product per batch), with gensim's results.

        Returns
        -------
        score : float
            Overall accuracy.
        sections : list of dict
            ``{"section": name, "correct": [(a, b, c, d), ...], "incorrect": [...]}`` per
            section, then a ``"Total accuracy"`` section.
        """
        return evaluation.evaluate_word_analogies(
            self, analogies, restrict_vocab, case_insensitive, dummy4unknown, similarity_function
        )

    def evaluate_word_pairs(
        self,
        pairs: Union[str, os.PathLike],
        delimiter: str = "\t",
        encoding: str = "utf8",
        restrict_vocab: Optional[int] = 300000,
        case_insensitive: bool = True,
        dummy4unknown: bool = False,
    ) -> Tuple[Any, Any, float]:
        """Correlation of the model's similarities with human judgements.

        See :func:`w2v.evaluation.evaluate_word_pairs`.

        Returns
        -------
        pearson : (statistic, p-value)
        spearman : (statistic, p-value)
        oov_ratio : float
            Percentage of pairs with an unknown word.
        """
        return evaluation.evaluate_word_pairs(
            self, pairs, delimiter, encoding, restrict_vocab, case_insensitive, dummy4unknown
        )

    @staticmethod
    def log_accuracy(section: Dict[str, Any]) -> None:
        """Log a section's accuracy (as gensim)."""
        evaluation.section_accuracy(section)

    @staticmethod
    def log_evaluate_word_pairs(pearson: Any, spearman: Any, oov: float, pairs: str) -> None:
        """Log word-pair evaluation results (as gensim)."""
        evaluation.log_word_pairs(pearson, spearman, oov, pairs)

    # ---- persistence -----------------------------------------------------------------------------

    def save(self, fname: PathLike, *args: Any, **kwargs: Any) -> None:
        """Save to ``fname`` in w2v's pickle-free format (see ``docs/format.md``).

        The write is atomic. gensim's extra arguments (``separately``, ``pickle_protocol``
        ...) are accepted and ignored.
        """
        meta, arrays = self._to_archive()
        save_archive(fname, {"kind": "KeyedVectors", "keyedvectors": meta}, arrays)

    @classmethod
    def load(cls, fname: PathLike, mmap: Optional[str] = None) -> KeyedVectors:
        """Load vectors saved by :meth:`save` (or the ``wv`` of a saved Word2Vec model).

        Parameters
        ----------
        fname : str, bytes or path-like
        mmap : {None, 'r', 'r+', 'c'}
            Memory-map the arrays instead of reading them.

        Raises
        ------
        w2v.errors.MalformedFileError
            The file is not a w2v archive, or a damaged one (``docs/security.md``).

        Never executes code from the file: pickles (such as gensim's own ``.save()`` files)
        are refused; use :meth:`load_word2vec_format` for gensim or word2vec.c vectors.
        """
        meta, arrays = load_archive(fname, mmap=mmap)
        if meta["kind"] not in VECTOR_KINDS:
            raise ArchiveKindError(
                fspath(fname), f"holds {meta['kind']}, not word vectors: {load_hint(meta['kind'])}"
            )
        if meta["kind"] == "Word2Vec":  # the model's word vectors
            arrays = {k[len("wv.") :]: v for k, v in arrays.items() if k.startswith("wv.")}
        return cls._from_archive(meta["keyedvectors"], arrays)

    @classmethod
    def from_gensim(cls, kv: Any) -> KeyedVectors:
        """Convert a live gensim ``KeyedVectors`` (such as ``model.wv``) to w2v's.

        Parameters
        ----------
        kv : gensim.models.KeyedVectors

        Returns
        -------
        KeyedVectors
            A copy with the keys in order, the vectors and the per-key attributes (``count``,
            ...); gensim's Huffman-tree attributes ``code`` and ``point`` are left out.
        """
        return gensim_interop.keyed_vectors_from_gensim(kv, cls)

    def to_gensim(self) -> Any:
        """A gensim ``KeyedVectors`` copy of these vectors (keys, vectors, attributes).

        Returns
        -------
        gensim.models.KeyedVectors
        """
        return gensim_interop.keyed_vectors_to_gensim(self)

    def save_word2vec_format(
        self,
        fname: PathLike,
        fvocab: Optional[PathLike] = None,
        binary: bool = False,
        total_vec: Optional[int] = None,
        write_header: bool = True,
        prefix: str = "",
        append: bool = False,
        sort_attr: str = "count",
    ) -> None:
        """Save in word2vec.c's text or binary format (readable by gensim and word2vec.c).

        Parameters
        ----------
        fname : str
            Target file (``.gz``/``.bz2``/``.xz`` are compressed).
        fvocab : str, optional
            Also write ``key count`` lines (the ``sort_attr`` attribute) to this file.
        binary : bool
            Binary (float32) or text layout.
        total_vec : int, optional
            Count to write in the header (default: the number of keys).
        write_header : bool
            Write the ``"<count> <vector_size>"`` header line.
        prefix : str
            Prepended to every key.
        append : bool
            Append to ``fname`` (and ``fvocab``) rather than replace it.
        sort_attr : str
            Write keys by descending value of this attribute (ties in index order); if no
            key has it, in index order.

        Raises
        ------
        ValueError
            If ``fvocab`` is given but the keys have no ``sort_attr`` attribute.
        """
        fname = path_or_file(fname)
        fvocab = None if fvocab is None else fspath(fvocab, "fvocab")
        word2vec_format.write_keyed_vectors(
            self, fname, fvocab, binary, total_vec, write_header, prefix, append, sort_attr
        )

    @classmethod
    def load_word2vec_format(
        cls,
        fname: PathLike,
        fvocab: Optional[PathLike] = None,
        binary: bool = False,
        encoding: str = "utf8",
        unicode_errors: str = "strict",
        limit: Optional[int] = None,
        datatype: Any = np.float32,
        no_header: bool = False,
    ) -> KeyedVectors:
        """Load vectors in word2vec.c's text or binary format (as written by gensim too).

        Parameters
        ----------
        fname : str
            The file (``.gz``, ``.bz2`` and ``.xz`` are decompressed on the fly).
        fvocab : str, optional
            A vocabulary file (``key count`` lines, word2vec.c's ``-save-vocab``) giving the
            ``"count"`` attribute; without one, counts are made up in descending order.
        binary : bool
            Binary (True) or text (False) format.
        encoding : str
            Encoding of the keys.
        unicode_errors : str
            ``'strict'``, ``'replace'`` or ``'ignore'`` (word2vec.c may cut keys mid-character).
        limit : int, optional
            Read at most this many vectors.
        datatype : numpy dtype
            Dtype of the loaded vectors.
        no_header : bool
            The (text) file has no ``"<count> <size>"`` header line.

        Returns
        -------
        KeyedVectors

        Raises
        ------
        EOFError
            The file ends before the rows its header announces.
        ValueError
            Anything else malformed: the message names the line (text) or byte offset
            (binary).
        """
        fname = path_or_file(fname)
        fvocab = None if fvocab is None else fspath(fvocab, "fvocab")
        loaded = word2vec_format.read_keyed_vectors(
            fname, fvocab, binary, encoding, unicode_errors, limit, datatype, no_header
        )
        kv = cls._from_rows(loaded.keys, loaded.vectors, loaded.key_to_index)
        kv.expandos["count"] = loaded.counts
        return kv

    def intersect_word2vec_format(
        self,
        fname: PathLike,
        lockf: float = 0.0,
        binary: bool = False,
        encoding: str = "utf8",
        unicode_errors: str = "strict",
    ) -> None:
        """Overwrite the vectors of keys also present in a word2vec.c file with the file's.

        No key is added. If this object has a ``vectors_lockf`` array, the merged rows get
        ``lockf`` there.
        """
        word2vec_format.intersect_keyed_vectors(
            self, path_or_file(fname), lockf, binary, encoding, unicode_errors
        )


def load_word2vec_format(*args: Any, **kwargs: Any) -> KeyedVectors:
    """Alias of :meth:`KeyedVectors.load_word2vec_format`."""
    return KeyedVectors.load_word2vec_format(*args, **kwargs)
