"""Parameters declared once: a table of rows that drives validation, persistence and the CLI.

Each :class:`Param` row gives a parameter's name, default, constraints, one-line doc and (if
the command line offers it) its option. From the table come:

- the signature of ``Word2Vec.__init__`` (:func:`signature`) and its docstring's
  ``Parameters`` section (:func:`numpy_doc`);
- validation, one message style for every parameter (:func:`validate`);
- the parameters saved in an archive and shown by ``w2v info`` (:func:`describe`);
- the options of ``w2v train`` and ``w2v demo`` (``w2v.cli.parser``);
- the fields of the native ``KernelParams`` (rows with ``kernel=True``; the C++ field has the
  same name).

Adding a parameter means adding a row here (and, for a kernel parameter, its C++ field).
Constraints follow scikit-learn's ``_parameter_constraints``: a row is valid if any of its
constraints accepts the value.
"""

from __future__ import annotations

import inspect
import numbers
import textwrap
import warnings
from dataclasses import dataclass
from typing import Any, Callable, Dict, Iterable, Mapping, Optional, Sequence, Tuple

import numpy as np

from w2v.constraints import (
    FINITE,
    INT64_MAX,
    MAX_NEGATIVE,
    MAX_VECTOR_SIZE,
    MAX_WORKERS,
    POSITIVE,
    ZERO_ONE,
    AnyInteger,
    Anything,
    Boolean,
    Constraint,
    Interval,
    IsCallable,
    IsIterable,
    IsString,
    NoiseSpec,
    NoneValue,
    PhrasesModel,
    check_value,
    int_at_least,
    is_integer,
)

# ---- the table -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cli:
    """How a parameter appears on the command line.

    Attributes
    ----------
    group : str
        The help section: ``"model"`` or ``"training"``.
    style : str
        ``"value"`` (``--window 5``), ``"zero_one"`` (``--sg`` alone means 1, or ``--sg 0``),
        ``"toggle"`` (``--shrink-windows`` / ``--no-shrink-windows``) or ``"flag"``
        (``--compute-loss`` sets True).
    metavar : str, optional
    help : str, optional
        Help text when it should differ from the row's doc.
    """

    group: str
    style: str = "value"
    metavar: Optional[str] = None
    help: Optional[str] = None


@dataclass(frozen=True)
class Param:
    """One parameter: name, default, constraints, doc, and where else it appears.

    Attributes
    ----------
    name : str
    default : Any
    constraints : tuple of Constraint
        The value must satisfy at least one.
    doc : str
        One line, used in the docstring, the CLI help and error messages.
    type_doc : str
        The type as the numpy docstring shows it.
    details : str
        Further docstring text (optional).
    cli : Cli, optional
        The command-line option, if there is one.
    kernel : bool
        A field of the native ``KernelParams`` with the same name.
    saved : bool
        Stored in archives and shown by ``w2v info``.
    keyword_only : bool
        w2v's own additions come after gensim's parameters, keyword-only.
    renamed_from : str
        The parameter's gensim 3 name (``size``, ``iter``): still accepted, with a
        ``DeprecationWarning``, by ``Word2Vec`` and as an option alias on the command line.
    """

    name: str
    default: Any
    constraints: Tuple[Constraint, ...]
    doc: str
    type_doc: str
    details: str = ""
    cli: Optional[Cli] = None
    kernel: bool = False
    saved: bool = True
    keyword_only: bool = False
    renamed_from: str = ""

    @property
    def option(self) -> str:
        """The command-line option, ``--vector-size`` for ``vector_size``."""
        return "--" + self.name.replace("_", "-")

    @property
    def option_aliases(self) -> Tuple[str, ...]:
        """Other spellings of the option: the gensim 3 name (``--size``)."""
        return ("--" + self.renamed_from.replace("_", "-"),) if self.renamed_from else ()

    def check(self, value: Any) -> None:
        """Raise ``ValueError`` naming the parameter, the value and what is allowed."""
        check_value(self.name, value, *self.constraints)

    def normalise(self, value: Any) -> Any:
        """The value as saved and shown: plain ``int``/``float``/``bool``, JSON-safe."""
        if value is None:
            return None
        if any(isinstance(c, Boolean) for c in self.constraints):
            return bool(value)
        if isinstance(value, (bool, np.bool_)) or is_integer(value):
            return int(value)
        if isinstance(value, numbers.Real):
            return float(value)
        return value


