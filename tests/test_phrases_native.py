"""The C++ side of phrases: file counting on all threads (with the exact sequential recount
when pruning is due), transform_file, and the pickle-free phrases file."""

from __future__ import annotations

import gzip
import io
import zipfile
from pathlib import Path
from typing import List

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import w2v

N_LINES = 2000


@pytest.fixture(scope="module")
def lines() -> List[str]:
    with gzip.open(w2v.datasets.demo_path(), "rt", encoding="utf-8") as f:
        return [next(f).rstrip("\n") for _ in range(N_LINES)]


@pytest.fixture(scope="module")
def corpus(lines: List[str], tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("phrases_native") / "novels.txt"
    # Extra spaces, a long line and invalid UTF-8 exercise the tokeniser like the scan's.
    text = "\n".join(lines) + "\n  new   york \xff city\n" + " ".join(["a", "b"] * 6000) + "\n"
    path.write_bytes(text.encode("utf-8", "surrogateescape").replace(b"\xc3\xbf", b"\xff"))
    return str(path)


@pytest.fixture(scope="module")
def model(corpus: str) -> w2v.Phrases:
    return w2v.Phrases(corpus_file=corpus, min_count=3, threshold=5.0, workers=2)


def counts(m: w2v.Phrases) -> dict:
    return dict(m.vocab.items())


@pytest.mark.parametrize("max_vocab_size", [40000000, 3000])
def test_threads_count_as_one_sequential_pass(corpus: str, max_vocab_size: int):
    kw = dict(min_count=2, threshold=3.0, max_vocab_size=max_vocab_size)
    one = w2v.Phrases(corpus_file=corpus, workers=1, **kw)
    iterable = w2v.Phrases(list(w2v.LineSentence(corpus)), **kw)
    assert counts(one) == counts(iterable)
    assert one.min_reduce == iterable.min_reduce
    for workers in (2, 3):
        counter = w2v.Phrases(
            min_count=2, threshold=3.0, max_vocab_size=max_vocab_size, workers=workers
        ).learn_counter(corpus_file=corpus)
        many = w2v.Phrases(corpus_file=corpus, workers=workers, **kw)
        assert counts(many) == counts(one)
        assert many.corpus_word_count == one.corpus_word_count
        assert many.export_phrases() == one.export_phrases()
        # Pruning is due only with the small limit: then the files are counted again.
        assert counter.sequential_recount == (max_vocab_size == 3000)


def test_compressed_and_stream_input(corpus: str, tmp_path: Path, model: w2v.Phrases):
    gz = tmp_path / "novels.txt.gz"
    gz.write_bytes(gzip.compress(Path(corpus).read_bytes()))
    other = w2v.Phrases(corpus_file=str(gz), min_count=3, threshold=5.0)
    assert counts(other) == counts(model)
    stream = w2v.Phrases(w2v.Text8Corpus(corpus), min_count=3, threshold=5.0, workers=2)
    assert counts(stream) == counts(
        w2v.Phrases(list(w2v.Text8Corpus(corpus)), min_count=3, threshold=5.0)
    )


def test_transform_file_equals_applying_in_python(corpus: str, tmp_path: Path, model):
    frozen = model.freeze()
    expected = "".join(" ".join(s) + "\n" for s in frozen[w2v.LineSentence(corpus)])
    assert "_" in expected
    for workers in (1, 2):
        out = tmp_path / f"phrased{workers}.txt"
        sentences, words = frozen.transform_file(corpus, out, workers=workers)
        assert out.read_text(encoding="utf-8") == expected
        assert sentences == expected.count("\n")
        assert words == len(expected.split())
    gz = tmp_path / "novels.txt.gz"
    gz.write_bytes(gzip.compress(Path(corpus).read_bytes()))
    frozen.transform_file(w2v.LineSentence(str(gz)), tmp_path / "from_gz.txt")
    assert (tmp_path / "from_gz.txt").read_text(encoding="utf-8") == expected
    with pytest.raises(ValueError, match="target must differ"):
        frozen.transform_file(corpus, corpus)


def test_save_load_round_trip(tmp_path: Path, model: w2v.Phrases, corpus: str):
    model.save(tmp_path / "p.phr")
    back = w2v.Phrases.load(tmp_path / "p.phr")
    assert counts(back) == counts(model)
    assert (back.min_reduce, back.corpus_word_count) == (model.min_reduce, model.corpus_word_count)
    assert back.export_phrases() == model.export_phrases()
    frozen = model.freeze()
    frozen.save(tmp_path / "f.phr")
    fback = w2v.FrozenPhrases.load(tmp_path / "f.phr")
    assert fback.phrasegrams == frozen.phrasegrams
    sents = list(w2v.LineSentence(corpus))[:300]
    assert list(fback[sents]) == list(frozen[sents])
    with pytest.raises(ValueError, match="holds a FrozenPhrases, not a Phrases"):
        w2v.Phrases.load(tmp_path / "f.phr")


def test_phrases_archives_pass_the_archive_schema_and_are_told_apart(tmp_path: Path):
    from w2v.errors import ArchiveError, ArchiveKindError

    data = [["new", "york", "city"], ["new", "york"]] * 5
    model = w2v.Phrases(data, min_count=1, threshold=0.1)
    model.save(tmp_path / "p.phr")
    model.freeze().save(tmp_path / "f.phr")
    for name, kind in (("p.phr", "Phrases"), ("f.phr", "FrozenPhrases")):
        for load in (w2v.Word2Vec.load, w2v.KeyedVectors.load, w2v.load):
            with pytest.raises(ArchiveKindError, match=f"holds {kind}.*w2v.{kind}.load"):
                load(tmp_path / name)
    # meta.json goes through the one schema: a wrong field is named.
    with zipfile.ZipFile(tmp_path / "p.phr") as zf:
        members = {i.filename: zf.read(i) for i in zf.infolist()}
    members["meta.json"] = members["meta.json"].replace(b'"delimiter": "_"', b'"delimiter": 5')
    with zipfile.ZipFile(tmp_path / "bad.phr", "w") as zf:
        for member, data_ in members.items():
            zf.writestr(member, data_)
    with pytest.raises(ArchiveError, match="params.delimiter must be a string"):
        w2v.Phrases.load(tmp_path / "bad.phr")


def test_custom_scorer_must_be_given_back(tmp_path: Path):
    def scorer(worda_count, wordb_count, bigram_count, len_vocab, min_count, corpus_word_count):
        return bigram_count / (worda_count + wordb_count)

    data = [["new", "york", "city"], ["new", "york"]] * 5
    m = w2v.Phrases(data, min_count=1, threshold=0.1, scoring=scorer)
    m.save(tmp_path / "c.phr")
    with pytest.raises(ValueError, match="pass it again"):
        w2v.Phrases.load(tmp_path / "c.phr")
    assert w2v.Phrases.load(tmp_path / "c.phr", scoring=scorer).export_phrases() == (
        m.export_phrases()
    )
    m.freeze().save(tmp_path / "cf.phr")
    assert w2v.FrozenPhrases.load(tmp_path / "cf.phr")[["new", "york"]] == ["new_york"]


def test_corrupt_files_name_the_file(tmp_path: Path, model: w2v.Phrases):
    bad = tmp_path / "bad.phr"
    bad.write_bytes(b"not a zip at all")
    with pytest.raises(ValueError, match="bad.phr"):
        w2v.Phrases.load(bad)
    model.save(tmp_path / "good.phr")
    data = (tmp_path / "good.phr").read_bytes()
    (tmp_path / "cut.phr").write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="cut.phr"):
        w2v.Phrases.load(tmp_path / "cut.phr")


