"""Coverage-guided fuzzing of w2v's native entry points with atheris, under AddressSanitizer.

Each target takes arbitrary bytes and checks that w2v either gives the right answer or raises
one of its documented errors (``docs/security.md``); anything else (another exception, an
AddressSanitizer or UBSan report, a crash) is a finding, and libFuzzer saves the input as
``crash-*`` in the working directory. atheris guides the search by the coverage of the Python
and C++ code it runs; the C++ core is checked by AddressSanitizer and UBSan.

Targets:

``tokens``
    The tokeniser and vocabulary counter (``_core.VocabCounter``) on any bytes, fed as text
    pieces and as a file read by two threads in byte ranges; the words and counts must equal
    Python's ``bytes.decode("utf-8", "replace").split()``.
``w2vtext``
    The word2vec text-row parser (``_core.parse_word2vec_text``) on any bytes and bounds, and
    the word2vec text and binary loaders (``load_word2vec_format``).
``archive``
    The archive loader (``KeyedVectors.load``, ``Word2Vec.load``, with and without mmap),
    starting from small valid archives.
``compressed``
    gzip, bzip2 and xz corpora (mutations of valid ones) through ``LineSentence`` and the
    vocabulary scan: the right words, or ``CompressedFileError``.

Run it against the AddressSanitizer build (``pip install atheris`` first; atheris is not a
dependency of w2v)::

    W2V_FUZZ=1 ASAN_OPTIONS=detect_leaks=0:verify_asan_link_order=0:allocator_may_return_null=1 \\
        scripts/sanitized-python.sh scripts/fuzz_native.py tokens -max_total_time=900 \\
        -max_len=16384 build/fuzz/tokens

``W2V_FUZZ=1`` builds the extension with clang and libFuzzer's coverage counters, so the
search is guided by the C++ code's coverage too (see ``scripts/sanitized-python.sh``; without
it, gcc's build is used and only the Python code guides the search).
``allocator_may_return_null=1`` makes an oversized allocation a ``MemoryError`` (a finding the
target reports) rather than an ASan abort.

The last argument is the corpus directory (created, seeded and grown by the run); the others
are libFuzzer options (``-help=1`` lists them; ``-runs=N``, ``-max_len=N``, ``-jobs=N``). To
run several targets side by side give each its own copy of the package:
``W2V_ASAN_PKG=build/asan-pkg-tokens scripts/sanitized-python.sh ...``. Replay a finding with
``scripts/sanitized-python.sh scripts/fuzz_native.py TARGET crash-<hash>``. With
``W2V_FUZZ_FINDINGS=FILE`` a Python failure is appended to FILE (once per kind, with its input
in hex) and the run goes on.
"""

from __future__ import annotations

import bz2
import gzip
import io
import logging
import lzma
import os
import sys
import tempfile
import traceback
from collections import Counter
from pathlib import Path
from typing import Callable, Dict, List

import atheris
import numpy as np

with atheris.instrument_imports():
    import w2v
    from w2v import _core
    from w2v.compression import sniff
    from w2v.errors import MalformedFileError
    from w2v.word2vec_format import TruncatedWord2VecFileError, Word2VecFormatError

logging.disable(logging.CRITICAL)
SCRATCH = tempfile.mkdtemp(
    prefix="w2v-fuzz-", dir="/dev/shm" if os.path.isdir("/dev/shm") else None
)
MODES = (_core.SplitMode.lines, _core.SplitMode.stream)


# ---- the reference tokeniser ------------------------------------------------------------------


def reference_words(data: bytes, mode: _core.SplitMode, max_len: int) -> Counter:
    """What the C++ tokeniser must count: Python's split, sentences cut at ``max_len``."""
    words: Counter = Counter()
    if mode == _core.SplitMode.lines:
        for line in data.split(b"\n"):
            words.update(line.decode("utf-8", "replace").split())
    else:
        words.update(data.decode("utf-8", "replace").split())
    return words


def counted(vc: _core.VocabCounter) -> Counter:
    return Counter(dict(zip(vc.words(), (int(c) for c in vc.counts()))))


def run_counter(feed: Callable[[_core.VocabCounter], None], max_len: int, workers: int) -> Counter:
    vc = _core.VocabCounter(0, max_len, workers)
    feed(vc)
    vc.end_input()
    while not vc.wait(0.05):
        pass
    vc.finish()
    return counted(vc)


# ---- targets ----------------------------------------------------------------------------------


def target_tokens(data: bytes) -> None:
    fdp = atheris.FuzzedDataProvider(data)
    mode = MODES[fdp.ConsumeIntInRange(0, 1)]
    max_len = fdp.ConsumeIntInRange(1, 64)
    text = fdp.ConsumeBytes(fdp.remaining_bytes())
    want = reference_words(text, mode, max_len)
    # Text pieces must end where the tokeniser may cut: at a newline or at the end.
    piece = text if text.endswith(b"\n") or mode == _core.SplitMode.stream else text + b"\n"
    got = run_counter(lambda vc: vc.feed_text(piece, mode), max_len, 1)
    assert got == want, ("feed_text", got, want)
    path = os.path.join(SCRATCH, "tokens.txt")
    with open(path, "wb") as f:
        f.write(text)
    got = run_counter(lambda vc: vc.feed_files([path], [len(text)], mode), max_len, 2)
    assert got == want, ("feed_files", got, want)


