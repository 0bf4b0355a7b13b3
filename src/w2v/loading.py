"""Open any file of word vectors: a w2v archive or a word2vec.c text or binary file.

:func:`load` tells the formats apart by the file's content, never its name, so
``vectors.txt`` that is really binary, or ``model`` without a suffix, are read right:

- a w2v archive (``Word2Vec.save``, ``KeyedVectors.save``) is a zip file;
- otherwise the first line must be word2vec.c's ``COUNT DIMENSIONS`` header, and the file is
  text if the next line is a word followed by DIMENSIONS decimal numbers, binary otherwise;
- gzip, bzip2 and xz compression is recognised by its magic bytes (:mod:`w2v.compression`);
- Python pickles (gensim's ``.model`` files) are refused, since loading them can run code.

:func:`save_vectors` writes the other way, choosing the format from the target's suffix.

Examples
--------
>>> import w2v
>>> kv = w2v.load("vectors.bin.gz")                     # doctest: +SKIP
>>> model = w2v.load("model.w2v")                       # doctest: +SKIP
>>> kv = w2v.load("model.w2v", kind="vectors")          # doctest: +SKIP
"""

from __future__ import annotations

from typing import Optional, Union

from w2v import compression
from w2v._archive import read_meta, refuse_pickle
from w2v._archive_schema import VECTOR_KINDS, load_hint
from w2v.errors import ArchiveKindError, FormatError
from w2v.keyedvectors import KeyedVectors
from w2v.model import Word2Vec
from w2v.paths import PathLike, existing_file

#: The formats :func:`load` reads and :func:`save_vectors` writes.
FORMATS = ("w2v", "word2vec-text", "word2vec-binary")
#: What :func:`load` may be asked to return.
KINDS = ("model", "vectors")

_ZIP_MAGIC = b"PK\x03\x04"
# How much of the first row format detection reads at most (a header may claim any size).
_LONGEST_ROW = 1 << 28
_TEXT_SUFFIXES = (".txt", ".vec")
_BINARY_SUFFIXES = (".bin",)


def detect_format(path: PathLike) -> str:
    """Tell which format the file at ``path`` is in, from its content.

    Parameters
    ----------
    path : str or path-like

    Returns
    -------
    str
        ``"w2v"``, ``"word2vec-text"`` or ``"word2vec-binary"``.

    Raises
    ------
    FileNotFoundError
        No file at ``path``.
    IsADirectoryError
        ``path`` is a directory.
    w2v.errors.MalformedFileError
        A ``ValueError``: the file is a Python pickle (refused) or in none of the formats
        (:class:`FormatError`), or its compressed data cannot be read
        (:class:`w2v.errors.CompressedFileError`).
    """
    path = existing_file(path, "model file")
    with open(path, "rb") as fh:
        head = fh.read(compression.HEAD_BYTES)
    if head.startswith(_ZIP_MAGIC):
        return "w2v"
    refuse_pickle(path, head)
    with compression.open_read(path) as fh:
        header = fh.readline(256).split()
        is_header = len(header) == 2 and all(p.isdigit() for p in header)
        dim = int(header[1]) if is_header else 0
        row = fh.readline(min(max(1 << 20, 64 * dim), _LONGEST_ROW)) if is_header else b""
    if not is_header:
        raise FormatError(
            path,
            "not a model file: not a w2v file, and its first line is not "
            "word2vec's 'COUNT DIMENSIONS' header",
        )
    if not row.strip() or _is_text_row(row, dim):
        return "word2vec-text"
    return "word2vec-binary"