DATA_DETAILS = (
    "A restartable iterable of tokenised sentences (a list, :class:`~w2v.LineSentence`, ...). "
    "File corpora (``LineSentence``, ``PathLineSentences``, ``Text8Corpus``) are read in C++ "
    "by all workers. If given, the model is trained at once."
)

WORD2VEC_PARAMS: Tuple[Param, ...] = (
    Param(
        "sentences",
        None,
        (Anything(),),
        "sentences to train on (an iterable of lists of str tokens)",
        "iterable of list of str, optional",
        details=DATA_DETAILS,
        saved=False,
    ),
    Param(
        "corpus_file",
        None,
        (Anything(),),
        "path(s) of a corpus in LineSentence format (one sentence per line)",
        "str or list of str, optional",
        details="Read in C++ by all workers; gzip, bzip2 and xz files are decompressed on the "
        "fly. Use instead of ``sentences``.",
        saved=False,
    ),
    Param(
        "vector_size",
        100,
        (int_at_least(1, MAX_VECTOR_SIZE),),
        "dimensionality of the word vectors",
        "int",
        cli=Cli("model", metavar="N"),
        kernel=True,
        renamed_from="size",
    ),
    Param(
        "alpha",
        0.025,
        (POSITIVE,),
        "initial learning rate",
        "float",
        cli=Cli("training", metavar="LR"),
    ),
    Param(
        "window",
        5,
        (int_at_least(1),),
        "maximum distance between the centre and a context word",
        "int",
        details="May exceed any sentence's length (a window over whole sentences): memory "
        "grows with the longest sentence, not with the window.",
        cli=Cli("model", metavar="N"),
        kernel=True,
    ),
    Param(
        "min_count",
        5,
        (int_at_least(0),),
        "ignore words with a lower total count",
        "int",
        cli=Cli("model", metavar="N"),
    ),
    Param(
        "max_vocab_size",
        None,
        (NoneValue(), Interval(int, 1, INT64_MAX)),
        "prune rare words during the scan to hold at most this many (None: no limit)",
        "int, optional",
        cli=Cli("model", metavar="N"),
    ),
    Param(
        "sample",
        1e-3,
        (Interval(float, 0, None),),
        "downsampling threshold of frequent words, 0 disables",
        "float",
        cli=Cli("model", metavar="T"),
    ),
    Param(
        "seed",
        1,
        (AnyInteger(),),
        "seed of the initial vectors and of the training jobs' random streams",
        "int",
        details="Any integer; it is taken modulo 2**64 (so -1 and 2**64 - 1 are one seed). "
        "A corpus of at most ``batch_words`` words is one job, trained by one thread, so it "
        "trains the same for any ``workers``.",
        cli=Cli("training", metavar="N"),
    ),
    Param(
        "workers",
        3,
        (int_at_least(1, MAX_WORKERS),),
        "training threads",
        "int",
        cli=Cli("training", metavar="N"),
    ),
    Param(
        "min_alpha",
        0.0001,
        (POSITIVE,),
        "final learning rate, reached linearly over all epochs",
        "float",
        cli=Cli("training", metavar="LR"),
    ),
    Param(
        "sg",
        0,
        (ZERO_ONE,),
        "1 for skip-gram, 0 for CBOW",
        "{0, 1}",
        cli=Cli("model", style="zero_one", help="1 (or just --sg): skip-gram; 0: CBOW"),
        kernel=True,
    ),
    Param(
        "hs",
        0,
        (ZERO_ONE,),
        "1 for hierarchical softmax",
        "{0, 1}",
        cli=Cli("model", style="zero_one", help="1 (or just --hs): hierarchical softmax"),
        kernel=True,
    ),
    Param(
        "negative",
        5,
        (int_at_least(0, MAX_NEGATIVE),),
        "noise words per positive example, 0 for none",
        "int",
        cli=Cli("model", metavar="K"),
        kernel=True,
    ),
    Param(
        "ns_exponent",
        0.75,
        (FINITE,),
        "exponent of the counts in the noise distribution",
        "float",
        details="0.75 in word2vec.c; 0 is uniform; negative favours rare words.",
        cli=Cli("model", metavar="X"),
    ),
    Param(
        "cbow_mean",
        1,
        (ZERO_ONE,),
        "CBOW: 1 averages the context vectors, 0 sums them",
        "{0, 1}",
        cli=Cli("model", style="zero_one"),
        kernel=True,
    ),
    Param(
        "hashfxn",
        hash,
        (IsCallable(),),
        "accepted for compatibility; unused (initial vectors come from seed only)",
        "callable",
        saved=False,
    ),
    Param(
        "epochs",
        5,
        (int_at_least(1),),
        "passes over the corpus",
        "int",
        cli=Cli("training", metavar="N"),
        renamed_from="iter",
    ),
    Param(
        "null_word",
        0,
        (ZERO_ONE,),
        'add a null word ("\\0") to the vocabulary, as gensim can',
        "{0, 1}",
        cli=Cli("model", style="zero_one"),
    ),
    Param(
        "trim_rule",
        None,
        (NoneValue(), IsCallable()),
        "trim_rule(word, count, min_count) -> RULE_KEEP, RULE_DISCARD or RULE_DEFAULT",
        "callable, optional",
        details="The same values as gensim's ``gensim.utils`` constants; only used while "
        "building the vocabulary.",
        saved=False,
    ),
    Param(
        "sorted_vocab",
        1,
        (ZERO_ONE,),
        "sort the vocabulary by descending count",
        "{0, 1}",
        cli=Cli("model", style="zero_one"),
    ),
    Param(
        "batch_words",
        10000,
        (int_at_least(1),),
        "words per job given to the training threads",
        "int",
        cli=Cli("training", metavar="N"),
    ),
    Param(
        "compute_loss",
        False,
        (Boolean(),),
        "record the loss of each epoch",
        "bool",
        details="See ``Word2Vec.get_latest_training_loss`` and ``loss_history``.",
        cli=Cli(
            "training",
            style="flag",
            help="record the loss of each epoch (for 'w2v plot loss' and 'w2v info')",
        ),
        kernel=True,
    ),
    Param(
        "callbacks",
        (),
        (IsIterable(),),
        "hooks run around epochs and training (CallbackAny2Vec instances)",
        "sequence of CallbackAny2Vec",
        saved=False,
    ),
    Param(
        "comment",
        None,
        (NoneValue(), IsString()),
        "free text kept in the model's history",
        "str, optional",
        cli=Cli("training", metavar="TEXT"),
    ),
    Param(
        "max_final_vocab",
        None,
        (NoneValue(), Interval(int, 1, INT64_MAX)),
        "keep at most this many words, raising min_count as needed (None: no limit)",
        "int, optional",
        cli=Cli("model", metavar="N"),
    ),
    Param(
        "shrink_windows",
        True,
        (Boolean(),),
        "sample each window size uniformly from 1..window (word2vec's reduced windows)",
        "bool",
        cli=Cli("model", style="toggle"),
        kernel=True,
    ),
    Param(
        "noise_weights",
        None,
        (NoiseSpec(),),
        "replace the unigram**ns_exponent noise weights",
        "mapping, array or callable, optional",
        details="``{word: weight}`` (absent words get 0), an array aligned with the "
        "vocabulary, or ``f(word, count) -> weight``. See ``docs/negative-sampling.md``.",
        saved=False,
        keyword_only=True,
    ),
    Param(
        "shared_negatives",
        True,
        (Boolean(),),
        "draw noise words once and share them (False: a fresh draw per prediction)",
        "bool",
        details="In skip-gram each centre word draws one set for its whole window, and the "
        "window is updated as small matrix products (Ji et al., 2016). In CBOW each set "
        "serves four centre words ``2 * window + 1`` apart (so they share no context word), "
        "each still trained in turn. Several times (skip-gram) or about 1.2 times (CBOW) "
        "faster at equal quality. False: fresh noise words for every prediction, as in "
        "word2vec.c and gensim. CBOW with hierarchical softmax always uses the classic update.",
        cli=Cli(
            "model",
            style="toggle",
            help="share noise words: skip-gram, one set per centre word; CBOW, one set per 4 "
            "centre words 2*window+1 apart (off: a fresh draw per prediction, as in "
            "word2vec.c)",
        ),
        kernel=True,
        keyword_only=True,
    ),
    Param(
        "progress",
        False,
        (Boolean(),),
        "show progress bars while scanning and training",
        "bool",
        saved=False,
        keyword_only=True,
    ),
    Param(
        "phrases",
        None,
        (NoneValue(), PhrasesModel()),
        "phrases joined as the corpus is read, for the scan and every epoch",
        "FrozenPhrases or Phrases, optional",
        details="Joined inside the C++ reader (files) or in C++ batches (iterables): the same "
        "as training on ``frozen[corpus]`` with no intermediate file. A ``Phrases`` model is "
        "frozen first. Not saved with the model. See ``docs/phrases.md``.",
        saved=False,
        keyword_only=True,
    ),
)

