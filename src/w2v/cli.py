"""The ``w2v`` command: train, query, evaluate, convert, plot and export word vectors.

Run ``w2v --help`` (or ``python -m w2v --help``) for the commands and ``w2v COMMAND --help``
for their options; ``docs/cli.md`` has a tour. Exit status: 0 on success, 1 when a command
fails (missing file, unknown word, unreadable model, ...), 2 for a usage error. Errors are one
line on stderr; ``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import argparse
import bz2
import contextlib
import gzip
import inspect
import json
import logging
import lzma
import math
import os
import shutil
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass
from typing import IO, Any, Callable, Dict, Iterator, List, Optional, Sequence, Tuple

PROG = "w2v"
FORMATS = ("w2v", "word2vec-text", "word2vec-binary")
MODEL_FORMATS = ("auto",) + FORMATS
DEMO_WORDS = ("holmes", "whale", "king", "london", "night")
_LOG_FORMAT = "%(asctime)s : %(levelname)s : %(message)s"


class CommandError(Exception):
    """A command failed: reported as one line on stderr, exit status 1."""


class UsageError(Exception):
    """The command line is wrong: reported with the usage line, exit status 2."""


# ---- small helpers ----------------------------------------------------------------------


def _cpu_count() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))  # type: ignore[attr-defined]
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def _defaults() -> Dict[str, Any]:
    """Word2Vec's own defaults (gensim's), so the options can never drift from them."""
    from w2v.model import Word2Vec

    sig = inspect.signature(Word2Vec.__init__)
    return {k: p.default for k, p in sig.parameters.items() if p.default is not p.empty}


def _zero_one(text: str) -> int:
    if text in ("0", "1"):
        return int(text)
    raise argparse.ArgumentTypeError(f"expected 0 or 1, got {text!r}")


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def _nonnegative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer >= 0, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected an integer >= 0, got {text!r}")
    return value


def _pixels(text: str) -> Tuple[int, int]:
    try:
        w, h = (int(x) for x in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected WIDTHxHEIGHT in pixels (e.g. 1000x800), got {text!r}"
        ) from None
    if w < 50 or h < 50 or w > 20000 or h > 20000:
        raise argparse.ArgumentTypeError(f"width and height must be 50..20000 pixels, got {text!r}")
    return w, h


def _one_line(exc: BaseException) -> str:
    """A readable one-line message for an exception."""
    if isinstance(exc, (CommandError, UsageError)):
        msg = str(exc)
    elif isinstance(exc, OSError) and exc.strerror and exc.filename is not None:
        msg = f"{exc.strerror}: {exc.filename!r}"
    elif isinstance(exc, KeyError) and len(exc.args) == 1 and isinstance(exc.args[0], str):
        msg = exc.args[0]
    else:
        msg = str(exc)
        known = (OSError, ValueError, TypeError, KeyError, RuntimeError, ImportError, EOFError)
        if not isinstance(exc, known) or not msg:
            msg = f"{type(exc).__name__}: {msg}" if msg else type(exc).__name__
    return " ".join(msg.split())


def _print_json(obj: Any) -> None:
    print(json.dumps(_json_safe(obj), indent=2, ensure_ascii=False))


def _json_safe(x: Any) -> Any:
    """NaN and infinities become null, so the output is strict JSON."""
    if isinstance(x, dict):
        return {str(k): _json_safe(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_json_safe(v) for v in x]
    if isinstance(x, float):
        return x if math.isfinite(x) else None
    if hasattr(x, "item") and callable(x.item):  # numpy scalars
        return _json_safe(x.item())
    return x


def _human_bytes(n: float) -> str:
    for unit in ("B", "kB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000.0
    return f"{n:.1f} GB"


def _fmt_loss(x: float) -> str:
    return f"{x:,.0f}" if abs(x) >= 1000 else f"{x:.4g}"


def _check_output_path(path: str) -> None:
    """Fail before a long computation if the output cannot be written."""
    parent = os.path.dirname(os.path.abspath(path))
    if os.path.isdir(path):
        raise CommandError(f"output {path!r} is a directory")
    if not os.path.isdir(parent):
        raise CommandError(f"cannot write {path!r}: no such directory {parent!r}")
    if not os.access(parent, os.W_OK):
        raise CommandError(f"cannot write {path!r}: directory {parent!r} is not writable")


def _format_for_output(path: str, explicit: Optional[str]) -> str:
    """The output format: explicit, else from the extension (.txt/.vec text, .bin binary)."""
    if explicit:
        return explicit
    name = path.lower()
    for ext in (".gz", ".bz2", ".xz"):
        if name.endswith(ext):
            name = name[: -len(ext)]
    if name.endswith((".txt", ".vec")):
        return "word2vec-text"
    if name.endswith(".bin"):
        return "word2vec-binary"
    return "w2v"


# ---- reading models -----------------------------------------------------------------------


_COMPRESSED_MAGIC: Tuple[Tuple[bytes, Callable[..., IO[bytes]], str], ...] = (
    (b"\x1f\x8b", gzip.open, ".gz"),  # type: ignore[list-item]
    (b"BZh", bz2.open, ".bz2"),  # type: ignore[list-item]
    (b"\xfd7zXZ\x00", lzma.open, ".xz"),  # type: ignore[list-item]
)


def _compression(head: bytes) -> Optional[Tuple[Callable[..., IO[bytes]], str]]:
    for magic, opener, ext in _COMPRESSED_MAGIC:
        if head.startswith(magic):
            return opener, ext
    return None


@dataclass
class Loaded:
    """A model file as read by the CLI.

    Attributes
    ----------
    kv : KeyedVectors
        The word vectors.
    model : Word2Vec or None
        The full model, when the file is a w2v model file.
    format : str
        ``"w2v"``, ``"word2vec-text"`` or ``"word2vec-binary"``.
    kind : str
        Human description of what the file holds.
    path : str
    """

    kv: Any
    model: Any
    format: str
    kind: str
    path: str


def detect_model_format(path: str) -> str:
    """Tell which kind of model file ``path`` is.

    A w2v file (``Word2Vec.save`` or ``KeyedVectors.save``) is a zip archive. Otherwise the
    file must start with word2vec.c's header line ``COUNT DIMENSIONS``; it is text if the next
    line is a word followed by exactly DIMENSIONS decimal numbers, binary otherwise. Files
    compressed with gzip, bzip2 or xz are recognised by their content, whatever their name.

    Parameters
    ----------
    path : str

    Returns
    -------
    str
        ``"w2v"``, ``"word2vec-text"`` or ``"word2vec-binary"``.
    """
    if not os.path.exists(path):
        raise CommandError(f"no such model file: {path!r}")
    if os.path.isdir(path):
        raise CommandError(f"{path!r} is a directory, not a model file")
    with open(path, "rb") as f:
        head = f.read(8)
    if head.startswith(b"PK\x03\x04"):
        return "w2v"
    if head[:1] == b"\x80":
        raise CommandError(
            f"{path!r} is a Python pickle (e.g. a gensim .model file), which w2v never loads; "
            "export it from gensim with model.wv.save_word2vec_format(path, binary=True)"
        )
    comp = _compression(head)
    try:
        with comp[0](path, "rb") if comp else open(path, "rb") as f:
            header = f.readline(256)
            parts = header.split()
            if len(parts) != 2 or not all(p.isdigit() for p in parts):
                raise CommandError(
                    f"{path!r} is not a model file: not a w2v file, and its first line is not "
                    "word2vec's 'COUNT DIMENSIONS' header"
                )
            dim = int(parts[1])
            row = f.readline(max(1 << 20, 64 * dim))
    except (OSError, EOFError, lzma.LZMAError) as exc:
        raise CommandError(f"cannot read {path!r}: {_one_line(exc)}") from None
    if not row.strip() or _is_text_row(row, dim):
        return "word2vec-text"
    return "word2vec-binary"


def _is_text_row(row: bytes, dim: int) -> bool:
    try:
        fields = row.decode("utf-8").rstrip("\r\n ").split(" ")
        if len(fields) < dim + 1:
            return False
        [float(x) for x in fields[len(fields) - dim :]]
    except (UnicodeDecodeError, ValueError):
        return False
    return True


def load_model(
    path: str, model_format: str = "auto", full: bool = False, limit: Optional[int] = None
) -> Loaded:
    """Read word vectors from any file the CLI accepts.

    Parameters
    ----------
    path : str
        A w2v model file (``Word2Vec.save``), a w2v keyed-vectors file
        (``KeyedVectors.save``), or a word2vec.c text or binary file.
    model_format : {"auto", "w2v", "word2vec-text", "word2vec-binary"}
        ``"auto"`` detects the format (see :func:`detect_model_format`).
    full : bool
        For a w2v model file, also load the whole model (memory-mapped).
    limit : int, optional
        Read only the first ``limit`` vectors of a word2vec file.

    Returns
    -------
    Loaded
    """
    from w2v.keyedvectors import KeyedVectors
    from w2v.model import Word2Vec

    fmt = detect_model_format(path) if model_format == "auto" else model_format
    if model_format != "auto" and not os.path.isfile(path):
        raise CommandError(f"no such model file: {path!r}")
    try:
        if fmt == "w2v":
            kind = _archive_kind(path)
            if kind == "Word2Vec":
                model = Word2Vec.load(path, mmap="r") if full else None
                kv = model.wv if model is not None else KeyedVectors.load(path)
                return Loaded(kv, model, fmt, "w2v model (Word2Vec.save)", path)
            kv = KeyedVectors.load(path)
            return Loaded(kv, None, fmt, "w2v keyed vectors (KeyedVectors.save)", path)
        binary = fmt == "word2vec-binary"
        kv = _load_word2vec_format(path, binary, limit)
        kind = "word2vec binary" if binary else "word2vec text"
        return Loaded(kv, None, fmt, kind, path)
    except CommandError:
        raise
    except (ValueError, KeyError, OSError, EOFError, UnicodeDecodeError, zipfile.BadZipFile) as e:
        raise CommandError(f"cannot read model {path!r}: {_one_line(e)}") from e


def _archive_kind(path: str) -> str:
    try:
        with zipfile.ZipFile(path) as zf:
            meta = json.loads(zf.read("meta.json"))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise CommandError(
            f"{path!r} is a zip file but not a valid w2v model file ({_one_line(exc)})"
        ) from None
    kind = meta.get("kind") if isinstance(meta, dict) else None
    if kind not in ("Word2Vec", "KeyedVectors"):
        raise CommandError(f"{path!r} is not a w2v model file (it holds {kind!r})")
    return str(kind)


def _load_word2vec_format(path: str, binary: bool, limit: Optional[int]) -> Any:
    from w2v.keyedvectors import KeyedVectors

    loader = getattr(KeyedVectors, "load_word2vec_format", None)
    if loader is None:
        raise CommandError("this w2v build cannot read word2vec files yet")
    # The reader recognises gzip/bzip2/xz by their content, whatever the file is called.
    return loader(path, binary=binary, limit=limit)


def save_vectors(obj: Any, path: str, fmt: str) -> None:
    """Write a model or keyed vectors in ``fmt`` (see :data:`FORMATS`)."""
    if fmt == "w2v":
        obj.save(path)
        return
    kv = getattr(obj, "wv", obj)
    if not hasattr(kv, "save_word2vec_format"):
        raise CommandError("this w2v build cannot write word2vec files yet")
    kv.save_word2vec_format(path, binary=fmt == "word2vec-binary")


def _require_words(kv: Any, words: Sequence[str], path: str) -> None:
    missing = [w for w in dict.fromkeys(words) if w not in kv]
    if not missing:
        return
    hints = []
    for w in missing:
        if w.lower() != w and w.lower() in kv:
            hints.append(f"{w.lower()!r}")
    listed = ", ".join(repr(w) for w in missing)
    noun = "word" if len(missing) == 1 else "words"
    verb = "is" if len(missing) == 1 else "are"
    msg = f"{noun} {listed} {verb} not in the vocabulary of {path} ({len(kv)} words)"
    if hints:
        msg += f"; did you mean {', '.join(hints)}?"
    raise CommandError(msg)


# ---- corpora --------------------------------------------------------------------------------


def _spool_stdin(directory: str) -> str:
    """Copy standard input to a file (training reads the corpus several times)."""
    stream = sys.stdin.buffer
    if sys.stdin.isatty():
        print(f"{PROG}: reading the corpus from the terminal; end it with Ctrl-D", file=sys.stderr)
    head = stream.read(8)
    comp = _compression(head)
    path = os.path.join(directory, "stdin" + (comp[1] if comp else ".txt"))
    with open(path, "wb") as out:
        out.write(head)
        shutil.copyfileobj(stream, out, 1 << 20)
    return path


def _expand_corpus(items: Sequence[str]) -> List[str]:
    files: List[str] = []
    for item in items:
        if item == "-":
            files.append(item)
        elif os.path.isdir(item):
            found = sorted(
                os.path.join(item, name)
                for name in os.listdir(item)
                if not name.startswith(".") and os.path.isfile(os.path.join(item, name))
            )
            if not found:
                raise CommandError(f"corpus directory {item!r} holds no files")
            files.extend(found)
        elif os.path.isfile(item):
            files.append(item)
        elif os.path.exists(item):
            raise CommandError(f"corpus {item!r} is not a regular file or directory")
        else:
            raise CommandError(f"no such corpus file or directory: {item!r}")
    return files


def _corpus_files(items: Sequence[str]) -> List[str]:
    """The files of the CORPUS arguments (``-`` stays ``-``); fails early on missing ones."""
    if list(items).count("-") > 1:
        raise UsageError("'-' (standard input) can be given only once")
    return _expand_corpus(items)


@contextlib.contextmanager
def _corpus(files: Sequence[str], layout: str) -> Iterator[Dict[str, Any]]:
    """Keyword arguments for build_vocab/train reading ``files`` (``-``: standard input)."""
    files = list(files)
    with contextlib.ExitStack() as stack:
        if "-" in files:
            tmp = stack.enter_context(tempfile.TemporaryDirectory(prefix="w2v-stdin-"))
            files[files.index("-")] = _spool_stdin(tmp)
        if layout == "lines":
            yield {"corpus_file": files}
        elif len(files) == 1:
            from w2v.corpora import Text8Corpus

            yield {"corpus_iterable": Text8Corpus(files[0])}
        else:
            yield {"corpus_iterable": _stream_files(files)}


def _stream_files(files: Sequence[str]) -> Any:
    """A corpus of several text8-style files, read by the C++ reader like Text8Corpus."""
    from w2v.corpora import Text8Corpus, _FileCorpus

    class StreamFiles(_FileCorpus):
        """Several text8-style files (tokens without meaningful lines), read in order."""

        mode = "stream"

        def __init__(self, files: Sequence[str]) -> None:
            self.files = list(files)

        def native_sources(self) -> Optional[List[str]]:
            return list(self.files)

        def __iter__(self) -> Iterator[List[str]]:
            for f in self.files:
                yield from Text8Corpus(f)

    return StreamFiles(files)


def _read_noise_weights(path: str) -> Dict[str, float]:
    """A ``word weight`` per line (whitespace-separated; '#' starts a comment line)."""
    weights: Dict[str, float] = {}
    try:
        with open(path, encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                fields = line.split()
                if not fields or fields[0].startswith("#"):
                    continue
                if len(fields) != 2:
                    raise CommandError(f"{path}:{n}: expected 'WORD WEIGHT', got {line.strip()!r}")
                try:
                    weights[fields[0]] = float(fields[1])
                except ValueError:
                    raise CommandError(f"{path}:{n}: bad weight {fields[1]!r}") from None
    except FileNotFoundError:
        raise CommandError(f"no such noise-weights file: {path!r}") from None
    return weights


# ---- progress and logging -------------------------------------------------------------------


def _has_tqdm() -> bool:
    try:
        import tqdm  # noqa: F401
    except ImportError:
        return False
    return True


def _progress_mode(args: argparse.Namespace) -> str:
    """``"bar"`` (tqdm), ``"log"`` (INFO lines) or ``"none"``."""
    if args.quiet:
        return "none"
    mode = args.progress
    if mode == "auto":
        return "bar" if sys.stderr.isatty() and _has_tqdm() else "log"
    if mode == "bar" and not _has_tqdm():
        raise CommandError("progress bars need tqdm: pip install 'w2v[progress]'")
    return str(mode)


def _setup_logging(level: int) -> None:
    """Send the ``w2v`` loggers' records at ``level`` and above to stderr."""
    log = logging.getLogger("w2v")
    for h in list(log.handlers):
        if getattr(h, "_w2v_cli", False):
            log.removeHandler(h)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(_LOG_FORMAT))
    handler._w2v_cli = True  # type: ignore[attr-defined]
    log.addHandler(handler)
    log.setLevel(level)
    log.propagate = False


