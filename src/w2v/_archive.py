"""The pickle-free file format shared by models and keyed vectors.

A file is an uncompressed zip archive holding ``meta.json`` (everything that is not an
array: parameters, vocabulary keys, history) and one ``<name>.npy`` member per array. Loading
parses JSON and ``.npy`` headers with ``allow_pickle=False``, so a file can never run code.
Members are stored uncompressed, so arrays can be memory-mapped straight from the archive.
Saving writes to a temporary file beside the target and renames it over the target, so a
crash mid-save leaves the previous file intact. See ``docs/format.md``.
"""

from __future__ import annotations

import json
import math
import os
import struct
import tempfile
import zipfile
from pathlib import Path
from typing import Any, Dict, Optional, Tuple, Union

import numpy as np

FORMAT_NAME = "w2v"
FORMAT_VERSION = 1
_META = "meta.json"

PathLike = Union[str, "os.PathLike[str]"]


PICKLE_MAGIC = b"\x80"


def jsonable(x: Any, *, finite: bool = False) -> Any:
    """``x`` with every value JSON can hold kept and anything else turned into text.

    With ``finite``, NaN and infinities become None, so the result is strict JSON (the
    command line's ``--json`` output).
    """
    if isinstance(x, dict):
        return {str(k): jsonable(v, finite=finite) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [jsonable(v, finite=finite) for v in x]
    if finite and isinstance(x, float) and not math.isfinite(x):
        return None
    if isinstance(x, (str, int, float, bool)) or x is None:
        return x
    if isinstance(x, np.generic):
        return jsonable(x.item(), finite=finite)
    return str(x)


def refuse_pickle(path: PathLike, head: bytes) -> None:
    """Raise if a file starting with ``head`` is a Python pickle (which could run code)."""
    if head[:1] == PICKLE_MAGIC:
        raise ValueError(
            f"{os.fspath(path)!r} looks like a Python pickle (e.g. a gensim .model file). w2v "
            "never loads pickles, which can run code; export the vectors from gensim with "
            "model.wv.save_word2vec_format(path, binary=True) and use "
            "KeyedVectors.load_word2vec_format"
        )


def save_archive(path: PathLike, meta: Dict[str, Any], arrays: Dict[str, np.ndarray]) -> None:
    """Write ``meta`` and ``arrays`` to ``path`` atomically.

    Parameters
    ----------
    path : str or path-like
        Target file; replaced only once the new file is complete on disk.
    meta : dict
        JSON-serialisable metadata.
    arrays : dict of str to numpy.ndarray
        Arrays to store; object arrays are refused.
    """
    path = Path(path)
    full_meta = {"format": FORMAT_NAME, "format_version": FORMAT_VERSION, **meta}
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent or ".")
    try:
        with os.fdopen(fd, "wb") as raw:
            with zipfile.ZipFile(raw, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as zf:
                zf.writestr(_META, json.dumps(full_meta, ensure_ascii=False))
                for name, arr in arrays.items():
                    arr = np.asarray(arr)
                    if arr.dtype.hasobject:
                        raise TypeError(f"array {name!r} has dtype object, which cannot be saved")
                    info = _aligned_member(f"{name}.npy", raw.tell())
                    with zf.open(info, "w", force_zip64=True) as member:
                        np.lib.format.write_array(
                            member, np.ascontiguousarray(arr), allow_pickle=False
                        )
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


_ALIGN = 64
_PAD_FIELD_ID = 0xA1A1  # a private zip "extra" field that only pads


def _aligned_member(name: str, header_offset: int) -> zipfile.ZipInfo:
    """A stored zip entry whose data starts on a 64-byte boundary.

    ``.npy`` headers are padded to 64 bytes too, so memory-mapped arrays come out aligned.
    The local header is 30 bytes + name + extra; with zip64 the extra starts with a 20-byte
    zip64 field, then ours (4 bytes + padding).
    """
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_STORED
    fixed = header_offset + 30 + len(name.encode("utf-8")) + 20 + 4
    pad = (-fixed) % _ALIGN
    info.extra = struct.pack("<HH", _PAD_FIELD_ID, pad) + b"\0" * pad
    return info


def _member_data_offset(fh, info: zipfile.ZipInfo) -> int:
    fh.seek(info.header_offset)
    header = fh.read(30)
    if header[:4] != b"PK\x03\x04":
        raise ValueError(f"corrupt archive: bad local header for {info.filename}")
    name_len, extra_len = struct.unpack("<HH", header[26:30])
    return info.header_offset + 30 + name_len + extra_len


def load_archive(
    path: PathLike, mmap: Optional[str] = None
) -> Tuple[Dict[str, Any], Dict[str, np.ndarray]]:
    """Read an archive written by :func:`save_archive`.

    Parameters
    ----------
    path : str or path-like
        The file.
    mmap : {None, 'r', 'r+', 'c'}
        Memory-map the arrays with this numpy mode instead of reading them into memory.

    Returns
    -------
    meta : dict
    arrays : dict of str to numpy.ndarray
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"no such file: {str(path)!r}")
    if mmap not in (None, "r", "r+", "c"):
        raise ValueError(f"mmap must be None, 'r', 'r+' or 'c', got {mmap!r}")
    if path.is_file():
        with open(path, "rb") as fh:
            refuse_pickle(path, fh.read(1))
    try:
        zf = zipfile.ZipFile(path, "r")
    except zipfile.BadZipFile as e:
        raise ValueError(
            f"{str(path)!r} is not a w2v model file (for word2vec.c files use "
            "KeyedVectors.load_word2vec_format)"
        ) from e
    with zf, open(path, "rb") as fh:
        try:
            meta = json.loads(zf.read(_META).decode("utf-8"))
        except KeyError as e:
            raise ValueError(f"{str(path)!r} is not a w2v model file: no {_META}") from e
        if meta.get("format") != FORMAT_NAME:
            raise ValueError(f"{str(path)!r} is not a w2v model file")
        if int(meta.get("format_version", 0)) > FORMAT_VERSION:
            raise ValueError(
                f"{str(path)!r} was written by a newer w2v (format version "
                f"{meta['format_version']}); upgrade w2v to read it"
            )
        arrays: Dict[str, np.ndarray] = {}
        for info in zf.infolist():
            if not info.filename.endswith(".npy"):
                continue
            name = info.filename[:-4]
            if mmap is None or info.compress_type != zipfile.ZIP_STORED:
                with zf.open(info) as member:
                    arrays[name] = np.lib.format.read_array(member, allow_pickle=False)
                continue
            fh.seek(_member_data_offset(fh, info))
            version = np.lib.format.read_magic(fh)
            if version == (1, 0):
                shape, fortran, dtype = np.lib.format.read_array_header_1_0(fh)
            else:
                shape, fortran, dtype = np.lib.format.read_array_header_2_0(fh)
            if dtype.hasobject:
                raise ValueError(f"array {name!r} in {str(path)!r} has dtype object")
            if int(np.prod(shape)) == 0:
                arrays[name] = np.zeros(shape, dtype=dtype)
                continue
            if fh.tell() % max(dtype.alignment, 1):
                # An unaligned member (a file from another writer): read it instead of mapping.
                with zf.open(info) as member:
                    arrays[name] = np.lib.format.read_array(member, allow_pickle=False)
                continue
            arrays[name] = np.memmap(
                path,
                dtype=dtype,
                mode=mmap,
                offset=fh.tell(),
                shape=shape,
                order="F" if fortran else "C",
            )
    return meta, arrays


class ArchiveKindError(ValueError, AttributeError):
    """An archive holds another kind of object than the one asked for (keyed vectors given to
    ``Word2Vec.load``, say).

    A ``ValueError``, as w2v's other file errors, and an ``AttributeError``, which is what
    gensim raises there, so code written for gensim catches it too.
    """
