"""Writing the word2vec.c text and binary layouts (and the ``key count`` vocabulary file)."""

from __future__ import annotations

import re
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Callable, List, Optional, Sequence, Union

import numpy as np

from w2v import _core
from w2v._word2vec_format.common import (
    MAX_KEY_BYTES,
    PathOrFile,
    open_for_writing,
    usable_cpus,
)

# The bytes to write, in pieces, in order.
_Pieces = List[Union[bytes, bytearray, memoryview]]
# Encodes a block of rows: (keys, vectors, prefix) -> the pieces to write.
_BlockEncoder = Callable[[Sequence[Any], np.ndarray, str], _Pieces]

_BLOCK_BYTES = 1 << 24  # about this much output is formatted and written at a time

# What ends a key for some reader: gensim splits a text row at " " and lines at "\n" and
# strips trailing whitespace; word2vec.c ends a word at any of these, and a C string at NUL.
_KEY_ENDS = " \t\n\r\x0b\x0c\x00"
_KEY_END = re.compile("[" + re.escape(_KEY_ENDS) + "]")
_KEY_SEPARATOR = "\x01"  # joins the keys for one search; allowed in keys, so found nowhere


def _refused_key(key: str, row: int, why: str) -> ValueError:
    return ValueError(
        f"keys written in the word2vec format must be non-empty, at most {MAX_KEY_BYTES} bytes "
        f"in UTF-8 and free of whitespace and NUL (space, tab, newline, CR, VT, FF and NUL end a "
        f"key for gensim or word2vec.c), got {key[:200]!r} (row {row}), which {why}"
    )


def checked_keys(keys: Sequence[Any], prefix: str = "") -> Sequence[str]:
    """The keys as written (``prefix + str(key)``), after checking that every reader reads
    each back whole; raises ValueError naming the first key that it would not.

    The common case (no bad key) takes a few milliseconds for 200,000 keys: the keys are
    joined and searched at once, and a key is looked for only when something is found."""
    joined = None
    if not prefix:
        try:
            joined = _KEY_SEPARATOR.join(keys)
        except TypeError:  # keys that are not str
            pass
    if joined is None:
        keys = [f"{prefix}{k}" for k in keys]
        joined = _KEY_SEPARATOR.join(keys)
    if not keys:
        return keys
    if any(end in joined for end in _KEY_ENDS):
        found = _KEY_END.search(joined)
        assert found is not None
        row = joined.count(_KEY_SEPARATOR, 0, found.start())
        raise _refused_key(keys[row], row, f"contains {found.group()!r}")
    # An empty key puts two separators together or one at an end (the converse need not
    # hold: keys may contain the separator).
    sep = _KEY_SEPARATOR
    if sep + sep in joined or joined.startswith(sep) or joined.endswith(sep) or joined == "":
        if "" in keys:
            raise _refused_key("", keys.index(""), "is empty")
    try:
        encoded = joined.encode("utf-8")
    except UnicodeEncodeError as e:  # a lone surrogate; the same error type as gensim's
        row = joined.count(_KEY_SEPARATOR, 0, e.start)
        start = e.start - (joined.rfind(_KEY_SEPARATOR, 0, e.start) + 1)
        raise UnicodeEncodeError(
            e.encoding, keys[row], start, start + 1, f"{e.reason}, in the key of row {row}"
        ) from None
    if len(encoded) > MAX_KEY_BYTES:
        marks = np.flatnonzero(np.frombuffer(encoded, dtype=np.uint8) == ord(_KEY_SEPARATOR))
        if len(marks) == len(keys) - 1:  # no key holds the separator: gaps are key sizes
            sizes = np.diff(marks, prepend=-1, append=len(encoded)) - 1
        else:
            sizes = np.fromiter((len(k.encode("utf-8")) for k in keys), dtype=np.intp)
        if sizes.max() > MAX_KEY_BYTES:
            row = int(np.argmax(sizes > MAX_KEY_BYTES))
            raise _refused_key(keys[row], row, "is longer")
    return keys


def _text_formatter() -> Callable[[List[float]], str]:
    """A function turning one row (list of Python numbers) into text, 17 significant digits
    per value (for dtypes other than float16, float32 and float64)."""
    cache: dict = {}

    def fmt(row: List[float]) -> str:
        template = cache.get(len(row))
        if template is None:
            template = cache[len(row)] = " ".join(["%.17g"] * len(row))
        return template % tuple(row)

    return fmt


