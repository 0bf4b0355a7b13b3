"""The argument parser of the ``w2v`` command.

The Word2Vec options of ``w2v train`` and ``w2v demo`` come from the parameter table
(:func:`w2v.params.cli_params`): each row gives the option's name, aliases, style, default
and help, so the command line cannot drift from ``Word2Vec``'s signature.
"""

from __future__ import annotations

import argparse
import os
from typing import Any, Callable, Dict, Optional, Sequence, Tuple

from w2v import __version__, ann
from w2v.cli.common import PROG, UsageError
from w2v.cli.corpus import LAYOUTS
from w2v.cli.inspection import cmd_convert, cmd_info
from w2v.cli.models import MODEL_FORMATS
from w2v.cli.phrases import add_phrases_command
from w2v.cli.pictures import cmd_export_projector, cmd_plot_loss, cmd_plot_map
from w2v.cli.queries import cmd_analogy, cmd_evaluate, cmd_index, cmd_similar
from w2v.cli.reporting import PROGRESS_MODES
from w2v.cli.train import DEMO_OPTIONS, DEMO_WORDS, cmd_demo, cmd_train
from w2v.constraints import AnyInteger, Interval
from w2v.distributed.settings import DISTRIBUTED_PARAMS
from w2v.loading import FORMATS
from w2v.params import Cli, Param, cli_params

Command = Callable[[argparse.Namespace], int]

_GROUP_TITLES = {
    "model": "model (gensim's Word2Vec parameters and defaults)",
    "training": "training",
}

_EXAMPLES = """\
examples:
  w2v demo
  w2v train corpus.txt.gz -o model.w2v --sg --epochs 10 --compute-loss
  cat *.txt | w2v train - -o vectors.bin --format word2vec-binary
  w2v train corpus.txt -o model.w2v --epochs 20 --checkpoint ckpt/ --resume
  w2v similar model.w2v king queen --topn 5 --json
  w2v index model.w2v
  w2v analogy model.w2v man king woman
  w2v evaluate model.w2v --analogies questions-words.txt --pairs wordsim353.tsv
  w2v convert model.w2v vectors.txt --to word2vec-text
  w2v convert gensim.model model.w2v --from-gensim --trust-pickle
  w2v info model.w2v
  w2v plot loss model.w2v -o loss.png
  w2v plot map model.w2v --words king paris whale -o map.png
  w2v export projector model.w2v projector/

MODEL may be a w2v model or keyed-vectors file, or a word2vec.c text or binary file
(optionally .gz/.bz2/.xz); the format is detected from the content (--model-format forces it).
Exit status: 0 success, 1 failure (missing file, unknown word, bad model file), 2 usage error.
"""


class _HelpFormatter(argparse.RawDescriptionHelpFormatter):
    def __init__(self, prog: str) -> None:
        super().__init__(prog, max_help_position=32)


# ---- argument types ---------------------------------------------------------------------


