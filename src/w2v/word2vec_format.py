"""Reading and writing the word2vec.c vector formats (text and binary), vectorised.

Both formats start with a header line ``"<count> <vector_size>\\n"`` followed by one row per
key:

* text: ``key v1 v2 ... vN\\n`` with the values in decimal, separated by single spaces;
* binary: ``key`` + ``b" "`` + ``N`` little-endian float32 values (``4 * N`` raw bytes),
  optionally followed by ``b"\\n"`` (word2vec.c writes one, gensim does not; any newlines
  before a key are skipped on reading).

An optional vocabulary file (word2vec.c's ``-save-vocab``) holds ``key count`` lines.
Compressed files (gzip, bzip2, xz) are recognised by their content on reading and chosen by
the name's suffix on writing (see :mod:`w2v.compression`). See ``docs/format.md``.

This module is the public face and the bridge to ``KeyedVectors`` (which rows are written in
which order, which rows of a file are kept, the counts gensim makes up);
``KeyedVectors.save_word2vec_format``, ``load_word2vec_format`` and
``intersect_word2vec_format`` are thin calls to it. The parsing lives in
:mod:`w2v._word2vec_format`: reading never loops over floats in Python. Malformed files raise
:class:`Word2VecFormatError` (a ``ValueError``) or, when the data ends early,
:class:`TruncatedWord2VecFileError` (an ``EOFError`` and a ``ValueError``), with the line
number or byte offset of the problem.
"""

from __future__ import annotations

import logging
from typing import Any, Dict, List, NamedTuple, Optional, Tuple

import numpy as np

from w2v._word2vec_format.common import (
    PathOrFile,
    TruncatedWord2VecFileError,
    Word2VecFormatError,
    open_for_reading,
    open_for_writing,
)
from w2v._word2vec_format.reader import read_vocab_file, read_word2vec_format
from w2v._word2vec_format.writer import write_vocab_file, write_word2vec_format
from w2v.keyed_storage import KeyedStorage

__all__ = [
    "LoadedVectors",
    "PathOrFile",
    "TruncatedWord2VecFileError",
    "Word2VecFormatError",
    "intersect_keyed_vectors",
    "open_for_reading",
    "open_for_writing",
    "read_keyed_vectors",
    "read_vocab_file",
    "read_word2vec_format",
    "write_keyed_vectors",
    "write_vocab_file",
    "write_word2vec_format",
]

logger = logging.getLogger(__name__)


class LoadedVectors(NamedTuple):
    """Rows of a word2vec file, each key once, ready to become a KeyedVectors."""

    keys: List[str]
    key_to_index: Dict[str, int]
    vectors: np.ndarray
    counts: np.ndarray


# ---- saving ---------------------------------------------------------------------------------


def _rows_in_save_order(
    kv: KeyedStorage, sort_attr: str, need_counts: bool
) -> Tuple[np.ndarray, Optional[List[Any]]]:
    """Rows to write, by descending ``sort_attr`` (ties in row order), and their values of it.

    Free preallocated slots are left out. Without the attribute, rows keep their order and
    there are no counts.
    """
    if len(kv.key_to_index) == len(kv.index_to_key):
        rows = np.arange(len(kv.index_to_key))
    else:  # preallocated slots not filled yet are not written
        rows = np.asarray(sorted(kv.key_to_index.values()), dtype=np.intp)
    if sort_attr not in kv.expandos:
        if need_counts:
            raise ValueError(
                f"cannot write a vocabulary file: the keys have no {sort_attr!r} attribute"
            )
        logger.warning(
            "attribute %s not present in %s; will store in internal index_to_key order",
            sort_attr,
            kv,
        )
        return rows, None
    values = np.asarray(kv.expandos[sort_attr])[rows]
    if values.dtype.kind in "biuf":
        # unsigned values are negated as int64, where they cannot wrap around
        signed = values.astype(np.int64) if values.dtype.kind == "u" else values
        order: Any = np.argsort(-signed, kind="stable")
    else:
        order = sorted(range(len(rows)), key=lambda i: -values[i])
    return rows[order], values[order].tolist()