def target_w2vtext(data: bytes) -> None:
    fdp = atheris.FuzzedDataProvider(data)
    which = fdp.ConsumeIntInRange(0, 2)
    if which == 0:
        rows = fdp.ConsumeIntInRange(0, 8)
        dim = fdp.ConsumeIntInRange(0, 8)
        dtype = np.float32 if fdp.ConsumeBool() else np.float64
        at_end = fdp.ConsumeBool()
        stop_at_blank = fdp.ConsumeBool()
        threads = fdp.ConsumeIntInRange(1, 3)
        text = fdp.ConsumeBytes(fdp.remaining_bytes())
        start = min(len(text), int.from_bytes(text[:1] or b"\0", "little") % 8)
        out = np.zeros((rows, dim), dtype=dtype)
        res = _core.parse_word2vec_text(text, start, len(text), at_end, out, stop_at_blank, threads)
        assert 0 <= res.rows <= rows and start + res.consumed <= len(text) + 1, (res.rows,)
        return
    binary = which == 2
    text = fdp.ConsumeBytes(fdp.remaining_bytes())
    try:
        w2v.KeyedVectors.load_word2vec_format(io.BytesIO(text), binary=binary)
    except (Word2VecFormatError, TruncatedWord2VecFileError, MalformedFileError):
        pass
    except UnicodeDecodeError:
        pass  # keys are decoded strictly unless unicode_errors says otherwise (documented)


def target_archive(data: bytes) -> None:
    path = os.path.join(SCRATCH, "archive.w2v")
    with open(path, "wb") as f:
        f.write(data)
    for load in (
        w2v.KeyedVectors.load,
        w2v.Word2Vec.load,
        lambda p: w2v.KeyedVectors.load(p, mmap="r"),
        w2v.load,  # also reads word2vec files: their errors are documented too
    ):
        try:
            obj = load(path)
        except (MalformedFileError, Word2VecFormatError):
            continue
        kv = obj.wv if isinstance(obj, w2v.Word2Vec) else obj
        assert kv.vectors.shape == (len(kv.index_to_key), kv.vector_size)


_COMPRESSORS = (gzip.compress, bz2.compress, lzma.compress)
_DECOMPRESS = {"gzip": gzip.decompress, "bzip2": bz2.decompress, "xz": lzma.decompress}


def target_compressed(data: bytes) -> None:
    path = os.path.join(SCRATCH, "corpus.gz")
    with open(path, "wb") as f:
        f.write(data)
    codec = sniff(data)
    try:
        want = data if codec is None else _DECOMPRESS[codec.name](data)
    except Exception:
        want = None  # the reference cannot read it either
    try:
        words = Counter(w for s in w2v.LineSentence(path) for w in s)
        if not words:
            return
        model = w2v.Word2Vec(min_count=1, workers=1)
        model.build_vocab(corpus_file=path)
    except MalformedFileError:
        return
    if want is not None:
        assert words == reference_words(want, MODES[0], 10000), "LineSentence"
    assert words == Counter({w: int(model.wv.get_vecattr(w, "count")) for w in words}), "scan"


TARGETS: Dict[str, Callable[[bytes], None]] = {
    "tokens": target_tokens,
    "w2vtext": target_w2vtext,
    "archive": target_archive,
    "compressed": target_compressed,
}


def keep_going(target: Callable[[bytes], None], log: str) -> Callable[[bytes], None]:
    """``target`` recording each new kind of Python failure in ``log`` (with its input)
    instead of stopping the run; sanitizer reports and crashes still stop it."""
    seen = set()

    def run(data: bytes) -> None:
        try:
            target(data)
        except Exception as exc:
            frame = traceback.extract_tb(exc.__traceback__)[-1]
            kind = (type(exc).__name__, f"{frame.filename}:{frame.lineno}")
            if kind not in seen:
                seen.add(kind)
                with open(log, "a", encoding="utf-8") as f:
                    f.write(f"{kind[0]} at {kind[1]}: {str(exc)[:300]!r}\n  input: {data.hex()}\n")

    return run


# ---- seeds ------------------------------------------------------------------------------------


def seeds(target: str) -> List[bytes]:
    """Valid inputs to start a new corpus from."""
    text = "the quick brown fox\njumps over\tthe lazy dog\r\nnaïve café\n".encode()
    if target == "tokens":
        return [b"\x00\x05" + text, b"\x01\x02" + text + b"\xff\xfe\xe2\x82 x\x00y"]
    if target == "compressed":
        return [c(text * 20) for c in _COMPRESSORS]
    kv = w2v.KeyedVectors(4)
    kv.add_vectors(["a", "b", "c"], np.arange(12, dtype=np.float32).reshape(3, 4))
    if target == "w2vtext":
        out = []
        for binary in (False, True):
            buf = io.BytesIO()
            kv.save_word2vec_format(buf, binary=binary)
            out.append(bytes([2 if binary else 1]) + buf.getvalue())
        out.append(b"\x00\x03\x04" + out[0][1:])
        return out
    paths = [os.path.join(SCRATCH, "seed.kv"), os.path.join(SCRATCH, "seed.w2v")]
    kv.save(paths[0])
    model = w2v.Word2Vec([["a", "b", "c", "a"]] * 5, vector_size=4, min_count=1, epochs=1, hs=1)
    model.save(paths[1])
    return [Path(p).read_bytes() for p in paths]


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] not in TARGETS:
        sys.exit(f"usage: {sys.argv[0]} {{{','.join(TARGETS)}}} [libFuzzer options] [corpus]")
    target = sys.argv.pop(1)
    for arg in sys.argv[1:]:
        if not arg.startswith("-") and not os.path.exists(arg):
            os.makedirs(arg)
        if not arg.startswith("-") and os.path.isdir(arg) and not os.listdir(arg):
            for i, seed in enumerate(seeds(target)):
                Path(arg, f"seed-{i}").write_bytes(seed)
    log = os.environ.get("W2V_FUZZ_FINDINGS")
    atheris.Setup(sys.argv, keep_going(TARGETS[target], log) if log else TARGETS[target])
    atheris.Fuzz()


if __name__ == "__main__":
    main()