def cpu_count() -> int:
    """The CPUs this process may run on (the default of ``--workers``)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))  # type: ignore[attr-defined]
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def zero_one(text: str) -> int:
    """``"0"`` or ``"1"`` as an int."""
    if text in ("0", "1"):
        return int(text)
    raise argparse.ArgumentTypeError(f"expected 0 or 1, got {text!r}")


def _int_at_least(low: int, expected: str) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = low - 1
        if value < low:
            raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}")
        return value

    return parse


positive_int = _int_at_least(1, "a positive integer")
nonnegative_int = _int_at_least(0, "an integer >= 0")


def pixels(text: str) -> Tuple[int, int]:
    """``WIDTHxHEIGHT`` in pixels, each 50..20000."""
    try:
        w, h = (int(x) for x in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected WIDTHxHEIGHT in pixels (e.g. 1000x800), got {text!r}"
        ) from None
    if w < 50 or h < 50 or w > 20000 or h > 20000:
        raise argparse.ArgumentTypeError(f"width and height must be 50..20000 pixels, got {text!r}")
    return w, h


# ---- the Word2Vec options, from the parameter table --------------------------------------

# Where the command line's defaults differ from the library's: (default, how help shows it).
_CLI_DEFAULTS: Dict[str, Tuple[Callable[[], Any], str]] = {
    "workers": (cpu_count, "the number of CPUs, here %(default)s"),
}


def add_word2vec_options(
    p: argparse.ArgumentParser, only: Optional[Sequence[str]] = None
) -> Dict[str, Any]:
    """Add an option for each row of :func:`w2v.params.cli_params` (or those in ``only``).

    Parameters
    ----------
    p : argparse.ArgumentParser
    only : sequence of str, optional
        The parameters to offer (default: all the table's command-line rows).

    Returns
    -------
    dict
        The argument groups by the rows' ``cli.group`` (``"model"``, ``"training"``).
    """
    groups: Dict[str, Any] = {}
    rows = [r for r in cli_params() if only is None or r.name in only]
    # One help section per group, the model's first; the table's order within each.
    rows.sort(key=lambda r: list(_GROUP_TITLES).index(r.cli.group) if r.cli else 0)
    for row in rows:
        cli = row.cli
        if cli is None:
            continue
        if cli.group not in groups:
            groups[cli.group] = p.add_argument_group(_GROUP_TITLES.get(cli.group, cli.group))
        groups[cli.group].add_argument(row.option, *row.option_aliases, **_option(row, cli))
    return groups


def _option(row: Param, cli: Cli) -> Dict[str, Any]:
    """``add_argument`` keywords for a table row and its command-line form."""
    make_default, shown = _CLI_DEFAULTS.get(row.name, (lambda: row.default, "%(default)s"))
    default = make_default()
    text = cli.help or row.doc
    kwargs: Dict[str, Any] = {"dest": row.name, "default": default}
    if cli.style == "flag":
        kwargs.update(action="store_true", help=text)
    elif cli.style == "toggle":
        # A None default means "decided at run time": the help text says how.
        state = "" if default is None else f" (default: {'on' if default else 'off'})"
        kwargs.update(action=argparse.BooleanOptionalAction, help=text + state)
    elif cli.style == "zero_one":
        kwargs.update(type=zero_one, nargs="?", const=1, metavar=cli.metavar or "{0,1}")
        kwargs["help"] = f"{text} (default: {shown})"
    elif cli.style == "value":
        kwargs.update(type=_value_type(row), metavar=cli.metavar)
        kwargs["help"] = text if default is None else f"{text} (default: {shown})"
    else:
        raise ValueError(f"parameter {row.name!r} has an unknown CLI style {cli.style!r}")
    return kwargs


def _value_type(row: Param) -> Callable[[str], Any]:
    """int or float, from the row's constraints (a None default says nothing), else str."""
    for constraint in row.constraints:
        if isinstance(constraint, Interval):
            return constraint.kind
        if isinstance(constraint, AnyInteger):
            return int
    if isinstance(row.default, (int, float)) and not isinstance(row.default, bool):
        return type(row.default)
    return str


# ---- options several commands share ------------------------------------------------------


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
            type=positive_int,
            metavar="N",
            help="read only the first N vectors of a word2vec file (for convert, of any file)",
        )


def _add_quiet(p: Any, text: str = "no summary on stderr") -> None:
    p.add_argument("-q", "--quiet", action="store_true", help=text)


