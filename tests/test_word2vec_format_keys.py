"""Keys in the word2vec formats: the writers refuse any key that a reader (w2v's, gensim's,
word2vec.c's) would not read back whole, before writing anything; every other key, however
long, comes back whole in w2v and in gensim."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest

from w2v import KeyedVectors
from w2v._word2vec_format.common import MAX_KEY_BYTES

gensim_kv = pytest.importorskip("gensim.models.keyedvectors")


def kv_of(keys, dim: int = 3) -> KeyedVectors:
    kv = KeyedVectors(dim)
    vectors = np.arange(len(keys) * dim, dtype=np.float32).reshape(len(keys), dim) / 7
    kv.add_vectors(list(keys), vectors)
    kv.expandos["count"] = np.arange(len(keys) + 10, 10, -1, dtype=np.int64)
    return kv


@pytest.mark.parametrize("binary", [False, True])
@pytest.mark.parametrize(
    "bad, shown",
    [
        ("a b", "' '"),
        ("a\tb", "'\\t'"),
        ("a\nb", "'\\n'"),
        ("\nab", "'\\n'"),
        ("ab\r", "'\\r'"),
        ("a\x0bb", "'\\x0b'"),
        ("a\x0cb", "'\\x0c'"),
        ("a\x00b", "'\\x00'"),
        (" ", "' '"),
        ("", "is empty"),
    ],
)
def test_keys_the_format_cannot_hold_are_refused(
    tmp_path: Path, binary: bool, bad: str, shown: str
) -> None:
    kv = kv_of(["fine", "also", bad])
    target = tmp_path / "v.bin"
    vocab = tmp_path / "vocab.txt"
    with pytest.raises(ValueError, match="row 2") as raised:
        kv.save_word2vec_format(target, fvocab=vocab, binary=binary)
    assert repr(bad) in str(raised.value) and shown in str(raised.value)
    assert not target.exists() and not vocab.exists()  # refused before anything is written
    buf = io.BytesIO()
    with pytest.raises(ValueError, match="word2vec format"):
        kv.save_word2vec_format(buf, binary=binary)
    assert buf.getvalue() == b""


def test_prefix_is_part_of_the_key(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="'p q' .row 0"):
        kv_of(["q"]).save_word2vec_format(tmp_path / "v.txt", prefix="p ")
    with pytest.raises(ValueError, match="is empty"):
        kv_of([""]).save_word2vec_format(tmp_path / "v.txt")
    kv_of([""]).save_word2vec_format(tmp_path / "v.txt", prefix="p_")
    assert KeyedVectors.load_word2vec_format(tmp_path / "v.txt").index_to_key == ["p_"]


def read_both(path: Path, binary: bool):
    ours = KeyedVectors.load_word2vec_format(path, binary=binary)
    theirs = gensim_kv.KeyedVectors.load_word2vec_format(path, binary=binary)
    return ours, theirs


@pytest.mark.parametrize("binary", [False, True])
def test_long_and_unusual_keys_come_back_whole(tmp_path: Path, binary: bool) -> None:
    keys = [
        "k" * 10_000,  # 10,000 bytes
        "é" * 5_000,  # 10,000 bytes, 5,000 characters
        "nbsp\u00a0inside",  # Unicode spaces are not the format's separators
        "line\u2028sep",
        "next\x85line",
        "\x01ctrl\x7f",
        "x",
    ]
    kv = kv_of(keys)
    path = tmp_path / ("v.bin" if binary else "v.txt")
    kv.save_word2vec_format(path, binary=binary)
    ours, theirs = read_both(path, binary)
    assert ours.index_to_key == keys and theirs.index_to_key == keys
    np.testing.assert_array_equal(ours.vectors, kv.vectors)
    np.testing.assert_array_equal(theirs.vectors, kv.vectors)


def test_key_of_the_largest_size_round_trips_and_a_larger_one_is_refused(tmp_path: Path) -> None:
    longest = "é" * (MAX_KEY_BYTES // 2)  # exactly MAX_KEY_BYTES in UTF-8
    kv = kv_of([longest, "b"], dim=2)
    for binary in (False, True):
        path = tmp_path / f"v{binary}"
        kv.save_word2vec_format(path, binary=binary)
        ours, theirs = read_both(path, binary)
        assert ours.index_to_key == [longest, "b"] == theirs.index_to_key
        np.testing.assert_array_equal(ours.vectors, kv.vectors)
    with pytest.raises(ValueError, match=f"at most {MAX_KEY_BYTES} bytes.*is longer"):
        kv_of(["a", longest + "x"]).save_word2vec_format(tmp_path / "big.bin", binary=True)
    assert not (tmp_path / "big.bin").exists()


def test_vocab_file_keys_are_checked_too(tmp_path: Path) -> None:
    from w2v.word2vec_format import write_vocab_file

    with pytest.raises(ValueError, match="'a b'"):
        write_vocab_file(tmp_path / "vocab.txt", ["a b"], [3])
    assert not (tmp_path / "vocab.txt").exists()
    write_vocab_file(tmp_path / "vocab.txt", ["a", 7], [3, 2], prefix="p")
    assert (tmp_path / "vocab.txt").read_text() == "pa 3\np7 2\n"
