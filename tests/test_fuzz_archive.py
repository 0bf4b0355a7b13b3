"""Property-based fuzzing of the archive loader: random bytes and mutations of a valid small
archive (flipped bytes, cuts, insertions, edited meta.json fields, members of other shapes and
dtypes) load correctly or raise MalformedFileError, never anything else.

Bounded (examples and deadline) so that this file takes a few seconds; ``scripts/fuzz_native.py``
runs the same loaders for as long as one likes.
"""

from __future__ import annotations

import io
import json
import logging
import zipfile
from pathlib import Path
from typing import Any, Dict, List, Tuple

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import w2v
from w2v import KeyedVectors, Word2Vec
from w2v.errors import MalformedFileError

FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,
)


@pytest.fixture(scope="module")
def archives(tmp_path_factory: pytest.TempPathFactory) -> Dict[str, bytes]:
    work = tmp_path_factory.mktemp("fuzz-archives")
    model = Word2Vec([["a", "b", "c", "a"]] * 10, vector_size=4, min_count=1, epochs=1, hs=1)
    model.save(work / "m.w2v")
    model.wv.save(work / "kv.w2v")
    return {"model": (work / "m.w2v").read_bytes(), "kv": (work / "kv.w2v").read_bytes()}


def load_all(path: Path) -> None:
    """Every archive loader on ``path``: a consistent result or MalformedFileError."""
    logging.disable(logging.WARNING)  # a dropped ann index only warns
    try:
        for load in (
            Word2Vec.load,
            KeyedVectors.load,
            lambda p: KeyedVectors.load(p, mmap="r"),
            lambda p: Word2Vec.load(p, mmap="c"),
            w2v.load,
        ):
            try:
                obj = load(path)
            except MalformedFileError as exc:
                assert str(path) in str(exc)
                continue
            kv = obj.wv if isinstance(obj, Word2Vec) else obj
            assert kv.vectors.shape == (len(kv.index_to_key), kv.vector_size)
            for values in kv.expandos.values():
                assert len(values) == len(kv.index_to_key)
            del obj, kv  # release memory maps before the file is rewritten
    finally:
        logging.disable(logging.NOTSET)


@FUZZ
@given(data=st.binary(max_size=2048), zip_magic=st.booleans())
def test_random_bytes(tmp_path: Path, data: bytes, zip_magic: bool) -> None:
    path = tmp_path / "random.w2v"
    path.write_bytes((b"PK\x03\x04" if zip_magic else b"") + data)
    load_all(path)


MUTATION = st.one_of(
    st.tuples(st.just("flip"), st.integers(0, 1 << 20), st.integers(1, 255)),
    st.tuples(st.just("cut"), st.integers(0, 1 << 20), st.just(0)),
    st.tuples(st.just("insert"), st.integers(0, 1 << 20), st.integers(0, 255)),
    st.tuples(st.just("delete"), st.integers(0, 1 << 20), st.integers(1, 64)),
)


def mutate(data: bytes, mutations: List[Tuple[str, int, int]]) -> bytes:
    out = bytearray(data)
    for kind, at, value in mutations:
        at %= max(len(out), 1)
        if kind == "flip" and out:
            out[at] ^= value
        elif kind == "cut":
            del out[at:]
        elif kind == "insert":
            out[at:at] = bytes([value]) * (1 + value % 9)
        elif kind == "delete":
            del out[at : at + value]
    return bytes(out)


@FUZZ
@given(kind=st.sampled_from(["model", "kv"]), mutations=st.lists(MUTATION, min_size=1, max_size=4))
def test_mutated_bytes(
    tmp_path: Path, archives: Dict[str, bytes], kind: str, mutations: List[Tuple[str, int, int]]
) -> None:
    path = tmp_path / "mutated.w2v"
    path.write_bytes(mutate(archives[kind], mutations))
    load_all(path)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


def json_paths(node: Any, prefix: Tuple[Any, ...] = ()) -> List[Tuple[Any, ...]]:
    """Every place in a JSON document: object keys and list indices, depth first."""
    out = [prefix]
    if isinstance(node, dict):
        for k, v in node.items():
            out += json_paths(v, prefix + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node[:6]):
            out += json_paths(v, prefix + (i,))
    return out


def with_members(data: bytes, replace: Dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(buf, "w") as zout:
        for info in zin.infolist():
            zout.writestr(info.filename, replace.get(info.filename, zin.read(info)))
    return buf.getvalue()


@FUZZ
@given(
    kind=st.sampled_from(["model", "kv"]),
    choice=st.integers(0, 10**6),
    value=JSON,
    delete=st.booleans(),
)
def test_edited_meta_fields(
    tmp_path: Path, archives: Dict[str, bytes], kind: str, choice: int, value: Any, delete: bool
) -> None:
    with zipfile.ZipFile(io.BytesIO(archives[kind])) as zf:
        meta = json.loads(zf.read("meta.json"))
    places = json_paths(meta)[1:]
    place = places[choice % len(places)]
    node = meta
    for step in place[:-1]:
        node = node[step]
    if delete and isinstance(node, dict):
        del node[place[-1]]
    else:
        node[place[-1]] = value
    path = tmp_path / "edited.w2v"
    path.write_bytes(with_members(archives[kind], {"meta.json": json.dumps(meta).encode()}))
    load_all(path)


DTYPES = st.sampled_from(
    ["<f4", ">f4", "<f8", "<f2", "<i8", "<u4", "|u1", "|b1", "<c8", "|O", "<U3"]
)


@FUZZ
@given(
    kind=st.sampled_from(["model", "kv"]),
    member=st.sampled_from(["vectors", "vecattr.count", "syn1neg", "syn1", "noise_weights"]),
    shape=st.lists(st.integers(0, 6), min_size=0, max_size=3),
    dtype=DTYPES,
    declared=st.one_of(st.none(), st.lists(st.integers(-3, 2**40), min_size=1, max_size=3)),
)
def test_members_of_other_shapes_and_dtypes(
    tmp_path: Path,
    archives: Dict[str, bytes],
    kind: str,
    member: str,
    shape: List[int],
    dtype: str,
    declared: Any,
) -> None:
    name = ("wv." if kind == "model" and member.startswith(("vec",)) else "") + member + ".npy"
    buf = io.BytesIO()
    if dtype == "|O":
        arr = np.empty(shape, dtype=object)
    else:
        arr = np.zeros(shape, dtype=dtype)
    header = {"descr": np.lib.format.dtype_to_descr(arr.dtype), "fortran_order": False}
    header["shape"] = tuple(declared) if declared is not None else tuple(shape)
    np.lib.format.write_array_header_1_0(buf, header)
    if dtype != "|O":
        buf.write(arr.tobytes())
    path = tmp_path / "members.w2v"
    path.write_bytes(with_members(archives[kind], {name: buf.getvalue()}))
    load_all(path)