def _add_progress(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("progress")
    _add_quiet(g, "no progress bar, log or summary on stderr")
    g.add_argument(
        "--progress",
        choices=PROGRESS_MODES,
        default="auto",
        help="'bar': tqdm bars; 'log': periodic log lines; 'auto' (default): bars when stderr "
        "is a terminal, log lines otherwise",
    )


def _add_dask_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("distributed training (see docs/distributed.md)")
    g.add_argument(
        "--dask",
        metavar="ADDRESS",
        help="train on the Dask cluster whose scheduler is at ADDRESS (every worker must read "
        "the corpus files), or 'local:N' to start N worker processes on this machine; "
        "--workers is then the threads of each Dask worker",
    )
    for row in DISTRIBUTED_PARAMS:
        if row.cli is not None:
            option = _option(row, row.cli)
            option["help"] = "with --dask: " + option["help"]
            g.add_argument(row.option, **option)


def _add_checkpoint_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("checkpoints (see docs/checkpoints.md)")
    g.add_argument(
        "--checkpoint",
        metavar="DIR",
        help="save resumable checkpoints of the run in DIR (created if missing)",
    )
    g.add_argument(
        "--checkpoint-every",
        metavar="EVERY",
        type=_checkpoint_interval,
        help="'N' or 'N epochs' (default: 1 epoch), or 'N words' such as '5M words' to save "
        "inside epochs too",
    )
    g.add_argument(
        "--checkpoint-keep",
        type=positive_int,
        metavar="K",
        default=2,
        help="keep the K newest checkpoints (default: 2)",
    )
    g.add_argument(
        "--resume",
        nargs="?",
        const=True,
        metavar="DIR",
        help="continue the run checkpointed in DIR (or in --checkpoint DIR) with the same "
        "corpus and options; starts a new run if DIR holds no checkpoint yet",
    )


def _checkpoint_interval(text: str) -> str:
    from w2v.checkpoint import parse_every

    try:
        parse_every(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return text


def _add_json(p: argparse.ArgumentParser, text: str = "print JSON") -> None:
    p.add_argument("--json", action="store_true", help=text)


def _add_topn(p: argparse.ArgumentParser, default: int) -> None:
    p.add_argument(
        "--topn", type=positive_int, default=default, metavar="N", help="(default: %(default)s)"
    )


def _add_restrict_vocab(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--restrict-vocab",
        type=positive_int,
        metavar="N",
        help="search only the N most frequent words",
    )


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
        type=pixels,
        default=pixels(size),
        metavar="WxH",
        help=f"size in pixels (default: {size})",
    )
    p.add_argument("--dpi", type=positive_int, default=100, help="dots per inch (default: 100)")
    p.add_argument("--title", help="title of the plot")
    _add_quiet(p)


def _missing_subcommand(args: argparse.Namespace) -> int:  # pragma: no cover - argparse stops
    raise UsageError("a subcommand is required")


# ---- the parser -----------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``w2v`` command.

    Returns
    -------
    argparse.ArgumentParser
        Each command's parser sets ``func`` (the command) and ``_parser`` (itself, for usage
        errors) in the parsed namespace.
    """
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
        name: str, func: Command, help_text: str, parent: Any = None
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
        choices=LAYOUTS,
        default="lines",
        help="'lines': one sentence per line (default); 'text8': one long stream of tokens, "
        "cut into sentences of 10000 tokens",
    )
    groups = add_word2vec_options(p)
    # A table row too, but the command line reads the weights from a file.
    groups["model"].add_argument(
        "--noise-weights",
        metavar="FILE",
        help="custom noise weights: a 'WORD WEIGHT' line per word (others get 0)",
    )
    p.add_argument(
        "--phrases",
        metavar="PHRASES",
        help="join the phrases of this file (from 'w2v phrases') while reading the corpus",
    )
    _add_checkpoint_options(p)
    _add_dask_options(p)
    _add_progress(p)

    add_phrases_command(command, _add_progress)

    # similar
    p = command("similar", cmd_similar, "nearest neighbours of words")
    _add_model_input(p)
    p.add_argument("words", nargs="+", metavar="WORD")
    _add_topn(p, 10)
    _add_restrict_vocab(p)
    _add_json(p, "print JSON: {word: [{word, similarity}]}")
    p.add_argument(
        "--exact",
        action="store_true",
        help="search every word even if MODEL has a nearest-neighbour index (see 'w2v index')",
    )

    # index
    p = command("index", cmd_index, "build a nearest-neighbour index that speeds up 'similar'")
    _add_model_input(p, limit=False)
    p.add_argument(
        "-o",
        "--output",
        metavar="OUT",
        help="w2v file to write, with the index (default: MODEL itself, if a w2v file)",
    )
    p.add_argument(
        "--kind",
        choices=ann.KINDS,
        default="hnsw",
        help="'hnsw' (default): fastest queries; 'ivf': quicker to build. Needs faiss: "
        "pip install 'w2v[ann]'",
    )
    _add_quiet(p)

    # analogy
    p = command("analogy", cmd_analogy, "A is to B as C is to ? (vector B - A + C)")
    _add_model_input(p)
    p.add_argument("a", metavar="A")
    p.add_argument("b", metavar="B")
    p.add_argument("c", metavar="C")
    _add_topn(p, 5)
    p.add_argument(
        "--method",
        choices=("add", "cosmul"),
        default="add",
        help="3CosAdd (most_similar, default) or 3CosMul (most_similar_cosmul)",
    )
    _add_restrict_vocab(p)
    _add_json(p)

    # evaluate
    p = command("evaluate", cmd_evaluate, "analogy accuracy and word-similarity correlation")
    _add_model_input(p)
    p.add_argument(
        "--analogies", metavar="FILE", help="analogy questions (': section' lines, 'a b c d')"
    )
    p.add_argument("--pairs", metavar="FILE", help="word pairs with a human similarity score")
    p.add_argument(
        "--restrict-vocab",
        type=positive_int,
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
    _add_json(p)

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
    p.add_argument(
        "--from-gensim",
        action="store_true",
        help="MODEL was saved by gensim (Word2Vec.save or KeyedVectors.save): read it with "
        "gensim, which must be installed; a model stays a whole model with 'w2v'",
    )
    p.add_argument(
        "--trust-pickle",
        action="store_true",
        help="required with --from-gensim: gensim's files are Python pickles, which can run "
        "code when loaded, so convert only files you trust",
    )
    _add_quiet(p)

    # info
    p = command("info", cmd_info, "vocabulary, dimensions, training parameters, loss")
    _add_model_input(p, limit=False)
    _add_json(p)

    # demo
    p = command("demo", cmd_demo, "train on the bundled demo corpus and show neighbours")
    add_word2vec_options(p, only=DEMO_OPTIONS)
    p.add_argument("-o", "--output", metavar="MODEL", help="also save the model there")
    p.add_argument(
        "--words",
        nargs="+",
        metavar="WORD",
        help=f"words to query (default: {' '.join(DEMO_WORDS)})",
    )
    _add_topn(p, 6)
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
        type=nonnegative_int,
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
    _add_quiet(p)
    return parser