def _archive(meta: bytes, members: dict) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("meta.json", meta)
        for name, arr in members.items():
            b = io.BytesIO()
            np.save(b, arr, allow_pickle=False)
            zf.writestr(f"{name}.npy", b.getvalue())
    return buf.getvalue()


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    meta=st.one_of(
        st.binary(max_size=40),
        st.fixed_dictionaries(
            {
                "format": st.just("w2v"),
                "kind": st.sampled_from(["Phrases", "FrozenPhrases", "Word2Vec", 3]),
                "params": st.one_of(
                    st.none(),
                    st.fixed_dictionaries(
                        {
                            "min_count": st.one_of(st.integers(-2, 5), st.text(max_size=2)),
                            "threshold": st.floats(allow_nan=True),
                            "delimiter": st.text(max_size=2),
                            "scoring": st.sampled_from(["default", "npmi", "custom:x", None]),
                            "connector_words": st.lists(st.text(max_size=3), max_size=3),
                        }
                    ),
                ),
            }
        ),
    ),
    blob=st.binary(max_size=20),
    ends=st.lists(st.integers(-3, 25), max_size=5),
    values=st.lists(st.integers(-2, 9), max_size=5),
)
def test_fuzzed_files_fail_cleanly(tmp_path: Path, meta, blob, ends, values):
    import json

    raw = meta if isinstance(meta, bytes) else json.dumps(meta).encode()
    path = tmp_path / "fuzz.phr"
    path.write_bytes(
        _archive(
            raw,
            {
                "keys_utf8": np.frombuffer(blob, dtype=np.uint8),
                "key_ends": np.array(ends, dtype=np.int64),
                "counts": np.array(values, dtype=np.int64),
                "scores": np.array(values, dtype=np.float64),
            },
        )
    )
    try:
        loaded = w2v.Phrases.load(path) if values else w2v.FrozenPhrases.load(path)
    except ValueError as e:
        assert "fuzz.phr" in str(e)
        return
    assert isinstance(loaded, (w2v.Phrases, w2v.FrozenPhrases))