@contextlib.contextmanager
def _logging_for(mode: str, debug: bool) -> Iterator[None]:
    """Logging while training: INFO lines in log mode, warnings above a progress bar."""
    _setup_logging(logging.DEBUG if debug else logging.INFO if mode == "log" else logging.WARNING)
    if mode != "bar":
        yield
        return
    try:
        from tqdm.contrib.logging import logging_redirect_tqdm
    except ImportError:
        yield
        return
    with logging_redirect_tqdm(loggers=[logging.getLogger("w2v")]):
        yield


def _say(args: argparse.Namespace, message: str) -> None:
    """A status line on stderr (not with --quiet)."""
    if not getattr(args, "quiet", False):
        print(message, file=sys.stderr, flush=True)


# ---- train / demo ---------------------------------------------------------------------------


_W2V_PARAMS = (
    "vector_size",
    "alpha",
    "window",
    "min_count",
    "max_vocab_size",
    "sample",
    "seed",
    "workers",
    "min_alpha",
    "sg",
    "hs",
    "negative",
    "ns_exponent",
    "cbow_mean",
    "epochs",
    "null_word",
    "sorted_vocab",
    "batch_words",
    "compute_loss",
    "comment",
    "max_final_vocab",
    "shrink_windows",
    "shared_negatives",
)


