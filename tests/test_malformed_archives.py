"""Damaged and crafted archives: each class of fault gives a MalformedFileError naming the
file and the fault, checked before anything is allocated or mapped (``docs/security.md``)."""

from __future__ import annotations

import io
import json
import struct
import zipfile
from pathlib import Path
from typing import Any, Callable, Dict, Optional

import numpy as np
import pytest

import w2v
from w2v import KeyedVectors, Word2Vec
from w2v._archive import load_archive
from w2v.checkpoint import read_training_state
from w2v.errors import (
    ArchiveError,
    ArchiveKindError,
    CompressedFileError,
    FormatError,
    MalformedFileError,
)
from w2v.loading import archive_kind


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Dict[str, Path]:
    work = tmp_path_factory.mktemp("archives")
    model = Word2Vec([["a", "b", "c", "a"]] * 10, vector_size=4, min_count=1, epochs=1, hs=1)
    model.save(work / "m.w2v")
    model.wv.save(work / "kv.w2v")
    return {"model": work / "m.w2v", "kv": work / "kv.w2v"}


def rewrite(
    src: Path,
    dst: Path,
    meta: Optional[Callable[[Dict[str, Any]], Any]] = None,
    members: Optional[Dict[str, bytes]] = None,
    compression: int = zipfile.ZIP_STORED,
) -> Path:
    """A copy of the archive ``src`` with ``meta.json`` edited and members replaced."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", compression) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "meta.json" and meta is not None:
                data = json.dumps(meta(json.loads(data))).encode()
            if members and info.filename in members:
                data = members.pop(info.filename)
            zout.writestr(info.filename, data)
        for name, data in (members or {}).items():
            zout.writestr(name, data)
    return dst


def npy(arr: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.lib.format.write_array(buf, arr, allow_pickle=False)
    return buf.getvalue()


def npy_header(shape: Any, descr: str = "<f4", data: bytes = b"") -> bytes:
    header = {"descr": descr, "fortran_order": False, "shape": shape}
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, header)
    return buf.getvalue() + data


def edit(path: str, value: Any) -> Callable[[Dict[str, Any]], Any]:
    """A meta.json editor setting the dotted ``path`` to ``value``."""

    def apply(meta: Dict[str, Any]) -> Any:
        *parents, last = path.split(".")
        node = meta
        for p in parents:
            node = node[p]
        node[last] = value
        return meta

    return apply


LOADERS = {
    "Word2Vec.load": Word2Vec.load,
    "KeyedVectors.load": KeyedVectors.load,
    "KeyedVectors.load mmap": lambda p: KeyedVectors.load(p, mmap="r"),
    "w2v.load": w2v.load,
}


def refused(path: Path, match: str, error: type = ArchiveError, kv_too: bool = True) -> None:
    loaders = LOADERS if kv_too else {"Word2Vec.load": Word2Vec.load}
    for name, load in loaders.items():
        with pytest.raises(error, match=match) as info:
            load(path)
        assert str(path) in str(info.value), name
        assert isinstance(info.value, MalformedFileError), name


META_FAULTS = [
    # (where, new value, what the message says) -- each crashed with another type before
    ("meta", [1, 2], "meta.json is not w2v's"),  # AttributeError: 'list' has no 'get'
    ("keyedvectors.index_to_key", [["a"], "b", "c"], r"index_to_key\[0\] must be"),  # unhashable
    ("keyedvectors.index_to_key", ["a", "a", "c"], r"index_to_key\[1\] repeats"),
    ("keyedvectors.index_to_key", "abc", "index_to_key must be a list"),
    ("keyedvectors.vector_size", "4", "vector_size must be an integer"),
    ("keyedvectors.vector_size", 5, r"shape \(3, 4\); the metadata calls for \(3, 5\)"),
    ("keyedvectors", None, "keyedvectors must be an object"),
    ("keyedvectors.object_vecattrs", {"pos": ["x"]}, "object_vecattrs.pos has 1 values"),
    ("keyedvectors.object_vecattrs", {"pos": [[1], 2, 3]}, r"object_vecattrs.pos\[0\]"),
    ("keyedvectors.next_index", 99, "next_index is beyond"),
    ("keyedvectors.ann_index", {"library": "faiss"}, "ann_index.kind is missing"),
    ("format_version", "1", "format_version must be an integer"),
    ("format_version", 0, r"format_version must be in \[1, 1\]"),
    ("kind", "Pickle", "kind must be one of"),
]


@pytest.mark.parametrize("where,value,match", META_FAULTS)
def test_meta_json_fields_are_checked_by_one_schema(
    files: Dict[str, Path], tmp_path: Path, where: str, value: Any, match: str
) -> None:
    editor = (lambda _: value) if where == "meta" else edit(where, value)
    for kind in ("kv", "model"):
        bad = rewrite(files[kind], tmp_path / f"{kind}.w2v", meta=editor)
        refused(bad, match, FormatError if where == "meta" else ArchiveError)


@pytest.mark.parametrize(
    "where,value,match",
    [
        ("params.window", "five", "params: window must be"),
        ("params.no_such_parameter", 1, "params: .*no_such_parameter"),
        ("params", [], "params must be an object"),
        ("state.corpus_count", "10", "state.corpus_count must be an integer"),
        ("state.loss_history", [1, "x"], r"state.loss_history\[1\] must be a number"),
        ("state.noise_spec_kind", "pickle", "noise_spec_kind must be one of"),
        ("state.resume", {"epochs": 1}, "state.resume.* is missing"),
        ("state", None, "state must be an object"),
    ],
)
def test_model_fields_are_checked(
    files: Dict[str, Path], tmp_path: Path, where: str, value: Any, match: str
) -> None:
    bad = rewrite(files["model"], tmp_path / "m.w2v", meta=edit(where, value))
    with pytest.raises(ArchiveError, match=match) as info:
        Word2Vec.load(bad)
    assert str(bad) in str(info.value)


def test_newer_format_version_is_a_format_error(files: Dict[str, Path], tmp_path: Path) -> None:
    bad = rewrite(files["kv"], tmp_path / "new.w2v", meta=edit("format_version", 2))
    refused(bad, "newer w2v", FormatError)


@pytest.mark.parametrize(
    "member,data,match",
    [
        # Shapes declared far beyond the data: refused before allocating (was MemoryError).
        ("vectors.npy", npy_header((10**12, 10**6)), r"declares shape \(1000000000000"),
        ("vectors.npy", npy_header((3, 4), data=b"\0" * 8), "holds 8"),
        ("vectors.npy", npy(np.zeros((4, 4), np.float32)), r"shape \(4, 4\); the metadata"),
        ("vectors.npy", npy(np.zeros((3, 4), np.int32)), "must be a float type"),
        ("vectors.npy", npy_header((3, 4), "|O", b"\0" * 96), "dtype object"),
        ("vectors.npy", npy_header((-3, 4)), "negative dimension"),
        ("vectors.npy", b"\x93NUMPY\x03\x00" + b"\0" * 60, "version"),
        ("vectors.npy", b"not an array", "damaged archive"),
        ("vecattr.count.npy", npy(np.zeros(2, np.int64)), r"'vecattr.count' has shape \(2,\)"),
        ("vecattr.count.npy", npy(np.zeros(3, np.complex64)), "numeric type"),
        ("vecattr.other.npy", npy_header((2**40,)), "declares shape"),
        ("unknown.npy", npy_header((2**40,), "|O"), "dtype object"),
    ],
)
def test_array_headers_are_checked_before_reading(
    files: Dict[str, Path], tmp_path: Path, member: str, data: bytes, match: str
) -> None:
    bad = rewrite(files["kv"], tmp_path / "kv.w2v", members={member: data})
    for mmap in (None, "r"):
        with pytest.raises(ArchiveError, match=match):
            KeyedVectors.load(bad, mmap=mmap)


def test_model_arrays_must_fit_the_model(files: Dict[str, Path], tmp_path: Path) -> None:
    wrong = {
        "syn1neg.npy": npy(np.zeros((3, 5), np.float32)),
        "syn1.npy": npy(np.zeros((3, 4), np.float64)),
        "noise_weights.npy": npy(np.zeros(2)),
        "wv.vectors.npy": npy(np.zeros((3, 4), ">f4")),  # the trainer needs native float32
    }
    for member, data in wrong.items():
        bad = rewrite(files["model"], tmp_path / "m.w2v", members={member: data})
        with pytest.raises(ArchiveError, match=member[:-4]):
            Word2Vec.load(bad)
    # A model trained with negative sampling without its output weights cannot train on.
    with zipfile.ZipFile(files["model"]) as zin, zipfile.ZipFile(tmp_path / "n.w2v", "w") as z:
        for info in zin.infolist():
            if info.filename != "syn1neg.npy":
                z.writestr(info.filename, zin.read(info))
    with pytest.raises(ArchiveError, match="'syn1neg' is missing"):
        Word2Vec.load(tmp_path / "n.w2v")


def flipped(src: Path, dst: Path, offset_in_member: int, member: str) -> Path:
    data = bytearray(src.read_bytes())
    with zipfile.ZipFile(src) as zf:
        info = zf.getinfo(member)
    name_len, extra_len = struct.unpack(
        "<HH", data[info.header_offset + 26 : info.header_offset + 30]
    )
    at = info.header_offset + 30 + name_len + extra_len + offset_in_member
    data[at] ^= 0x55
    dst.write_bytes(bytes(data))
    return dst


def test_crc_errors_are_archive_errors(files: Dict[str, Path], tmp_path: Path) -> None:
    # A byte of the vectors' data (was zipfile.BadZipFile: Bad CRC-32).
    bad = flipped(files["kv"], tmp_path / "crc.w2v", 128 + 5, "vectors.npy")
    with pytest.raises(ArchiveError, match="CRC"):
        KeyedVectors.load(bad)
    # meta.json's bytes: a CRC error too (or JSON that no longer parses).
    bad = flipped(files["kv"], tmp_path / "meta.w2v", 3, "meta.json")
    with pytest.raises(ArchiveError):
        KeyedVectors.load(bad)


def test_zip_directory_faults(files: Dict[str, Path], tmp_path: Path) -> None:
    data = files["kv"].read_bytes()
    # Truncated: the central directory is gone.
    (tmp_path / "cut.w2v").write_bytes(data[: len(data) // 2])
    refused(tmp_path / "cut.w2v", "not a zip archive", FormatError)
    # A directory entry pointing before the start of the file (was OSError: Invalid argument).
    with zipfile.ZipFile(files["kv"]) as zf:
        infos = zf.infolist()
    eocd = data.rfind(b"PK\x05\x06")
    cd_offset = struct.unpack("<I", data[eocd + 16 : eocd + 20])[0]
    bad = bytearray(data)
    struct.pack_into("<I", bad, eocd + 16, cd_offset + 7)  # shifts every header offset
    (tmp_path / "shift.w2v").write_bytes(bytes(bad))
    with pytest.raises(MalformedFileError):
        KeyedVectors.load(tmp_path / "shift.w2v")
    # Two members of the same name.
    with zipfile.ZipFile(tmp_path / "dup.w2v", "w") as z, zipfile.ZipFile(files["kv"]) as src:
        for info in infos:
            z.writestr(info.filename, src.read(info))
        with pytest.warns(UserWarning, match="Duplicate name"):
            z.writestr("vectors.npy", src.read("vectors.npy"))
    refused(tmp_path / "dup.w2v", "appears twice")
    # A member whose declared size its stored bytes cannot hold (a zip bomb's directory).
    bad = bytearray(data)
    cd = data.find(b"PK\x01\x02", cd_offset)
    struct.pack_into("<I", bad, cd + 24, 2**31)  # uncompressed size of the first member
    (tmp_path / "bomb.w2v").write_bytes(bytes(bad))
    refused(tmp_path / "bomb.w2v", "declares 2147483648 bytes")


@pytest.mark.parametrize("method", [zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA], ids=["bzip2", "lzma"])
def test_members_compressed_with_other_methods_are_refused(
    files: Dict[str, Path], tmp_path: Path, method: int
) -> None:
    # Their decompressors failed with OSError or LZMAError on damaged data before.
    bad = rewrite(files["kv"], tmp_path / "c.w2v", compression=method)
    refused(bad, f"zip method {method}")


def test_deflated_members_are_read_within_their_declared_size(
    files: Dict[str, Path], tmp_path: Path
) -> None:
    # A zip tool may deflate the members: still read (not mapped), checked the same way.
    good = rewrite(files["model"], tmp_path / "z.w2v", compression=zipfile.ZIP_DEFLATED)
    model = Word2Vec.load(good, mmap="r")
    assert model.wv.vectors.shape == (3, 4)
    np.testing.assert_array_equal(model.wv.vectors, Word2Vec.load(files["model"]).wv.vectors)
    # Damaged deflate data (was zlib.error).
    data = bytearray(good.read_bytes())
    with zipfile.ZipFile(good) as zf:
        info = zf.getinfo("wv.vectors.npy")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    data[start : start + 8] = b"\xff" * 8
    (tmp_path / "zbad.w2v").write_bytes(bytes(data))
    with pytest.raises(ArchiveError, match="wv.vectors|damaged"):
        Word2Vec.load(tmp_path / "zbad.w2v")


def test_error_hierarchy() -> None:
    for cls in (FormatError, ArchiveError, CompressedFileError, ArchiveKindError):
        assert issubclass(cls, MalformedFileError)
        assert issubclass(cls, ValueError)
    assert issubclass(ArchiveKindError, AttributeError)  # gensim raises AttributeError there
    assert w2v.loading.FormatError is FormatError
    err = ArchiveError(b"caf\xe9.w2v", "what is wrong")
    assert err.path == "caf\udce9.w2v" and str(err) == "'caf\\udce9.w2v': what is wrong"


def test_kind_mismatch_keeps_gensims_attribute_error(files: Dict[str, Path]) -> None:
    with pytest.raises(AttributeError):
        Word2Vec.load(files["kv"])
    with pytest.raises(ArchiveKindError, match="KeyedVectors.load"):
        Word2Vec.load(files["kv"])


def test_other_readers_of_archives_use_the_same_checks(
    files: Dict[str, Path], tmp_path: Path
) -> None:
    bad = rewrite(files["model"], tmp_path / "m.w2v", meta=lambda m: [m])
    for read in (archive_kind, read_training_state, load_archive):
        with pytest.raises(FormatError, match="meta.json"):
            read(bad)
    bad = rewrite(files["model"], tmp_path / "r.w2v", meta=edit("state.resume", {"epochs": 1}))
    with pytest.raises(ArchiveError, match="state.resume"):
        read_training_state(bad)


@pytest.mark.parametrize(
    "raw,match",
    [
        (b"[" * 100_000 + b"]" * 100_000, "RecursionError"),  # deeper than json can parse
        (b'{"format": "w2v", "kind": "caf\xe9"}', "UnicodeDecodeError"),
        (b'{"format": "w2v", "format_version": 1' + b"9" * 5000 + b"}", "digits"),
    ],
    ids=["nested", "not-utf8", "huge-int"],
)
def test_unparsable_meta_json(
    files: Dict[str, Path], tmp_path: Path, raw: bytes, match: str
) -> None:
    bad = rewrite(files["kv"], tmp_path / "j.w2v", members={"meta.json": raw})
    refused(bad, match)


def test_detect_format_with_a_huge_declared_dimension(tmp_path: Path) -> None:
    # Found by scripts/fuzz_native.py: the header's size went straight into readline's
    # limit (OverflowError: cannot fit 'int' into an index-sized integer).
    path = tmp_path / "huge.bin"
    path.write_bytes(b"4 " + b"4" * 40 + b"\nrow\n")
    assert w2v.loading.detect_format(path) == "word2vec-binary"