def ordered(m: w2v.Phrases) -> list:
    return list(m.vocab.items())  # keys in first-seen order, as gensim's dict


@pytest.mark.parametrize(
    "case",
    [
        dict(),
        dict(max_vocab_size=3000),  # pruning due: the pieces are counted again, in one pass
        dict(connector_words=w2v.ENGLISH_CONNECTOR_WORDS),
        dict(connector_words=w2v.ENGLISH_CONNECTOR_WORDS, max_vocab_size=5000),
        dict(delimiter="-"),  # "new-york" may be a word and a phrase: counted by text
    ],
)
def test_compressed_input_counts_as_one_pass_with_any_workers(
    corpus: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, case: dict
):
    data = Path(corpus).read_bytes()
    if case.get("delimiter") == "-":
        data = data.replace(b" york ", b" new-york ")
    plain = tmp_path / "novels.txt"
    plain.write_bytes(data)
    gz = tmp_path / "novels.txt.gz"
    gz.write_bytes(gzip.compress(data))
    # Small pieces, so every thread takes many, in whatever order they come.
    monkeypatch.setattr("w2v.sources._CHUNK", 16384)
    kw = dict(min_count=2, threshold=3.0, **case)
    iterable = w2v.Phrases(list(w2v.LineSentence(str(plain))), **kw)
    pruned = w2v.Phrases(**kw).learn_counter(list(w2v.LineSentence(str(plain)))).min_reduce > 1
    seen = set()
    for workers in (1, 2, 3):
        counter = w2v.Phrases(workers=workers, **kw).learn_counter(corpus_file=str(gz))
        for m in (
            w2v.Phrases(corpus_file=str(gz), workers=workers, **kw),
            w2v.Phrases(w2v.LineSentence(str(gz)), workers=workers, **kw),
            w2v.Phrases(corpus_file=str(plain), workers=workers, **kw),
        ):
            assert ordered(m) == ordered(iterable)
            assert m.min_reduce == iterable.min_reduce
            assert m.corpus_word_count == iterable.corpus_word_count
            assert m.export_phrases() == iterable.export_phrases()
        seen.add(counter.parallel_text)
    # Counted by all threads from the start unless pruning was due or words hold the delimiter.
    assert seen == {not pruned and "delimiter" not in case}
    assert pruned == ("max_vocab_size" in case)


def test_second_pass_is_asked_for_when_pruning_is_due(corpus: str, tmp_path: Path):
    gz = tmp_path / "novels.txt.gz"
    gz.write_bytes(gzip.compress(Path(corpus).read_bytes()))
    for limit, again in ((40000000, False), (3000, True)):
        counter = w2v.Phrases(max_vocab_size=limit, workers=2)._new_counter()
        w2v.sources.resolve_corpus(None, str(gz)).feed(counter)
        assert counter.needs_second_pass == again
        assert (len(counter) > 0) != again  # counts that cannot stand are not kept