PARAMS_BY_NAME: Dict[str, Param] = {p.name: p for p in WORD2VEC_PARAMS}

#: A model's training state besides its parameters and weights, with the type each holds:
#: saved in archives (``persistence``) and carried over to and from gensim (``gensim_interop``).
TRAINING_STATE: Dict[str, type] = {
    "corpus_count": int,
    "corpus_total_words": int,
    "effective_min_count": int,
    "min_alpha_yet_reached": float,
    "running_training_loss": float,
    "train_count": int,
    "total_train_time": float,
}


# ---- what the table drives -------------------------------------------------------------------


def signature(table: Sequence[Param] = WORD2VEC_PARAMS) -> inspect.Signature:
    """The ``__init__`` signature the table declares (``self`` first)."""
    params = [inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
    for p in table:
        kind = (
            inspect.Parameter.KEYWORD_ONLY
            if p.keyword_only
            else inspect.Parameter.POSITIONAL_OR_KEYWORD
        )
        params.append(inspect.Parameter(p.name, kind, default=p.default))
    return inspect.Signature(params)


def declared_init(table: Sequence[Param]) -> Callable[[Callable], Callable]:
    """Give an ``__init__(self, **params)`` the table's signature.

    The wrapper binds its arguments as Python would for that signature (so unknown or
    duplicated arguments are the usual ``TypeError``), accepts each row's gensim 3 name with a
    ``DeprecationWarning``, and passes every parameter, defaults filled in, as keywords.
    """
    sig = signature(table)
    renames = {p.renamed_from: p.name for p in table if p.renamed_from}

    def decorate(init: Callable) -> Callable:
        def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
            for old in renames.keys() & kwargs.keys():
                new = renames[old]
                others = {k: v for k, v in kwargs.items() if k not in renames}
                if new in sig.bind_partial(self, *args, **others).arguments:
                    raise TypeError(
                        f"got both {old!r} (its gensim 3 name) and {new!r}; pass only {new!r}"
                    )
                warnings.warn(
                    f"the parameter {old!r} was renamed {new!r} in gensim 4; use {new!r}",
                    DeprecationWarning,
                    stacklevel=2,
                )
                kwargs[new] = kwargs.pop(old)
            bound = sig.bind(self, *args, **kwargs)
            bound.apply_defaults()
            values = dict(bound.arguments)
            values.pop("self")
            init(self, **values)

        __init__.__signature__ = sig  # type: ignore[attr-defined]
        __init__.__doc__ = init.__doc__
        __init__.__qualname__ = init.__qualname__
        __init__.__module__ = init.__module__
        return __init__

    return decorate


def validate(values: Mapping[str, Any], table: Sequence[Param] = WORD2VEC_PARAMS) -> None:
    """Check every value in ``values`` against its row; raise ``ValueError`` on the first bad one.

    Raises
    ------
    ValueError
        ``"<name> must be <what is allowed>, got <value>"``.
    """
    rows = {p.name: p for p in table}
    for name, value in values.items():
        row = rows.get(name)
        if row is not None:
            row.check(value)


def describe(obj: Any, table: Sequence[Param] = WORD2VEC_PARAMS) -> Dict[str, Any]:
    """The saved parameters of ``obj`` (an object with them as attributes), JSON-safe."""
    return {p.name: p.normalise(getattr(obj, p.name)) for p in table if p.saved}


def defaults(table: Sequence[Param] = WORD2VEC_PARAMS) -> Dict[str, Any]:
    """``{name: default}`` of every row."""
    return {p.name: p.default for p in table}


def cli_params(table: Sequence[Param] = WORD2VEC_PARAMS) -> Tuple[Param, ...]:
    """The rows the command line offers as options."""
    return tuple(p for p in table if p.cli is not None)


def kernel_params(table: Sequence[Param] = WORD2VEC_PARAMS) -> Tuple[Param, ...]:
    """The rows that are fields of the native ``KernelParams``."""
    return tuple(p for p in table if p.kernel)


def numpy_doc(table: Sequence[Param] = WORD2VEC_PARAMS) -> str:
    """The ``Parameters`` section of a numpy docstring, from the rows' docs."""
    lines = ["Parameters", "----------"]
    for p in table:
        lines.append(f"{p.name} : {p.type_doc}")
        text = p.doc[0].upper() + p.doc[1:] + "."
        if p.details:
            text += " " + p.details
        lines.extend(_wrap(text, 88, "    "))
    return "\n".join(lines)


def _wrap(text: str, width: int, indent: str) -> Iterable[str]:
    return textwrap.wrap(text, width=width, initial_indent=indent, subsequent_indent=indent)
