"""``w2v convert`` and ``w2v info``: rewrite a model file (or a gensim one), or say what it
holds."""

from __future__ import annotations

import argparse
import os
from typing import Any, Dict, List, Tuple, Union

from w2v import gensim_interop
from w2v._archive import PICKLE_MAGIC
from w2v.cli.common import (
    CommandError,
    UsageError,
    check_input_file,
    fmt_loss,
    one_line,
    print_json,
    same_file,
    say,
)
from w2v.cli.models import load_model, output_format
from w2v.keyedvectors import KeyedVectors
from w2v.loading import save_vectors
from w2v.model import Word2Vec
from w2v.params import describe

TRUST_PICKLE = (
    "gensim saves models as Python pickles, and loading a pickle can run any code it "
    "contains; w2v reads one only when you say you trust the file: add --trust-pickle if it "
    "comes from you or from a source you trust"
)


def cmd_convert(args: argparse.Namespace) -> int:
    """``w2v convert``: rewrite vectors in another format, or convert a gensim file."""
    if args.from_gensim:
        return _convert_from_gensim(args)
    if args.trust_pickle:
        raise UsageError("--trust-pickle only applies with --from-gensim")
    fmt = output_format(args.output, args.to)
    if same_file(args.model, args.output):
        raise CommandError("the output is the input file; choose another output path")
    if _is_pickle(args.model):
        raise CommandError(
            f"{args.model!r} is a Python pickle (such as a gensim .model file), which w2v does "
            "not read unless asked, since loading a pickle can run code. If you trust the file: "
            f"w2v convert {args.model} {args.output} --from-gensim --trust-pickle"
        )
    loaded = load_model(args.model, args.model_format, limit=args.limit, cut_archives=True)
    kv = loaded.kv
    if not loaded.has_counts and fmt == "w2v":
        kv.expandos.pop("count", None)  # do not keep the counts the reader made up
    save_vectors(kv, args.output, fmt)
    say(
        args,
        f"wrote {len(kv):,} vectors of {kv.vector_size} dimensions to {args.output} ({fmt})",
    )
    return 0


def _convert_from_gensim(args: argparse.Namespace) -> int:
    """``w2v convert --from-gensim``: a file saved by gensim, read with gensim."""
    if not args.trust_pickle:
        raise UsageError(TRUST_PICKLE)
    if args.limit is not None or args.model_format != "auto":
        raise UsageError("--limit and --model-format do not apply with --from-gensim")
    check_input_file(args.model, "gensim model")
    fmt = output_format(args.output, args.to)
    if same_file(args.model, args.output):
        raise CommandError("the output is the input file; choose another output path")
    obj = load_gensim_file(args.model)
    save_vectors(obj, args.output, fmt)
    kv = obj.wv if isinstance(obj, Word2Vec) else obj
    kind = "Word2Vec model" if isinstance(obj, Word2Vec) else "KeyedVectors"
    say(
        args,
        f"converted the gensim {kind} {args.model}: {len(kv):,} vectors of "
        f"{kv.vector_size} dimensions, written to {args.output} ({fmt})",
    )
    return 0


def load_gensim_file(path: str) -> Union[Word2Vec, KeyedVectors]:
    """Load a file saved by gensim (a pickle: trusted by the caller) and convert it.

    Parameters
    ----------
    path : str
        A gensim ``Word2Vec.save`` or ``KeyedVectors.save`` file.

    Returns
    -------
    Word2Vec or KeyedVectors

    Raises
    ------
    CommandError
        gensim is not installed, the file cannot be read, or it holds something else.
    """
    try:
        models = gensim_interop.import_gensim()
    except ImportError as exc:
        raise CommandError(str(exc)) from None
    from gensim.utils import SaveLoad

    try:
        obj = SaveLoad.load(path)
    except Exception as exc:  # unpickling can fail in any way
        raise CommandError(f"cannot read gensim file {path!r}: {one_line(exc)}") from None
    try:
        if isinstance(obj, models.Word2Vec):
            return Word2Vec.from_gensim(obj)
        if isinstance(obj, models.KeyedVectors):
            return KeyedVectors.from_gensim(obj)
    except (TypeError, ValueError, NotImplementedError) as exc:
        raise CommandError(f"cannot convert {path!r}: {one_line(exc)}") from None
    raise CommandError(
        f"{path!r} holds a gensim {type(obj).__name__}, not a Word2Vec model or KeyedVectors"
    )


def _is_pickle(path: str) -> bool:
    try:
        with open(path, "rb") as f:
            return f.read(1) == PICKLE_MAGIC
    except OSError:
        return False  # reported by the loader