def test_unseekable_file_objects_are_counted_in_one_pass(corpus: str):
    class Pipe:  # read once, front to back
        def __init__(self, data: bytes) -> None:
            self._f = io.BytesIO(data)

        def read(self, n: int = -1) -> bytes:
            return self._f.read(n)

    kw = dict(min_count=2, threshold=3.0, max_vocab_size=3000)
    data = Path(corpus).read_bytes()
    piped = w2v.Phrases(w2v.LineSentence(Pipe(data)), workers=2, **kw)
    assert ordered(piped) == ordered(w2v.Phrases(corpus_file=corpus, workers=1, **kw))


def test_plain_files_with_delimiter_words_count_by_text(corpus: str, tmp_path: Path):
    path = tmp_path / "phrased.txt"
    path.write_bytes(Path(corpus).read_bytes().replace(b" the ", b" of_the "))
    kw = dict(min_count=2, threshold=3.0)
    one = w2v.Phrases(list(w2v.LineSentence(str(path))), **kw)
    for workers in (1, 2):
        assert ordered(w2v.Phrases(corpus_file=str(path), workers=workers, **kw)) == ordered(one)


def test_transform_file_in_order_across_pieces_blocks_and_codecs(tmp_path: Path):
    # Over 8 MiB: several pieces of the plain file, and gzip input in 1 MiB text pieces, more
    # than may wait to be written. A candidate and a connector word are held across the end
    # of the file reader's first 4 MiB block (and the next block overwrites its buffer).
    frozen = w2v.Phrases(
        [["new", "york"], ["bank", "of", "england"], ["a", "b"]] * 20,
        min_count=1,
        threshold=0.1,
        connector_words=w2v.ENGLISH_CONNECTOR_WORDS,
    ).freeze()
    assert {"new_york", "bank_of_england"} <= set(frozen.phrasegrams)
    unit = "the new york bank of england x\nnew new york of york\n  bank of the england\n"
    n = ((4 << 20) - 100) // len(unit)
    head = unit * n
    block_end = "zz " + "z" * ((4 << 20) - len(head) - len("zz  bank of ")) + " bank of "
    special = block_end + "england new york\n"
    assert len(head + block_end) == 4 << 20
    text = head + special + unit * (n + 2)
    src = tmp_path / "big.txt"
    src.write_text(text, encoding="utf-8")

    def phrased(s: str) -> str:
        return "".join(" ".join(t) + "\n" for t in frozen[[x.split() for x in s.splitlines()]])

    assert "bank_of_england new_york" in phrased(special)
    expected = phrased(unit) * n + phrased(special) + phrased(unit) * (n + 2)
    counts = (expected.count("\n"), len(phrased(unit).split()) * (2 * n + 2) + 4)
    out = tmp_path / "out.txt"
    for workers in (1, 2):
        assert frozen.transform_file(src, out, workers=workers) == counts
        assert out.read_text(encoding="utf-8") == expected
    gz = tmp_path / "big.txt.gz"
    gz.write_bytes(gzip.compress(text.encode(), compresslevel=1))
    for workers in (1, 2):
        assert frozen.transform_file(gz, out, workers=workers) == counts
        assert out.read_text(encoding="utf-8") == expected
    # A truncated file stops the threads and names the file, whatever was written.
    gz.write_bytes(gz.read_bytes()[:-10000])
    with pytest.raises(w2v.errors.CompressedFileError, match="big.txt.gz"):
        frozen.transform_file(gz, out, workers=1)


def test_transform_file_stream_mode_holds_words_across_text_pieces(tmp_path: Path):
    # Text8Corpus input in several 1 MiB pieces: sentences (of max_sentence_length words)
    # and candidates run on from one piece into the next.
    frozen = w2v.Phrases(
        [["new", "york"], ["bank", "of", "england"]] * 20,
        min_count=1,
        threshold=0.1,
        connector_words=w2v.ENGLISH_CONNECTOR_WORDS,
    ).freeze()
    unit = "new york bank of england of new\nyork bank of of england x "
    words = unit.split()
    k = 7  # units per sentence
    m = (3 << 20) // (len(unit) * k) + 1
    gz = tmp_path / "stream.txt.gz"
    gz.write_bytes(gzip.compress((unit * (k * m)).encode(), compresslevel=1))
    sentence = " ".join(frozen[words * k]) + "\n"
    out = tmp_path / "out.txt"
    assert frozen.transform_file(w2v.Text8Corpus(gz, max_sentence_length=len(words) * k), out) == (
        m,
        len(sentence.split()) * m,
    )
    assert out.read_text(encoding="utf-8") == sentence * m