def write_keyed_vectors(
    kv: KeyedStorage,
    fname: PathOrFile,
    fvocab: Optional[PathOrFile],
    binary: bool,
    total_vec: Optional[int],
    write_header: bool,
    prefix: str,
    append: bool,
    sort_attr: str,
) -> None:
    """Write ``kv`` as ``KeyedVectors.save_word2vec_format`` documents."""
    rows, counts = _rows_in_save_order(kv, sort_attr, need_counts=fvocab is not None)
    keys = [kv.index_to_key[i] for i in rows]
    in_order = len(rows) == len(kv.vectors) and bool(np.array_equal(rows, np.arange(len(rows))))
    vectors = kv.vectors if in_order else kv.vectors[rows]  # no copy of a large matrix
    logger.info("storing %sx%s projection weights into %s", len(keys), kv.vector_size, fname)
    write_word2vec_format(
        fname,
        keys,
        vectors,
        binary=binary,
        total_vec=total_vec,
        write_header=write_header,
        prefix=prefix,
        append=append,
        fvocab=fvocab,
        counts=counts,
    )


# ---- loading --------------------------------------------------------------------------------


def _first_occurrences(
    keys: List[str], vectors: np.ndarray
) -> Tuple[List[str], Dict[str, int], np.ndarray]:
    """Keys, their rows and vectors with each key's first row only (as gensim)."""
    key_to_index = dict(zip(keys, range(len(keys))))
    if len(key_to_index) == len(keys):
        return keys, key_to_index, vectors
    first: Dict[str, int] = {}
    for i, k in enumerate(keys):
        if k in first:
            logger.warning("duplicate word '%s' in word2vec file, ignoring all but first", k)
        else:
            first[k] = i
    keep = np.fromiter(first.values(), dtype=np.intp, count=len(first))
    keys = list(first)
    return keys, {k: i for i, k in enumerate(keys)}, vectors[keep]


def _counts(keys: List[str], declared: int, vocab: Optional[Dict[str, int]]) -> np.ndarray:
    """The ``count`` of each key: from the vocabulary file (0 if missing there) or, without
    one, made up in descending order from the header's count, as gensim does."""
    if vocab is None:
        return declared - np.arange(len(keys), dtype=np.int64)
    missing = [k for k in keys if k not in vocab]
    if missing:
        logger.warning(
            "vocabulary file is incomplete: %d keys (such as %r) are missing; their "
            "count is set to 0",
            len(missing),
            missing[0],
        )
    return np.fromiter((vocab.get(k, 0) for k in keys), dtype=np.int64, count=len(keys))


def read_keyed_vectors(
    fname: PathOrFile,
    fvocab: Optional[PathOrFile],
    binary: bool,
    encoding: str,
    unicode_errors: str,
    limit: Optional[int],
    datatype: Any,
    no_header: bool,
) -> LoadedVectors:
    """Read what ``KeyedVectors.load_word2vec_format`` documents."""
    vocab = None
    if fvocab is not None:
        logger.info("loading word counts from %s", fvocab)
        vocab = read_vocab_file(fvocab, encoding=encoding, unicode_errors=unicode_errors)
    logger.info("loading projection weights from %s", fname)
    keys, vectors, declared = read_word2vec_format(
        fname,
        binary=binary,
        encoding=encoding,
        unicode_errors=unicode_errors,
        limit=limit,
        datatype=datatype,
        no_header=no_header,
    )
    keys, key_to_index, vectors = _first_occurrences(keys, vectors)
    counts = _counts(keys, declared, vocab)
    logger.info("loaded %s matrix of type %s from %s", vectors.shape, vectors.dtype, fname)
    return LoadedVectors(keys, key_to_index, vectors, counts)


def intersect_keyed_vectors(
    kv: KeyedStorage,
    fname: PathOrFile,
    lockf: float,
    binary: bool,
    encoding: str,
    unicode_errors: str,
) -> None:
    """Merge a file's vectors into ``kv`` as ``KeyedVectors.intersect_word2vec_format``
    documents."""
    other = read_keyed_vectors(
        fname, None, binary, encoding, unicode_errors, None, np.float32, False
    )
    if other.vectors.shape[1] != kv.vector_size:
        raise ValueError(f"incompatible vector size {other.vectors.shape[1]} in file {fname}")
    pairs = [(kv.key_to_index[k], i) for i, k in enumerate(other.keys) if k in kv.key_to_index]
    if pairs:
        mine, theirs = (np.asarray(x, dtype=np.intp) for x in zip(*pairs))
        kv.vectors[mine] = other.vectors[theirs]
        # gensim's optional per-row lock factors (an attribute users may set) mark the merged rows.
        lockf_array = getattr(kv, "vectors_lockf", None)
        if lockf_array is not None and np.ndim(lockf_array) == 1 and len(lockf_array) == len(kv):
            lockf_array[mine] = lockf
        kv.norms = None
    logger.info("merged %d vectors into %s matrix from %s", len(pairs), kv.vectors.shape, fname)