def _new_model(params: Dict[str, Any]) -> Any:
    """An untrained Word2Vec; invalid parameters are usage errors."""
    from w2v.model import Word2Vec

    try:
        return Word2Vec(**params)
    except (ValueError, TypeError) as exc:
        raise UsageError(_one_line(exc)) from None


def _fit(model: Any, corpus: Dict[str, Any]) -> float:
    """Build the vocabulary and train, as the Word2Vec constructor does; returns seconds."""
    start = time.perf_counter()
    model.build_vocab(**corpus)
    model.train(
        **corpus,
        total_examples=model.corpus_count,
        total_words=model.corpus_total_words,
        epochs=model.epochs,
        compute_loss=model.compute_loss,
    )
    return time.perf_counter() - start


def cmd_train(args: argparse.Namespace) -> int:
    """``w2v train``: train a model on text files and save it."""
    fmt = _format_for_output(args.output, args.format)
    files = _corpus_files(args.corpus)
    _check_output_path(args.output)
    if os.path.exists(args.output):
        for f in files:
            if f != "-" and os.path.samefile(f, args.output):
                raise CommandError(f"the output {args.output!r} is a corpus file")
    mode = _progress_mode(args)
    params = {name: getattr(args, name) for name in _W2V_PARAMS}
    params["progress"] = mode == "bar"
    if args.noise_weights:
        params["noise_weights"] = _read_noise_weights(args.noise_weights)
    with _logging_for(mode, args.debug):
        model = _new_model(params)
        with _corpus(files, args.corpus_format) as corpus:
            elapsed = _fit(model, corpus)
        save_vectors(model, args.output, fmt)
    arch = "skip-gram" if model.sg else "CBOW"
    _say(
        args,
        f"{PROG}: trained {arch} on {model.corpus_total_words:,} words in {elapsed:.1f} s: "
        f"{len(model.wv):,} words x {model.vector_size} dimensions, saved to {args.output} "
        f"({fmt})",
    )
    if model.compute_loss and model.loss_history:
        losses = ", ".join(_fmt_loss(x) for x in model.loss_history)
        _say(args, f"{PROG}: loss per epoch: {losses}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    """``w2v demo``: train skip-gram on the bundled corpus and show some neighbours."""
    from w2v import datasets

    fmt = None
    if args.output:
        fmt = _format_for_output(args.output, None)
        _check_output_path(args.output)
    mode = _progress_mode(args)
    path = datasets.demo_path()
    params = {"sg": 1, "epochs": args.epochs, "workers": args.workers, "progress": mode == "bar"}
    _say(
        args,
        f"{PROG}: training skip-gram on the demo corpus (1.6 M words of 19 novels), "
        f"{args.epochs} epochs, {args.workers} workers",
    )
    with _logging_for(mode, args.debug):
        model = _new_model(params)
        elapsed = _fit(model, {"corpus_file": path})
        if args.output and fmt:
            save_vectors(model, args.output, fmt)
    _say(args, f"{PROG}: trained in {elapsed:.1f} s; {len(model.wv):,} words in the vocabulary")
    words = [w for w in (args.words or DEMO_WORDS) if w in model.wv]
    if args.words:
        _require_words(model.wv, args.words, "the demo model")
    print(f"nearest neighbours (cosine similarity) after {model.epochs} epochs:")
    width = max((len(w) for w in words), default=0)
    for w in words:
        near = model.wv.most_similar(w, topn=args.topn)
        print(f"  {w:<{width}}  " + ", ".join(f"{o} ({s:.2f})" for o, s in near))
    if args.output:
        _say(args, f"{PROG}: saved to {args.output}; try: w2v similar {args.output} {words[0]}")
    return 0


# ---- queries -------------------------------------------------------------------------------


def _neighbour_rows(pairs: Sequence[Tuple[str, float]]) -> List[Dict[str, Any]]:
    return [{"word": str(w), "similarity": float(s)} for w, s in pairs]


def _print_neighbours(title: str, pairs: Sequence[Tuple[str, float]]) -> None:
    print(title)
    width = max((len(str(w)) for w, _ in pairs), default=0)
    for w, s in pairs:
        print(f"  {str(w):<{width}}  {s:.4f}")


def cmd_similar(args: argparse.Namespace) -> int:
    """``w2v similar``: nearest neighbours of words."""
    loaded = load_model(args.model, args.model_format, limit=args.limit)
    _require_words(loaded.kv, args.words, args.model)
    results = {
        w: loaded.kv.most_similar(w, topn=args.topn, restrict_vocab=args.restrict_vocab)
        for w in args.words
    }
    if args.json:
        _print_json({w: _neighbour_rows(r) for w, r in results.items()})
        return 0
    for i, (w, r) in enumerate(results.items()):
        if i:
            print()
        _print_neighbours(w, r)
    return 0


def cmd_analogy(args: argparse.Namespace) -> int:
    """``w2v analogy``: A is to B as C is to ?"""
    loaded = load_model(args.model, args.model_format, limit=args.limit)
    a, b, c = args.a, args.b, args.c
    _require_words(loaded.kv, [a, b, c], args.model)
    if args.method == "cosmul":
        method = getattr(loaded.kv, "most_similar_cosmul", None)
        if method is None:
            raise CommandError("this w2v build has no most_similar_cosmul yet")
        result = method(positive=[b, c], negative=[a], topn=args.topn)
    else:
        result = loaded.kv.most_similar(
            positive=[b, c], negative=[a], topn=args.topn, restrict_vocab=args.restrict_vocab
        )
    if args.json:
        _print_json({"a": a, "b": b, "c": c, "results": _neighbour_rows(result)})
        return 0
    _print_neighbours(f"{a} is to {b} as {c} is to ...", result)
    return 0


def _check_input_file(path: str, what: str) -> None:
    if not os.path.exists(path):
        raise CommandError(f"no such {what} file: {path!r}")
    if os.path.isdir(path):
        raise CommandError(f"{what} file {path!r} is a directory")


def cmd_evaluate(args: argparse.Namespace) -> int:
    """``w2v evaluate``: analogy accuracy per section and word-pair correlations."""
    if not args.analogies and not args.pairs:
        raise UsageError("give --analogies FILE, --pairs FILE, or both")
    for path, what in ((args.analogies, "analogies"), (args.pairs, "word pairs")):
        if path:
            _check_input_file(path, what)
    loaded = load_model(args.model, args.model_format, limit=args.limit)
    kv = loaded.kv
    report: Dict[str, Any] = {"model": args.model}
    case_insensitive = not args.case_sensitive
    if args.analogies:
        if not hasattr(kv, "evaluate_word_analogies"):
            raise CommandError("this w2v build cannot evaluate analogies yet")
        score, sections = kv.evaluate_word_analogies(
            args.analogies,
            restrict_vocab=args.restrict_vocab,
            case_insensitive=case_insensitive,
            dummy4unknown=args.dummy4unknown,
        )
        rows = []
        for sec in sections:
            correct, incorrect = len(sec["correct"]), len(sec["incorrect"])
            total = correct + incorrect
            rows.append(
                {
                    "section": str(sec["section"]),
                    "correct": correct,
                    "total": total,
                    "accuracy": correct / total if total else None,
                }
            )
        report["analogies"] = {"file": args.analogies, "score": float(score), "sections": rows}
    if args.pairs:
        if not hasattr(kv, "evaluate_word_pairs"):
            raise CommandError("this w2v build cannot evaluate word pairs yet")
        pearson, spearman, oov = kv.evaluate_word_pairs(
            args.pairs,
            delimiter=args.delimiter,
            restrict_vocab=args.restrict_vocab,
            case_insensitive=case_insensitive,
            dummy4unknown=args.dummy4unknown,
        )
        report["pairs"] = {
            "file": args.pairs,
            "pearson": float(pearson[0]),
            "pearson_pvalue": float(pearson[1]),
            "spearman": float(spearman[0]),
            "spearman_pvalue": float(spearman[1]),
            "oov_ratio": float(oov),
        }
    if args.json:
        _print_json(report)
        return 0
    if "analogies" in report:
        _print_analogy_table(report["analogies"])
    if "pairs" in report:
        if "analogies" in report:
            print()
        p = report["pairs"]
        print(f"word pairs ({p['file']}):")
        print(f"  Pearson   {p['pearson']:.4f}  (p = {p['pearson_pvalue']:.3g})")
        print(f"  Spearman  {p['spearman']:.4f}  (p = {p['spearman_pvalue']:.3g})")
        print(f"  out of vocabulary: {p['oov_ratio']:.1f}% of the pairs")
    return 0


def _print_analogy_table(analogies: Dict[str, Any]) -> None:
    rows = analogies["sections"]
    width = max([len("section")] + [len(r["section"]) for r in rows])
    print(f"analogies ({analogies['file']}):")
    print(f"  {'section':<{width}}  {'correct':>7}  {'total':>7}  {'accuracy':>8}")
    print(f"  {'-' * width}  {'-' * 7}  {'-' * 7}  {'-' * 8}")
    for r in rows:
        acc = "-" if r["accuracy"] is None else f"{100 * r['accuracy']:.1f}%"
        print(f"  {r['section']:<{width}}  {r['correct']:>7}  {r['total']:>7}  {acc:>8}")


# ---- convert / info ------------------------------------------------------------------------


def cmd_convert(args: argparse.Namespace) -> int:
    """``w2v convert``: rewrite vectors in another format."""
    fmt = _format_for_output(args.output, args.to)
    _check_output_path(args.output)
    if (
        os.path.exists(args.model)
        and os.path.exists(args.output)
        and os.path.samefile(args.model, args.output)
    ):
        raise CommandError("the output is the input file; choose another output path")
    loaded = load_model(args.model, args.model_format, limit=args.limit)
    kv = loaded.kv
    if args.limit is not None and loaded.format == "w2v" and args.limit < len(kv):
        kv = _first_vectors(kv, args.limit)
    if loaded.format != "w2v" and fmt == "w2v":
        # word2vec files hold no counts; do not keep the ones the reader made up.
        kv.expandos.pop("count", None)
    save_vectors(kv, args.output, fmt)
    _say(
        args,
        f"{PROG}: wrote {len(kv):,} vectors of {kv.vector_size} dimensions to {args.output} "
        f"({fmt})",
    )
    return 0


def _first_vectors(kv: Any, n: int) -> Any:
    from w2v.keyedvectors import KeyedVectors

    out = KeyedVectors(kv.vector_size, 0, dtype=kv.vectors.dtype)
    out.index_to_key = list(kv.index_to_key[:n])
    out.key_to_index = {k: i for i, k in enumerate(out.index_to_key)}
    out.vectors = kv.vectors[:n].copy()
    for name, arr in kv.expandos.items():
        out.expandos[name] = arr[:n].copy()
    return out


_INFO_PARAMS = (
    "sg",
    "hs",
    "negative",
    "ns_exponent",
    "window",
    "min_count",
    "effective_min_count",
    "sample",
    "alpha",
    "min_alpha",
    "epochs",
    "cbow_mean",
    "shrink_windows",
    "shared_negatives",
    "max_vocab_size",
    "max_final_vocab",
    "null_word",
    "sorted_vocab",
    "batch_words",
    "workers",
    "seed",
    "compute_loss",
    "comment",
)


def cmd_info(args: argparse.Namespace) -> int:
    """``w2v info``: what a model file holds."""
    loaded = load_model(args.model, args.model_format, full=True)
    kv, model = loaded.kv, loaded.model
    info: Dict[str, Any] = {
        "file": args.model,
        "file_size": os.path.getsize(args.model),
        "format": loaded.format,
        "kind": loaded.kind,
        "vocabulary_size": len(kv),
        "vector_size": int(kv.vector_size),
        "dtype": str(kv.vectors.dtype),
    }
    # word2vec files hold no counts (the reader makes up descending ones): show none.
    counts = kv.expandos.get("count") if loaded.format == "w2v" else None
    if model is not None:
        arch = "skip-gram" if model.sg else ("CBOW (mean)" if model.cbow_mean else "CBOW (sum)")
        outputs = [x for x, on in (("hierarchical softmax", model.hs), ("negative", 1)) if on]
        if not model.negative:
            outputs = [x for x in outputs if x != "negative"]
        info["architecture"] = arch
        info["output_layer"] = [
            f"negative sampling ({model.negative})" if x == "negative" else x for x in outputs
        ]
        info["parameters"] = {k: _json_safe(getattr(model, k, None)) for k in _INFO_PARAMS}
        info["corpus_count"] = int(model.corpus_count)
        info["corpus_total_words"] = int(model.corpus_total_words)
        info["train_count"] = int(model.train_count)
        info["total_train_time"] = float(model.total_train_time)
        info["loss_history"] = [float(x) for x in model.loss_history]
    if counts is not None and len(counts) == len(kv):
        top = min(10, len(kv))
        info["most_frequent"] = [
            {"word": str(kv.index_to_key[i]), "count": int(counts[i])} for i in range(top)
        ]
    if args.json:
        _print_json(info)
        return 0
    rows: List[Tuple[str, str]] = [
        ("file", f"{args.model} ({_human_bytes(info['file_size'])})"),
        ("format", loaded.kind),
        ("vocabulary", f"{len(kv):,} words"),
        ("vector size", f"{kv.vector_size} ({info['dtype']})"),
    ]
    if model is not None:
        rows.append(("architecture", f"{info['architecture']}, {' + '.join(info['output_layer'])}"))
        rows.append(
            (
                "corpus",
                f"{model.corpus_count:,} sentences, {model.corpus_total_words:,} words",
            )
        )
        rows.append(
            (
                "training",
                f"{model.train_count} run(s), {model.total_train_time:.1f} s in total",
            )
        )
        if model.loss_history:
            rows.append(
                (
                    "loss",
                    "  ".join(f"{i + 1}: {_fmt_loss(x)}" for i, x in enumerate(model.loss_history)),
                )
            )
        else:
            rows.append(("loss", "not recorded (train with --compute-loss)"))
    if "most_frequent" in info:
        rows.append(
            (
                "most frequent",
                ", ".join(f"{d['word']} ({d['count']:,})" for d in info["most_frequent"]),
            )
        )
    width = max(len(k) for k, _ in rows)
    for k, v in rows:
        print(f"{k:<{width}}  {v}")
    if model is not None:
        print("parameters")
        pwidth = max(len(k) for k in info["parameters"])
        for k, v in info["parameters"].items():
            print(f"  {k:<{pwidth}}  {v}")
    return 0


# ---- plots / export ------------------------------------------------------------------------


def _plotting() -> Any:
    try:
        import matplotlib
    except ImportError:
        raise CommandError("plotting needs matplotlib: pip install 'w2v[plot]'") from None
    matplotlib.use("Agg")
    from w2v import plotting

    return plotting


def cmd_plot_loss(args: argparse.Namespace) -> int:
    """``w2v plot loss``: the per-epoch training loss curve."""
    plotting = _plotting()
    _check_output_path(args.output)
    loaded = load_model(args.model, args.model_format, full=True)
    if loaded.model is None:
        raise CommandError(
            f"{args.model} holds only word vectors ({loaded.kind}); the loss history is kept in "
            "w2v model files written by 'w2v train' (format w2v)"
        )
    if not loaded.model.loss_history:
        raise CommandError(f"{args.model} has no loss history: train it with --compute-loss")
    plotting.plot_loss(
        loaded.model.loss_history, args.output, size=args.size, dpi=args.dpi, title=args.title
    )
    _say(args, f"{PROG}: wrote {args.output}")
    return 0


def cmd_plot_map(args: argparse.Namespace) -> int:
    """``w2v plot map``: 2-D map of words and their nearest neighbours."""
    plotting = _plotting()
    if args.method == "tsne":
        try:
            import sklearn  # noqa: F401
        except ImportError:
            raise CommandError("t-SNE needs scikit-learn: pip install 'w2v[plot]'") from None
    _check_output_path(args.output)
    loaded = load_model(args.model, args.model_format, limit=args.limit)
    _require_words(loaded.kv, args.words, args.model)
    plotting.plot_map(
        loaded.kv,
        args.words,
        args.neighbours,
        args.output,
        method=args.method,
        size=args.size,
        dpi=args.dpi,
        seed=args.seed,
        perplexity=args.perplexity,
        title=args.title,
    )
    _say(args, f"{PROG}: wrote {args.output}")
    return 0


def cmd_export_projector(args: argparse.Namespace) -> int:
    """``w2v export projector``: TSV files for the TensorFlow Embedding Projector."""
    from w2v.projector import export_projector

    if os.path.exists(args.directory) and not os.path.isdir(args.directory):
        raise CommandError(f"{args.directory!r} exists and is not a directory")
    loaded = load_model(args.model, args.model_format, limit=args.limit)
    n = len(loaded.kv) if args.limit is None else min(args.limit, len(loaded.kv))
    # word2vec files hold no counts (the reader makes up descending ones): export none.
    with_counts = loaded.format == "w2v" and not args.no_counts
    vec_path, meta_path = export_projector(
        loaded.kv, args.directory, limit=args.limit, with_counts=with_counts
    )
    _say(
        args,
        f"{PROG}: wrote {n:,} vectors to {vec_path} and their labels to {meta_path}; "
        "load both in the Embedding Projector (projector.tensorflow.org, 'Load')",
    )
    return 0


# ---- the parser ------------------------------------------------------------------------------


class _HelpFormatter(argparse.RawDescriptionHelpFormatter):
    def __init__(self, prog: str) -> None:
        super().__init__(prog, max_help_position=32)


_EXAMPLES = """\
examples:
  w2v demo
  w2v train corpus.txt.gz -o model.w2v --sg --epochs 10 --compute-loss
  cat *.txt | w2v train - -o vectors.bin --format word2vec-binary
  w2v similar model.w2v king queen --topn 5 --json
  w2v analogy model.w2v man king woman
  w2v evaluate model.w2v --analogies questions-words.txt --pairs wordsim353.tsv
  w2v convert model.w2v vectors.txt --to word2vec-text
  w2v info model.w2v
  w2v plot loss model.w2v -o loss.png
  w2v plot map model.w2v --words king paris whale -o map.png
  w2v export projector model.w2v projector/

MODEL may be a w2v model or keyed-vectors file, or a word2vec.c text or binary file
(optionally .gz/.bz2/.xz); the format is detected from the content (--model-format forces it).
Exit status: 0 success, 1 failure (missing file, unknown word, bad model file), 2 usage error.
"""


def _add_common(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--debug",
        action="store_true",
        default=argparse.SUPPRESS,
        help="show the full traceback on errors, and debug logging",
    )


def _add_model_input(p: argparse.ArgumentParser, limit: bool = True) -> None:
    p.add_argument("model", metavar="MODEL", help="model or vectors file")
    p.add_argument(
        "--model-format",
        choices=MODEL_FORMATS,
        default="auto",
        help="format of MODEL (default: detected from its content)",
    )
    if limit:
        p.add_argument(
            "--limit",
            type=_positive_int,
            metavar="N",
            help="read only the first N vectors of a word2vec file (for convert, of any file)",
        )


def _add_progress(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("progress")
    g.add_argument(
        "-q", "--quiet", action="store_true", help="no progress bar, log or summary on stderr"
    )
    g.add_argument(
        "--progress",
        choices=("auto", "bar", "log", "none"),
        default="auto",
        help="'bar': tqdm bars; 'log': periodic log lines; 'auto' (default): bars when stderr "
        "is a terminal, log lines otherwise",
    )


def _add_train_options(p: argparse.ArgumentParser) -> None:
    d = _defaults()
    m = p.add_argument_group("model (gensim's Word2Vec parameters and defaults)")
    m.add_argument(
        "--vector-size",
        "--size",
        dest="vector_size",
        type=int,
        default=d["vector_size"],
        metavar="N",
        help="dimensionality of the vectors (default: %(default)s)",
    )
    m.add_argument(
        "--window",
        type=int,
        default=d["window"],
        metavar="N",
        help="maximum distance between the centre and a context word (default: %(default)s)",
    )
    m.add_argument(
        "--min-count",
        type=int,
        default=d["min_count"],
        metavar="N",
        help="ignore words with a lower total count (default: %(default)s)",
    )
    m.add_argument(
        "--max-vocab-size",
        type=int,
        default=d["max_vocab_size"],
        metavar="N",
        help="prune rare words during the scan to hold at most N (default: no limit)",
    )
    m.add_argument(
        "--max-final-vocab",
        type=int,
        default=d["max_final_vocab"],
        metavar="N",
        help="keep at most N words, raising min-count as needed (default: no limit)",
    )
    m.add_argument(
        "--sample",
        type=float,
        default=d["sample"],
        metavar="T",
        help="downsampling threshold of frequent words, 0 disables (default: %(default)s)",
    )
    m.add_argument(
        "--sg",
        type=_zero_one,
        nargs="?",
        const=1,
        default=d["sg"],
        metavar="{0,1}",
        help="1 (or just --sg): skip-gram; 0: CBOW (default: %(default)s)",
    )
    m.add_argument(
        "--hs",
        type=_zero_one,
        nargs="?",
        const=1,
        default=d["hs"],
        metavar="{0,1}",
        help="1 (or just --hs): hierarchical softmax (default: %(default)s)",
    )
    m.add_argument(
        "--negative",
        type=int,
        default=d["negative"],
        metavar="K",
        help="noise words per positive example, 0 for none (default: %(default)s)",
    )
    m.add_argument(
        "--ns-exponent",
        type=float,
        default=d["ns_exponent"],
        metavar="X",
        help="exponent of the counts in the noise distribution (default: %(default)s)",
    )
    m.add_argument(
        "--noise-weights",
        metavar="FILE",
        help="custom noise weights: a 'WORD WEIGHT' line per word (others get 0)",
    )
    m.add_argument(
        "--cbow-mean",
        type=_zero_one,
        nargs="?",
        const=1,
        default=d["cbow_mean"],
        metavar="{0,1}",
        help="CBOW: 1 averages the context vectors, 0 sums them (default: %(default)s)",
    )
    m.add_argument(
        "--null-word",
        type=_zero_one,
        nargs="?",
        const=1,
        default=d["null_word"],
        metavar="{0,1}",
        help="add a null word to the vocabulary, as gensim can (default: %(default)s)",
    )
    m.add_argument(
        "--sorted-vocab",
        type=_zero_one,
        nargs="?",
        const=1,
        default=d["sorted_vocab"],
        metavar="{0,1}",
        help="sort the vocabulary by descending count (default: %(default)s)",
    )
    m.add_argument(
        "--shrink-windows",
        action=argparse.BooleanOptionalAction,
        default=d["shrink_windows"],
        help="sample each window size from 1..window (default: on)",
    )
    m.add_argument(
        "--shared-negatives",
        action=argparse.BooleanOptionalAction,
        default=d["shared_negatives"],
        help="share noise words: skip-gram, one set per centre word; CBOW, one set per 4 "
        "centre words 2*window+1 apart (default: on; off: a fresh draw per prediction, as in "
        "word2vec.c)",
    )
    t = p.add_argument_group("training")
    t.add_argument(
        "--epochs",
        "--iter",
        dest="epochs",
        type=int,
        default=d["epochs"],
        metavar="N",
        help="passes over the corpus (default: %(default)s)",
    )
    t.add_argument(
        "--alpha",
        type=float,
        default=d["alpha"],
        metavar="LR",
        help="initial learning rate (default: %(default)s)",
    )
    t.add_argument(
        "--min-alpha",
        type=float,
        default=d["min_alpha"],
        metavar="LR",
        help="final learning rate, reached linearly (default: %(default)s)",
    )
    t.add_argument(
        "--workers",
        type=int,
        default=_cpu_count(),
        metavar="N",
        help="training threads (default: the number of CPUs, here %(default)s)",
    )
    t.add_argument(
        "--seed",
        type=int,
        default=d["seed"],
        metavar="N",
        help="seed of the initial vectors and of the threads' random streams "
        "(default: %(default)s)",
    )
    t.add_argument(
        "--batch-words",
        type=int,
        default=d["batch_words"],
        metavar="N",
        help="words per job given to the threads (default: %(default)s)",
    )
    t.add_argument(
        "--compute-loss",
        action="store_true",
        default=bool(d["compute_loss"]),
        help="record the loss of each epoch (for 'w2v plot loss' and 'w2v info')",
    )
    t.add_argument("--comment", metavar="TEXT", help="free text kept in the model's history")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``w2v`` command."""
    from w2v import __version__

    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Train word2vec embeddings, query them, evaluate, convert, plot and export.",
        epilog=_EXAMPLES,
        formatter_class=_HelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def command(
        name: str, func: Callable[[argparse.Namespace], int], help_text: str, parent: Any = None
    ) -> argparse.ArgumentParser:
        p = (parent or sub).add_parser(
            name, help=help_text, description=help_text, formatter_class=_HelpFormatter
        )
        _add_common(p)
        p.set_defaults(func=func, _parser=p)
        return p

    # train
    p = command("train", cmd_train, "train a model on text files")
    p.add_argument(
        "corpus",
        nargs="+",
        metavar="CORPUS",
        help="text files (one sentence per line, tokens separated by whitespace; .gz, .bz2, "
        ".xz are decompressed), directories (all their files), or '-' for standard input",
    )
    p.add_argument("-o", "--output", required=True, metavar="MODEL", help="where to save")
    p.add_argument(
        "--format",
        choices=FORMATS,
        help="output format: 'w2v' (the full model, can continue training), 'word2vec-text', "
        "'word2vec-binary' (default: word2vec-text for .txt/.vec, word2vec-binary for .bin, "
        "else w2v)",
    )
    p.add_argument(
        "--corpus-format",
        choices=("lines", "text8"),
        default="lines",
        help="'lines': one sentence per line (default); 'text8': one long stream of tokens, "
        "cut into sentences of 10000 tokens",
    )
    _add_train_options(p)
    _add_progress(p)

    # similar
    p = command("similar", cmd_similar, "nearest neighbours of words")
    _add_model_input(p)
    p.add_argument("words", nargs="+", metavar="WORD")
    p.add_argument("--topn", type=_positive_int, default=10, metavar="N", help="(default: 10)")
    p.add_argument(
        "--restrict-vocab",
        type=_positive_int,
        metavar="N",
        help="search only the N most frequent words",
    )
    p.add_argument("--json", action="store_true", help="print JSON: {word: [{word, similarity}]}")

    # analogy
    p = command("analogy", cmd_analogy, "A is to B as C is to ? (vector B - A + C)")
    _add_model_input(p)
    p.add_argument("a", metavar="A")
    p.add_argument("b", metavar="B")
    p.add_argument("c", metavar="C")
    p.add_argument("--topn", type=_positive_int, default=5, metavar="N", help="(default: 5)")
    p.add_argument(
        "--method",
        choices=("add", "cosmul"),
        default="add",
        help="3CosAdd (most_similar, default) or 3CosMul (most_similar_cosmul)",
    )
    p.add_argument(
        "--restrict-vocab",
        type=_positive_int,
        metavar="N",
        help="search only the N most frequent words",
    )
    p.add_argument("--json", action="store_true", help="print JSON")

    # evaluate
    p = command("evaluate", cmd_evaluate, "analogy accuracy and word-similarity correlation")
    _add_model_input(p)
    p.add_argument(
        "--analogies", metavar="FILE", help="analogy questions (': section' lines, 'a b c d')"
    )
    p.add_argument("--pairs", metavar="FILE", help="word pairs with a human similarity score")
    p.add_argument(
        "--restrict-vocab",
        type=_positive_int,
        default=300000,
        metavar="N",
        help="use only the N most frequent words (default: %(default)s)",
    )
    p.add_argument("--case-sensitive", action="store_true", help="do not lowercase the questions")
    p.add_argument(
        "--dummy4unknown",
        action="store_true",
        help="count questions with unknown words as wrong (pairs: score 0) instead of skipping",
    )
    p.add_argument(
        "--delimiter", default="\t", metavar="C", help="field separator of --pairs (default: tab)"
    )
    p.add_argument("--json", action="store_true", help="print JSON")

    # convert
    p = command("convert", cmd_convert, "rewrite vectors in another format")
    _add_model_input(p)
    p.add_argument("output", metavar="OUT")
    p.add_argument(
        "--to",
        choices=FORMATS,
        help="output format; 'w2v' writes keyed vectors (default: from OUT's extension: "
        ".txt/.vec text, .bin binary, else w2v)",
    )
    p.add_argument("-q", "--quiet", action="store_true", help="no summary on stderr")

    # info
    p = command("info", cmd_info, "vocabulary, dimensions, training parameters, loss")
    _add_model_input(p, limit=False)
    p.add_argument("--json", action="store_true", help="print JSON")

    # demo
    p = command("demo", cmd_demo, "train on the bundled demo corpus and show neighbours")
    p.add_argument("--epochs", type=int, default=5, metavar="N", help="(default: 5)")
    p.add_argument(
        "--workers",
        type=int,
        default=_cpu_count(),
        metavar="N",
        help="(default: the number of CPUs, here %(default)s)",
    )
    p.add_argument("-o", "--output", metavar="MODEL", help="also save the model there")
    p.add_argument(
        "--words",
        nargs="+",
        metavar="WORD",
        help=f"words to query (default: {' '.join(DEMO_WORDS)})",
    )
    p.add_argument("--topn", type=_positive_int, default=6, metavar="N", help="(default: 6)")
    _add_progress(p)

    # plot
    plot = command("plot", _missing_subcommand, "draw pictures (needs w2v[plot])")
    plot_sub = plot.add_subparsers(dest="plot_command", metavar="PLOT", required=True)
    p = command("loss", cmd_plot_loss, "per-epoch training loss curve", plot_sub)
    _add_model_input(p, limit=False)
    _add_picture_options(p, "loss.png", "800x500")
    p = command("map", cmd_plot_map, "2-D map of words and their nearest neighbours", plot_sub)
    _add_model_input(p)
    p.add_argument("--words", nargs="+", required=True, metavar="WORD", help="query words")
    p.add_argument(
        "--neighbours",
        "--neighbors",
        dest="neighbours",
        type=_nonnegative_int,
        default=8,
        metavar="N",
        help="nearest neighbours per word (default: 8)",
    )
    p.add_argument(
        "--method",
        choices=("pca", "tsne"),
        default="pca",
        help="projection: PCA (default) or t-SNE (needs scikit-learn)",
    )
    p.add_argument("--perplexity", type=float, default=30.0, help="t-SNE perplexity (default: 30)")
    p.add_argument("--seed", type=int, default=1, help="t-SNE random state (default: 1)")
    _add_picture_options(p, "map.png", "1000x800")

    # export
    export = command("export", _missing_subcommand, "export vectors for other tools")
    export_sub = export.add_subparsers(dest="export_command", metavar="TARGET", required=True)
    p = command(
        "projector",
        cmd_export_projector,
        "vectors.tsv + metadata.tsv for the TensorFlow Embedding Projector",
        export_sub,
    )
    _add_model_input(p)
    p.add_argument("directory", metavar="DIR", help="output directory (created if missing)")
    p.add_argument(
        "--no-counts",
        action="store_true",
        help="labels only in metadata.tsv (by default a count column is added when known)",
    )
    p.add_argument("-q", "--quiet", action="store_true", help="no summary on stderr")
    return parser


def _add_picture_options(p: argparse.ArgumentParser, default_out: str, size: str) -> None:
    p.add_argument(
        "-o",
        "--output",
        default=default_out,
        metavar="FILE",
        help="picture file; PNG, SVG, PDF... from the extension (default: %(default)s)",
    )
    p.add_argument(
        "--size",
        type=_pixels,
        default=_pixels(size),
        metavar="WxH",
        help=f"size in pixels (default: {size})",
    )
    p.add_argument("--dpi", type=_positive_int, default=100, help="dots per inch (default: 100)")
    p.add_argument("--title", help="title of the plot")
    p.add_argument("-q", "--quiet", action="store_true", help="no summary on stderr")


def _missing_subcommand(args: argparse.Namespace) -> int:  # pragma: no cover - argparse stops
    raise UsageError("a subcommand is required")


# ---- entry point ---------------------------------------------------------------------------


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the ``w2v`` command.

    Parameters
    ----------
    argv : sequence of str, optional
        The arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        The exit status: 0 success, 1 runtime error, 2 usage error (argparse exits itself).
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    debug = bool(getattr(args, "debug", False))
    args.debug = debug
    if not hasattr(args, "quiet"):
        args.quiet = False
    if not debug:
        _setup_logging(logging.WARNING)
    else:
        _setup_logging(logging.DEBUG)
    try:
        return int(args.func(args) or 0)
    except UsageError as exc:
        if debug:
            raise
        args._parser.error(_one_line(exc))
        return 2  # not reached: error() exits
    except KeyboardInterrupt:
        if debug:
            raise
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader of our output went away (e.g. `w2v similar ... | head`): not an error.
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        except OSError:
            pass
        return 0
    except Exception as exc:
        if debug:
            raise
        print(f"{PROG}: error: {_one_line(exc)}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
