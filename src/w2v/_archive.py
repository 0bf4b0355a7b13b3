"""The pickle-free file format shared by models and keyed vectors.

A file is an uncompressed zip archive holding ``meta.json`` (everything that is not an
array: parameters, vocabulary keys, history) and one ``<name>.npy`` member per array. Loading
parses JSON and ``.npy`` headers with ``allow_pickle=False``, so a file can never run code.
Members are stored uncompressed, so arrays can be memory-mapped straight from the archive.
Saving writes to a temporary file beside the target and renames it over the target, so a
crash mid-save leaves the previous file intact. See ``docs/format.md``.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import struct
import tempfile
import zipfile
import zlib
from pathlib import Path
from typing import IO, Any, Dict, Iterator, Optional, Tuple

import numpy as np

from w2v._archive_schema import (
    FORMAT_NAME,
    FORMAT_VERSION,
    SchemaError,
    check_member,
    check_meta,
    expected_members,
)
from w2v.errors import ArchiveError, FormatError, MalformedFileError
from w2v.paths import PathLike, existing_file, fspath

_META = "meta.json"


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
        raise FormatError(
            path,
            "looks like a Python pickle (e.g. a gensim .model file). w2v "
            "never loads pickles, which can run code; export the vectors from gensim with "
            "model.wv.save_word2vec_format(path, binary=True) and use "
            "KeyedVectors.load_word2vec_format",
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
    path = Path(fspath(path))
    full_meta = {"format": FORMAT_NAME, "format_version": FORMAT_VERSION, **meta}
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent or ".")
    try:
        with os.fdopen(fd, "wb") as raw:
            with zipfile.ZipFile(raw, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as zf:
                zf.writestr(_META, _json_bytes(full_meta))
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


def _json_bytes(meta: Dict[str, Any]) -> bytes:
    """``meta`` as UTF-8 JSON. Lone surrogates (a file name that is not valid UTF-8, words
    decoded with ``surrogateescape``) have no UTF-8 form: then every non-ASCII character is
    escaped, which JSON reads back as the same string."""
    text = json.dumps(meta, ensure_ascii=False)
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(meta).encode("ascii")


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


# What a damaged zip structure raises inside zipfile, numpy's .npy header parser or json.
_DAMAGE = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    EOFError,
    struct.error,
    zlib.error,
    NotImplementedError,
    UnicodeDecodeError,
    OverflowError,
    RecursionError,
    ValueError,
)
_STORED_OR_DEFLATED = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
# deflate cannot expand data more than about 1032 times (RFC 1951's longest match per code).
_DEFLATE_RATIO = 1032
_READ_BLOCK = 1 << 24


def load_archive(
    path: PathLike, mmap: Optional[str] = None
) -> Tuple[Dict[str, Any], Dict[str, np.ndarray]]:
    """Read an archive written by :func:`save_archive`, checking its whole structure first.

    The zip directory, ``meta.json`` (against the schema in :mod:`w2v._archive_schema`) and
    every array header (shape and dtype against the metadata, size against the member's) are
    checked before any array is read or mapped; reading checks each member's CRC. Array
    members this version does not know are not read.

    Parameters
    ----------
    path : str, bytes or path-like
        The file.
    mmap : {None, 'r', 'r+', 'c'}
        Memory-map the arrays with this numpy mode instead of reading them into memory.

    Returns
    -------
    meta : dict
    arrays : dict of str to numpy.ndarray

    Raises
    ------
    FileNotFoundError, IsADirectoryError
        ``path`` is not a file.
    w2v.errors.FormatError
        Not a w2v archive (a pickle, a word2vec file, another zip file) or a newer version.
    w2v.errors.ArchiveError
        A damaged archive; the message names the file and the field or member at fault.
    """
    if mmap not in (None, "r", "r+", "c"):
        raise ValueError(f"mmap must be None, 'r', 'r+' or 'c', got {mmap!r}")
    name = existing_file(path)
    with open(name, "rb") as fh:
        with _archive_errors(name):
            zf = _open_zip(name, fh)
            with zf:
                meta = _read_meta(name, zf)
                return meta, _read_arrays(name, zf, fh, meta, mmap)


def read_meta(path: PathLike) -> Dict[str, Any]:
    """``meta.json`` of the archive at ``path``, checked against the schema (arrays unread).

    Raises the same errors as :func:`load_archive`.
    """
    name = existing_file(path)
    with open(name, "rb") as fh, _archive_errors(name):
        with _open_zip(name, fh) as zf:
            return _read_meta(name, zf)


@contextlib.contextmanager
def _archive_errors(name: str) -> Iterator[None]:
    """Report whatever a damaged archive makes the readers raise as an ArchiveError."""
    try:
        yield
    except MalformedFileError:
        raise
    except SchemaError as exc:
        raise ArchiveError(name, str(exc)) from None
    except _DAMAGE as exc:
        raise ArchiveError(name, f"damaged archive ({type(exc).__name__}: {exc})") from None


def _open_zip(name: str, fh: IO[bytes]) -> zipfile.ZipFile:
    """The zip directory of ``fh``, every entry checked to lie inside the file."""
    refuse_pickle(name, fh.read(1))
    fh.seek(0)
    try:
        zf = zipfile.ZipFile(fh, "r")
    except zipfile.BadZipFile:
        raise FormatError(
            name,
            "not a valid w2v model file: not a zip archive (for word2vec.c files use "
            "KeyedVectors.load_word2vec_format)",
        ) from None
    size = os.fstat(fh.fileno()).st_size
    seen = set()
    for info in zf.infolist():
        where = f"member {info.filename!r}"
        if info.filename in seen:
            raise ArchiveError(name, f"{where} appears twice in the zip directory")
        seen.add(info.filename)
        if info.flag_bits & 0x1:
            raise ArchiveError(name, f"{where} is encrypted")
        if info.compress_type not in _STORED_OR_DEFLATED:
            raise ArchiveError(
                name,
                f"{where} is compressed with zip method {info.compress_type}; w2v archives "
                "store members uncompressed",
            )
        if info.header_offset < 0 or info.header_offset + 30 + info.compress_size > size:
            raise ArchiveError(name, f"{where} lies outside the file")
        stored = info.compress_type == zipfile.ZIP_STORED
        if (stored and info.file_size != info.compress_size) or (
            info.file_size > _DEFLATE_RATIO * info.compress_size + 64
        ):
            raise ArchiveError(
                name,
                f"{where} declares {info.file_size} bytes, more than its "
                f"{info.compress_size} stored bytes can hold",
            )
    return zf


def _read_meta(name: str, zf: zipfile.ZipFile) -> Dict[str, Any]:
    try:
        info = zf.getinfo(_META)
    except KeyError:
        raise FormatError(name, f"not a valid w2v model file: no {_META}") from None
    with zf.open(info) as member:
        raw = member.read(info.file_size)
        member.read(1)  # reaches the end of the member, which checks its CRC
    meta = json.loads(raw.decode("utf-8"))
    if not isinstance(meta, dict) or meta.get("format") != FORMAT_NAME:
        raise FormatError(name, "not a valid w2v model file: its meta.json is not w2v's")
    version = meta.get("format_version")
    if isinstance(version, int) and version > FORMAT_VERSION:
        raise FormatError(
            name,
            f"written by a newer w2v (format version {version}); upgrade w2v to read it",
        )
    check_meta(meta)
    return meta


def _read_arrays(
    name: str, zf: zipfile.ZipFile, fh: IO[bytes], meta: Dict[str, Any], mmap: Optional[str]
) -> Dict[str, np.ndarray]:
    """Check every expected array's header against the metadata, then read or map them."""
    present = {i.filename[:-4]: i for i in zf.infolist() if i.filename.endswith(".npy")}
    # Every member's header is checked, also those this version does not read.
    headers = {array: _array_header(zf, info) for array, info in present.items()}
    wanted = {}
    for array, member in expected_members(meta, list(present)).items():
        if array not in present:
            if member.required:
                raise ArchiveError(name, f"array {array!r} is missing")
            continue
        check_member(array, member, headers[array][0], headers[array][2])
        wanted[array] = headers[array]
    arrays: Dict[str, np.ndarray] = {}
    for array, (shape, fortran, dtype, offset) in wanted.items():
        info = present[array]
        count = math.prod(shape)
        if mmap is not None and info.compress_type == zipfile.ZIP_STORED and count:
            start = _member_data_offset(fh, info) + offset
            if start % max(dtype.alignment, 1) == 0:
                arrays[array] = np.memmap(
                    fh.name,
                    dtype=dtype,
                    mode=mmap,
                    offset=start,
                    shape=shape,
                    order="F" if fortran else "C",
                )
                continue
            # An unaligned member (a file from another writer): read it instead of mapping.
        arrays[array] = _read_array(zf, info, shape, fortran, dtype, offset)
    return arrays


def _array_header(
    zf: zipfile.ZipFile, info: zipfile.ZipInfo
) -> Tuple[Tuple[int, ...], bool, np.dtype, int]:
    """A member's ``.npy`` header: shape, Fortran order, dtype and the header's length,
    checked to describe exactly the bytes the member holds."""
    where = f"array member {info.filename!r}"
    with zf.open(info) as member:
        version = np.lib.format.read_magic(member)
        if version == (1, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_1_0(member)
        elif version == (2, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_2_0(member)
        else:
            raise SchemaError(f"{where} has .npy version {version}, not 1.0 or 2.0")
        offset = member.tell()
    if dtype.hasobject or dtype.fields is not None or dtype.subdtype is not None:
        raise SchemaError(f"{where} has dtype {dtype}, which w2v never stores")
    if any(n < 0 for n in shape):
        raise SchemaError(f"{where} has a negative dimension in its shape {shape}")
    nbytes = math.prod(shape) * dtype.itemsize
    if offset + nbytes != info.file_size:
        raise SchemaError(
            f"{where} declares shape {shape} of {dtype.str} ({nbytes} bytes of data), but the "
            f"member holds {info.file_size - offset}"
        )
    return tuple(shape), bool(fortran), dtype, offset


def _member_data_offset(fh: IO[bytes], info: zipfile.ZipInfo) -> int:
    fh.seek(info.header_offset)
    header = fh.read(30)
    if header[:4] != b"PK\x03\x04":
        raise SchemaError(f"member {info.filename!r} has a bad local header")
    name_len, extra_len = struct.unpack("<HH", header[26:30])
    start = info.header_offset + 30 + name_len + extra_len
    if start + info.file_size > os.fstat(fh.fileno()).st_size:
        raise SchemaError(f"member {info.filename!r} extends past the end of the file")
    return start


def _read_array(
    zf: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    shape: Tuple[int, ...],
    fortran: bool,
    dtype: np.dtype,
    offset: int,
) -> np.ndarray:
    """Read a member whose header was checked: exactly its declared bytes, CRC checked."""
    arr = np.empty(math.prod(shape), dtype=dtype)
    view = memoryview(arr.view(np.uint8))
    with zf.open(info) as member:
        member.read(offset)
        done = 0
        while done < len(view):
            block = member.read(min(_READ_BLOCK, len(view) - done))
            if not block:
                raise SchemaError(f"array member {info.filename!r} ends early")
            view[done : done + len(block)] = block
            done += len(block)
        member.read(1)  # reaches the end of the member, which checks its CRC
    return arr.reshape(shape, order="F" if fortran else "C")
