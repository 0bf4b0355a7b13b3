"""gzip input read as Python's gzip module reads it, whichever reader the build has: ISA-L's
inflate in C++ (``_core.gzip_backend() == "isa-l"``) or Python's gzip. Members one after
another, zero padding, data after the last member, seeking, and the reading position."""

from __future__ import annotations

import gzip
import io
import random
import zlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from w2v import _core
from w2v.compression import open_read
from w2v.errors import CompressedFileError


def members(parts: list, padding: bytes = b"") -> bytes:
    levels = (6, 0, 1, 9)  # stored blocks too
    return padding.join(gzip.compress(p, compresslevel=levels[i % 4]) for i, p in enumerate(parts))


def test_the_build_says_which_reader_it_has():
    assert _core.gzip_backend() in ("isa-l", "")


def test_many_members_across_input_refills(tmp_path: Path):
    # Small members end at every offset of the reader's input buffer, and big ones span it.
    rng = random.Random(5)
    parts = [bytes(rng.getrandbits(8) for _ in range(rng.randrange(0, 3000))) for _ in range(400)]
    parts += [b"word " * 200000, bytes(rng.getrandbits(8) for _ in range(300000))]
    data = members(parts, padding=b"\x00" * 3) + b"\x00" * 100
    path = tmp_path / "many.gz"
    path.write_bytes(data)
    with open_read(path) as fin:
        assert fin.read() == b"".join(parts)
        assert fin.raw_file.tell() == len(data)  # progress follows the compressed bytes


def test_data_after_the_last_member_is_an_error(tmp_path: Path):
    path = tmp_path / "tail.gz"
    for tail in (b"x", b"\x1f", b"\x00\x00junk", b"\x1f\x8b"):
        path.write_bytes(gzip.compress(b"hello world\n") + tail)
        with pytest.raises(CompressedFileError, match="tail.gz"), open_read(path) as fin:
            fin.read()


def test_seek_and_tell_as_gzip(tmp_path: Path):
    text = b"".join(b"line %d\n" % i for i in range(200000))
    path = tmp_path / "seek.gz"
    path.write_bytes(members([text[:500000], text[500000:]]))
    with open_read(path) as fin, gzip.open(path) as ref:
        for offset, whence in ((10, 0), (700000, 0), (-5, 1), (3, 0), (400, 1)):
            assert fin.seek(offset, whence) == ref.seek(offset, whence)
            assert fin.tell() == ref.tell()
            assert fin.read(1000) == ref.read(1000)
        assert fin.readline() == ref.readline()


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    parts=st.lists(st.binary(max_size=2000), min_size=1, max_size=5),
    padding=st.sampled_from([b"", b"\x00", b"\x00" * 9]),
    cut=st.one_of(st.none(), st.integers(1, 10**6)),
    flip=st.one_of(st.none(), st.tuples(st.integers(0, 10**6), st.integers(1, 255))),
)
def test_mutated_members_read_as_gzip_or_fail_cleanly(
    tmp_path: Path, parts: list, padding: bytes, cut, flip
):
    data = bytearray(members(parts, padding))
    if flip is not None:
        data[flip[0] % len(data)] ^= flip[1]
    if cut is not None:
        del data[max(3, cut % len(data)) :]
    path = tmp_path / "m.gz"
    path.write_bytes(bytes(data))
    try:
        with gzip.open(io.BytesIO(bytes(data))) as g:
            want = g.read()
    except (OSError, EOFError, zlib.error):
        want = None
    try:
        with open_read(path) as fin:
            got = fin.read()
    except CompressedFileError as exc:
        assert str(path) in str(exc)
        if want is not None:
            # Only corrupt data may fail where gzip reads it (a header's CRC gzip skips).
            assert "corrupt" in str(exc)
        return
    if want is not None:
        assert got == want