def cmd_info(args: argparse.Namespace) -> int:
    """``w2v info``: what a model file holds."""
    loaded = load_model(args.model, args.model_format, full=True)
    kv, model = loaded.kv, loaded.model
    info: Dict[str, Any] = {
        "file": args.model,
        "file_size": os.path.getsize(args.model),
        "format": loaded.format,
        "kind": loaded.description,
        "vocabulary_size": len(kv),
        "vector_size": int(kv.vector_size),
        "dtype": str(kv.vectors.dtype),
    }
    if model is not None:
        info.update(_model_info(model))
    index = getattr(kv, "ann_index", None)
    if index is not None:
        info["ann_index"] = {"kind": index.kind, "vectors": index.ntotal, **index.params}
    counts = kv.expandos.get("count") if loaded.has_counts else None
    if counts is not None and len(counts) == len(kv):
        info["most_frequent"] = [
            {"word": str(kv.index_to_key[i]), "count": int(counts[i])}
            for i in range(min(10, len(kv)))
        ]
    if args.json:
        print_json(info)
        return 0
    rows: List[Tuple[str, str]] = [
        ("file", f"{args.model} ({_human_bytes(info['file_size'])})"),
        ("format", loaded.description),
        ("vocabulary", f"{len(kv):,} words"),
        ("vector size", f"{kv.vector_size} ({info['dtype']})"),
    ]
    if model is not None:
        rows += _model_rows(model, info)
    if "ann_index" in info:
        params = ", ".join(f"{k}={v}" for k, v in index.params.items())
        rows.append(("ann index", f"faiss {index.kind} over {index.ntotal:,} vectors ({params})"))
    if "most_frequent" in info:
        words = ", ".join(f"{d['word']} ({d['count']:,})" for d in info["most_frequent"])
        rows.append(("most frequent", words))
    _print_rows(rows)
    if model is not None:
        print("parameters")
        _print_rows(list(info["parameters"].items()), indent="  ")
    return 0


def _model_info(model: Word2Vec) -> Dict[str, Any]:
    """What only a whole model file holds: architecture, parameters, corpus, training."""
    arch = "skip-gram" if model.sg else ("CBOW (mean)" if model.cbow_mean else "CBOW (sum)")
    layers = ["hierarchical softmax"] if model.hs else []
    if model.negative:
        layers.append(f"negative sampling ({model.negative})")
    parameters: Dict[str, Any] = {}
    for name, value in describe(model).items():
        parameters[name] = value
        if name == "min_count":
            parameters["effective_min_count"] = int(model.effective_min_count)
    info: Dict[str, Any] = {
        "architecture": arch,
        "output_layer": layers,
        "parameters": parameters,
        "corpus_count": int(model.corpus_count),
        "corpus_total_words": int(model.corpus_total_words),
        "train_count": int(model.train_count),
        "total_train_time": float(model.total_train_time),
        "loss_history": [float(x) for x in model.loss_history],
    }
    state = model.training_state
    if state is not None:  # a checkpoint of an unfinished run
        info["checkpoint"] = {
            "position": state.describe(),
            "epochs_done": int(state.epochs_done),
            "epochs": int(state.epochs),
            "alpha": float(state.alpha),
        }
    return info


def _model_rows(model: Word2Vec, info: Dict[str, Any]) -> List[Tuple[str, str]]:
    if model.loss_history:
        loss = "  ".join(f"{i + 1}: {fmt_loss(x)}" for i, x in enumerate(model.loss_history))
    else:
        loss = "not recorded (train with --compute-loss)"
    rows = [
        ("architecture", f"{info['architecture']}, {' + '.join(info['output_layer'])}"),
        ("corpus", f"{model.corpus_count:,} sentences, {model.corpus_total_words:,} words"),
        ("training", f"{model.train_count} run(s), {model.total_train_time:.1f} s in total"),
        ("loss", loss),
    ]
    if "checkpoint" in info:
        ckpt = info["checkpoint"]
        rows.append(("checkpoint", f"{ckpt['position']}, alpha {ckpt['alpha']:.6f}"))
    return rows


def _print_rows(rows: List[Tuple[str, Any]], indent: str = "") -> None:
    """``name  value`` lines, the values aligned."""
    width = max(len(k) for k, _ in rows)
    for k, v in rows:
        print(f"{indent}{k:<{width}}  {v}")


def _human_bytes(n: float) -> str:
    for unit in ("B", "kB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000.0
    return f"{n:.1f} GB"