def _native_text_encoder(dtype: np.dtype) -> _BlockEncoder:
    """Rows formatted in C++ on every usable core, each value in its shortest exact decimal
    (float16 values through float32, which holds them exactly)."""
    exact = np.dtype(np.float64 if dtype == np.float64 else np.float32)
    threads = usable_cpus()
    # Blocks are formatted into these in turn: one is being written while the next block
    # is formatted into the other (write_word2vec_format waits for a block's write before
    # it formats the block after next).
    buffers = [bytearray(), bytearray()]
    turn = [0]

    def encode(keys: Sequence[Any], block: np.ndarray, prefix: str) -> _Pieces:
        if prefix:  # write_word2vec_format passes the keys as written (checked_keys)
            keys = [f"{prefix}{k}" for k in keys]
        rows = np.ascontiguousarray(block, dtype=exact)
        out = buffers[turn[0] % 2]
        turn[0] += 1
        spans = _core.format_word2vec_text(keys, rows, threads, out)
        view = memoryview(out)
        return [view[start:stop] for start, stop in spans]

    return encode


def _text_encoder(dtype: np.dtype) -> _BlockEncoder:
    if dtype in (np.float16, np.float32, np.float64):
        return _native_text_encoder(dtype)
    fmt = _text_formatter()

    def encode(keys: Sequence[Any], block: np.ndarray, prefix: str) -> _Pieces:
        lines = [f"{prefix}{key} {fmt(row)}\n" for key, row in zip(keys, block.tolist())]
        return ["".join(lines).encode("utf8")]

    return encode


def _encode_binary(keys: Sequence[Any], block: np.ndarray, prefix: str) -> _Pieces:
    data = memoryview(np.ascontiguousarray(block, dtype="<f4").tobytes())
    rowbytes = 4 * block.shape[1]
    parts: List[Any] = []
    for i, key in enumerate(keys):
        parts.append(f"{prefix}{key} ".encode())
        parts.append(data[i * rowbytes : (i + 1) * rowbytes])
    return [b"".join(parts)]


def _write_pieces(fout: Any, pieces: _Pieces) -> None:
    for piece in pieces:
        fout.write(piece)
        if isinstance(piece, memoryview):
            piece.release()  # a buffer with a view alive cannot grow for a later block


def write_vocab_file(
    fvocab: PathOrFile,
    keys: Sequence[Any],
    counts: Sequence[Any],
    prefix: str = "",
    append: bool = False,
) -> None:
    """Write word2vec.c's vocabulary file: one ``prefix+key count`` line per key.

    Raises
    ------
    ValueError
        For a key that the readers would not read back whole (see :func:`checked_keys`).
    """
    keys = checked_keys(keys, prefix)
    with open_for_writing(fvocab, append) as vout:
        vout.write("".join(f"{k} {c}\n" for k, c in zip(keys, counts)).encode("utf8"))


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
    rows_per_block: Optional[int] = None,
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
    rows_per_block : int, optional
        Rows formatted and written at a time (default: about 16 MB of output).

    Raises
    ------
    ValueError
        Before anything is written, for a key that gensim's, word2vec.c's or w2v's reader
        would not read back whole: an empty key, one longer than 1 MiB in UTF-8, or one
        containing whitespace (space, tab, newline, CR, VT, FF) or NUL, named in the message.
    """
    vectors = np.asarray(vectors)
    if vectors.ndim != 2 or len(vectors) != len(keys):
        raise ValueError("vectors must be a 2-d array with one row per key")
    keys = checked_keys(keys, prefix)
    prefix = ""  # now in the keys
    n, dim = vectors.shape
    if total_vec is None:
        total_vec = n
    if fvocab is not None:
        if counts is None:
            raise ValueError("counts are needed to write a vocabulary file")
        write_vocab_file(fvocab, keys, counts, "", append)
    encode = _encode_binary if binary else _text_encoder(vectors.dtype)
    if rows_per_block is None:
        rows_per_block = max(1, _BLOCK_BYTES // (16 + dim * (4 if binary else 12)))
    with open_for_writing(fname, append) as fout:
        if write_header:
            fout.write(f"{total_vec} {dim}\n".encode())
        # One block is written (or compressed) by a thread while the next is formatted.
        with ThreadPoolExecutor(max_workers=1) as writer:
            pending: Optional[Future] = None
            for start in range(0, n, rows_per_block):
                stop = start + rows_per_block
                pieces = encode(keys[start:stop], vectors[start:stop], prefix)
                if pending is not None:
                    pending.result()
                pending = writer.submit(_write_pieces, fout, pieces)
            if pending is not None:
                pending.result()