def load(
    path: PathLike,
    *,
    mmap: Optional[str] = None,
    limit: Optional[int] = None,
    kind: Optional[str] = None,
    format: Optional[str] = None,
) -> Union[Word2Vec, KeyedVectors]:
    """Load a model or word vectors from any file w2v reads.

    Parameters
    ----------
    path : str or path-like
        A w2v archive (``Word2Vec.save`` or ``KeyedVectors.save``) or a word2vec.c text or
        binary file, compressed (gzip, bzip2, xz) or not.
    mmap : {None, 'r', 'r+', 'c'}
        Memory-map the arrays of a w2v archive instead of reading them (word2vec files are
        always read).
    limit : int, optional
        Return only the first ``limit`` vectors. A word2vec file is read no further; an
        archive is read and then cut. Only for vectors: with ``kind="model"``, or a model
        archive and no ``kind``, it is an error.
    kind : {None, 'model', 'vectors'}
        What to return: ``None``, what the file holds (a ``Word2Vec`` for a model archive,
        ``KeyedVectors`` otherwise); ``"vectors"``, always ``KeyedVectors`` (a model's
        ``wv``); ``"model"``, a ``Word2Vec``, or an error if the file holds only vectors.
    format : {None, 'w2v', 'word2vec-text', 'word2vec-binary'}
        Skip the detection (:func:`detect_format`) and read the file as this format.

    Returns
    -------
    Word2Vec or KeyedVectors

    Raises
    ------
    FileNotFoundError, IsADirectoryError
        ``path`` is not a file.
    ValueError
        The file is a pickle, in no known format, not what ``kind`` asks for
        (:class:`FormatError`), or malformed.
    """
    if kind not in (None,) + KINDS:
        raise ValueError(f"kind must be None, 'model' or 'vectors', got {kind!r}")
    path = existing_file(path, "model file")
    if format is None:
        format = detect_format(path)
    elif format not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, got {format!r}")
    if format != "w2v":
        if kind == "model":
            raise FormatError(path, f"holds only word vectors ({format}), not a model")
        return KeyedVectors.load_word2vec_format(
            path, binary=format == "word2vec-binary", limit=limit
        )
    holds = archive_kind(path)
    if holds not in VECTOR_KINDS:
        raise ArchiveKindError(path, f"holds {holds}, not word vectors: {load_hint(holds)}")
    if kind == "model" and holds != "Word2Vec":
        raise FormatError(path, "holds only word vectors (KeyedVectors.save), not a model")
    if kind == "model" or (kind is None and holds == "Word2Vec"):
        if limit is not None:
            raise ValueError("limit applies to vectors; pass kind='vectors' to cut a model's")
        return Word2Vec.load(path, mmap=mmap)
    kv = KeyedVectors.load(path, mmap=mmap)
    return first_vectors(kv, limit) if limit is not None and limit < len(kv) else kv


def archive_kind(path: PathLike) -> str:
    """What a w2v archive holds, from its ``meta.json``.

    Parameters
    ----------
    path : str or path-like

    Returns
    -------
    str
        ``"Word2Vec"`` or ``"KeyedVectors"``.

    Raises
    ------
    w2v.errors.MalformedFileError
        The file is not a w2v archive (:class:`FormatError`), or a damaged one.
    """
    return str(read_meta(path)["kind"])


def first_vectors(kv: KeyedVectors, n: int) -> KeyedVectors:
    """A copy of the first ``n`` keys of ``kv``, with their vectors and attributes.

    Parameters
    ----------
    kv : KeyedVectors
    n : int

    Returns
    -------
    KeyedVectors
    """
    out = KeyedVectors(kv.vector_size, 0, dtype=kv.vectors.dtype)
    out.index_to_key = list(kv.index_to_key[:n])
    out.key_to_index = {k: i for i, k in enumerate(out.index_to_key)}
    out.vectors = kv.vectors[:n].copy()
    for name, arr in kv.expandos.items():
        out.expandos[name] = arr[:n].copy()
    return out


def format_for_name(path: PathLike) -> str:
    """The format a file called ``path`` should be written in, from its suffix.

    ``.txt`` and ``.vec`` are word2vec text, ``.bin`` word2vec binary, anything else a w2v
    archive; a compression suffix after them (``vectors.txt.gz``) does not count.

    Parameters
    ----------
    path : str or path-like

    Returns
    -------
    str
        ``"w2v"``, ``"word2vec-text"`` or ``"word2vec-binary"``.
    """
    name = compression.strip_suffix(path).lower()
    if name.endswith(_TEXT_SUFFIXES):
        return "word2vec-text"
    if name.endswith(_BINARY_SUFFIXES):
        return "word2vec-binary"
    return "w2v"


def save_vectors(
    obj: Union[Word2Vec, KeyedVectors], path: PathLike, format: Optional[str] = None
) -> str:
    """Write a model or word vectors to ``path``.

    Parameters
    ----------
    obj : Word2Vec or KeyedVectors
    path : str or path-like
        The target; a ``.gz``, ``.bz2`` or ``.xz`` suffix compresses a word2vec file.
    format : {None, 'w2v', 'word2vec-text', 'word2vec-binary'}
        ``None``: from the suffix (:func:`format_for_name`). ``"w2v"`` saves ``obj`` itself (a
        whole model stays a model); the word2vec formats hold its vectors only.

    Returns
    -------
    str
        The format written.
    """
    if format is None:
        format = format_for_name(path)
    elif format not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, got {format!r}")
    if format == "w2v":
        obj.save(path)
    else:
        kv = obj.wv if isinstance(obj, Word2Vec) else obj
        kv.save_word2vec_format(path, binary=format == "word2vec-binary")
    return format


def _is_text_row(row: bytes, dim: int) -> bool:
    """Whether ``row`` is a word followed by ``dim`` decimal numbers."""
    try:
        fields = row.decode("utf-8").rstrip("\r\n ").split(" ")
        if len(fields) < dim + 1:
            return False
        [float(x) for x in fields[len(fields) - dim :]]
    except (UnicodeDecodeError, ValueError):
        return False
    return True
