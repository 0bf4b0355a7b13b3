"""Writing the word2vec.c text and binary layouts (and the ``key count`` vocabulary file)."""

from __future__ import annotations

from typing import Any, Callable, List, Optional, Sequence

import numpy as np

from w2v._word2vec_format.common import PathOrFile, open_for_writing

# Encodes a block of rows: (keys, vectors, prefix) -> the bytes to write.
_BlockEncoder = Callable[[Sequence[Any], np.ndarray, str], bytes]


def _text_formatter(dtype: np.dtype) -> Callable[[List[float]], str]:
    """A function turning one row (list of Python floats) into text that reads back exactly."""
    if dtype == np.float64:
        return lambda row: " ".join(map(repr, row))
    digits = {np.dtype(np.float16): 5, np.dtype(np.float32): 9}.get(dtype, 17)
    spec = f"%.{digits}g"
    cache: dict = {}

    def fmt(row: List[float]) -> str:
        template = cache.get(len(row))
        if template is None:
            template = cache[len(row)] = " ".join([spec] * len(row))
        return template % tuple(row)

    return fmt


def _text_encoder(dtype: np.dtype) -> _BlockEncoder:
    fmt = _text_formatter(dtype)

    def encode(keys: Sequence[Any], block: np.ndarray, prefix: str) -> bytes:
        lines = [f"{prefix}{key} {fmt(row)}\n" for key, row in zip(keys, block.tolist())]
        return "".join(lines).encode("utf8")

    return encode


def _encode_binary(keys: Sequence[Any], block: np.ndarray, prefix: str) -> bytes:
    data = memoryview(np.ascontiguousarray(block, dtype="<f4").tobytes())
    rowbytes = 4 * block.shape[1]
    parts: List[Any] = []
    for i, key in enumerate(keys):
        parts.append(f"{prefix}{key} ".encode())
        parts.append(data[i * rowbytes : (i + 1) * rowbytes])
    return b"".join(parts)


def write_vocab_file(
    fvocab: PathOrFile,
    keys: Sequence[Any],
    counts: Sequence[Any],
    prefix: str = "",
    append: bool = False,
) -> None:
    """Write word2vec.c's vocabulary file: one ``prefix+key count`` line per key."""
    with open_for_writing(fvocab, append) as vout:
        vout.write("".join(f"{prefix}{k} {c}\n" for k, c in zip(keys, counts)).encode("utf8"))


def write_word2vec_format(
    fname: PathOrFile,
    keys: Sequence[Any],
    vectors: np.ndarray,
    binary: bool = False,
    total_vec: Optional[int] = None,
    write_header: bool = True,
    prefix: str = "",
    append: bool = False,
    fvocab: Optional[PathOrFile] = None,
    counts: Optional[Sequence[Any]] = None,
    rows_per_block: int = 4096,
) -> None:
    """Write ``vectors`` (row ``i`` for ``keys[i]``) in word2vec.c text or binary layout.

    Parameters
    ----------
    fname : str, path-like or binary file object
        Target (compressed when it ends in ``.gz``, ``.bz2`` or ``.xz``).
    keys : sequence
        Keys, written as ``prefix + str(key)`` in UTF-8.
    vectors : numpy.ndarray
        ``(len(keys), vector_size)`` array, in the order to write.
    binary : bool
        Binary layout (float32, no newline after the vector, as gensim) or text.
    total_vec : int, optional
        Count written in the header (default ``len(keys)``).
    write_header : bool
        Write the ``"<count> <vector_size>"`` header line.
    prefix : str
        Prepended to every key.
    append : bool
        Append to ``fname`` (and ``fvocab``) instead of replacing it.
    fvocab : str, optional
        Also write ``key count`` lines here (``counts`` required).
    counts : sequence, optional
        Counts aligned with ``keys``, for ``fvocab``.
    rows_per_block : int
        Rows formatted and written at a time.
    """
    vectors = np.asarray(vectors)
    if vectors.ndim != 2 or len(vectors) != len(keys):
        raise ValueError("vectors must be a 2-d array with one row per key")
    n, dim = vectors.shape
    if total_vec is None:
        total_vec = n
    if fvocab is not None:
        if counts is None:
            raise ValueError("counts are needed to write a vocabulary file")
        write_vocab_file(fvocab, keys, counts, prefix, append)
    encode = _encode_binary if binary else _text_encoder(vectors.dtype)
    with open_for_writing(fname, append) as fout:
        if write_header:
            fout.write(f"{total_vec} {dim}\n".encode())
        for start in range(0, n, rows_per_block):
            stop = start + rows_per_block
            fout.write(encode(keys[start:stop], vectors[start:stop], prefix))
