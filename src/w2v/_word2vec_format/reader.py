"""Reading a word2vec.c vector file (either layout) and its ``key count`` vocabulary file."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

import numpy as np

from w2v._word2vec_format.binary import read_binary
from w2v._word2vec_format.common import (
    MAX_HEADER_BYTES,
    PathOrFile,
    Word2VecFormatError,
    decompression_errors,
    display_name,
    open_for_reading,
    parse_header,
    plain_file_size,
    wanted_rows,
)
from w2v._word2vec_format.text import read_text


def read_vocab_file(
    fvocab: PathOrFile, encoding: str = "utf8", unicode_errors: str = "strict"
) -> Dict[str, int]:
    """Read a word2vec.c vocabulary file (``key count`` per line) into ``{key: count}``.

    A key listed twice keeps its first count.

    Raises
    ------
    Word2VecFormatError
        For a line that is not ``<key> <count>``.
    """
    name = display_name(fvocab)
    counts: Dict[str, int] = {}
    with open_for_reading(fvocab) as fin, decompression_errors(fin, name):
        for line_no, raw in enumerate(fin, start=1):
            stripped = raw.rstrip(b"\r\n")
            if not stripped.strip():
                continue
            word_b, sep, count_b = stripped.rpartition(b" ")
            try:
                if not sep:
                    raise ValueError
                count = int(count_b)
            except ValueError:
                raise Word2VecFormatError(
                    f"{name}, line {line_no}: expected '<key> <count>', got {raw[:80]!r}"
                ) from None
            word = word_b.decode(encoding, unicode_errors)
            counts.setdefault(word, count)
    return counts


def read_word2vec_format(
    fname: PathOrFile,
    binary: bool = False,
    encoding: str = "utf8",
    unicode_errors: str = "strict",
    limit: Optional[int] = None,
    datatype: Any = np.float32,
    no_header: bool = False,
) -> Tuple[List[str], np.ndarray, int]:
    """Read a word2vec.c text or binary vector file.

    Parameters
    ----------
    fname : str, path-like or binary file object
        The file (gzip, bzip2 and xz data are decompressed, whatever the file's name).
    binary : bool
        Binary (True) or text (False) layout.
    encoding, unicode_errors : str
        How keys are decoded (as ``bytes.decode(encoding, unicode_errors)``).
    limit : int, optional
        Read at most this many rows (``None`` or 0: all).
    datatype : numpy dtype
        Dtype of the returned vectors.
    no_header : bool
        The (text) file has no header line; the count and size are deduced from the rows.

    Returns
    -------
    keys : list of str
        Keys in file order (duplicates included).
    vectors : numpy.ndarray
        ``(len(keys), vector_size)`` array of ``datatype``.
    declared : int
        The number of rows the header declares (after ``limit``), used for gensim's
        placeholder counts.

    Raises
    ------
    TruncatedWord2VecFileError
        The data (or compressed data) ends before the announced rows (also an ``EOFError``).
    Word2VecFormatError
        Anything else malformed (a ``ValueError``), with the line or byte offset, corrupt
        compressed data included.
    UnicodeDecodeError
        A key that is not valid in ``encoding``, with ``unicode_errors="strict"``.
    """
    name = display_name(fname)
    if limit is not None and (not isinstance(limit, (int, np.integer)) or limit < 0):
        raise ValueError(f"limit must be a non-negative integer or None, got {limit!r}")
    limit = int(limit) if limit else None
    datatype = np.dtype(datatype)
    with open_for_reading(fname) as fin, decompression_errors(fin, name):
        if no_header:
            if binary:
                raise NotImplementedError("no_header is only available for text-format files")
            size = plain_file_size(fname, fin)
            return read_text(
                fin, name, None, None, datatype, encoding, unicode_errors, limit, 1, size
            )
        if binary:
            return read_binary(fin, fname, name, datatype, encoding, unicode_errors, limit)
        header = fin.readline(MAX_HEADER_BYTES)
        count, dim = parse_header(header, name, encoding)
        size = plain_file_size(fname, fin)
        keys, vectors, _ = read_text(
            fin, name, count, dim, datatype, encoding, unicode_errors, limit, 2, size
        )
        return keys, vectors, wanted_rows(count, limit)
