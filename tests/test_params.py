"""Word2Vec's parameters: gensim 4.4's names and defaults, gensim 3's old names, and clear
errors for bad values or bad corpora, raised before any work is done.
"""

from __future__ import annotations

import inspect
import math
import warnings

import pytest
from gensim.models import Word2Vec as GensimWord2Vec

from w2v import LineSentence, PathLineSentences, Text8Corpus, Word2Vec

TINY = [["alpha", "beta", "gamma", "delta"] * 3, ["beta", "gamma", "alpha"] * 4] * 5


class Watched:
    """A corpus that records whether it was iterated."""

    def __init__(self, sentences=TINY):
        self.sentences = sentences
        self.iterated = 0

    def __iter__(self):
        self.iterated += 1
        return iter(self.sentences)


# ---- names and defaults ---------------------------------------------------------------------


def test_every_gensim_parameter_has_gensims_default():
    mine = inspect.signature(Word2Vec.__init__).parameters
    theirs = inspect.signature(GensimWord2Vec.__init__).parameters
    assert len(theirs) > 25
    for name, param in theirs.items():
        assert name in mine, f"missing gensim parameter {name!r}"
        assert mine[name].default == param.default, name


def test_gensim_parameters_keep_their_positions():
    mine = [n for n, p in inspect.signature(Word2Vec.__init__).parameters.items()]
    theirs = list(inspect.signature(GensimWord2Vec.__init__).parameters)
    assert mine[: len(theirs)] == theirs
    extra = inspect.signature(Word2Vec.__init__).parameters
    for name in mine[len(theirs) :]:
        assert extra[name].kind == inspect.Parameter.KEYWORD_ONLY, name


def test_defaults_are_stored_on_the_model():
    mine, theirs = Word2Vec(), GensimWord2Vec()
    for name in [
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
        "max_final_vocab",
        "shrink_windows",
    ]:
        assert getattr(mine, name) == getattr(theirs, name), name


def test_positional_arguments_like_gensim():
    model = Word2Vec(TINY, None, 12, 0.05, 3, 1)
    assert (model.vector_size, model.alpha, model.window, model.min_count) == (12, 0.05, 3, 1)
    assert model.wv.vectors.shape == (4, 12)


# ---- gensim 3 names -------------------------------------------------------------------------


def test_gensim3_size_and_iter_still_work_with_a_deprecation_warning():
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        model = Word2Vec(TINY, size=16, iter=2, min_count=1, workers=1)
    messages = [str(w.message) for w in record if issubclass(w.category, DeprecationWarning)]
    assert any("vector_size" in m for m in messages), messages
    assert any("epochs" in m for m in messages), messages
    assert model.vector_size == 16
    assert model.epochs == 2
    assert model.wv.vectors.shape[1] == 16


@pytest.mark.parametrize(
    "kwargs",
    [{"size": 10, "vector_size": 10}, {"iter": 2, "epochs": 2}],
    ids=["size", "iter"],
)
def test_both_spellings_are_a_type_error(kwargs):
    corpus = Watched()
    with pytest.raises(TypeError, match="|".join(kwargs)):
        Word2Vec(corpus, min_count=1, **kwargs)
    assert corpus.iterated == 0


def test_positional_vector_size_and_size_keyword_is_a_type_error():
    with pytest.raises(TypeError):
        Word2Vec(None, None, 10, size=12)


def test_new_names_give_no_deprecation_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        Word2Vec(TINY, vector_size=8, epochs=1, min_count=1, workers=1)


# ---- bad values ---------------------------------------------------------------------------

BAD_VALUES = [
    ("vector_size", 0),
    ("vector_size", -5),
    ("vector_size", 2.5),
    ("window", 0),
    ("window", -1),
    ("min_count", -1),
    ("negative", -1),
    ("hs", 2),
    ("hs", -1),
    ("sg", 2),
    ("sg", -1),
    ("alpha", 0),
    ("alpha", -0.01),
    ("alpha", math.nan),
    ("alpha", math.inf),
    ("min_alpha", 0),
    ("min_alpha", -1e-4),
    ("min_alpha", math.nan),
    ("min_alpha", math.inf),
    ("workers", 0),
    ("workers", -2),
    ("sample", -1e-3),
    ("sample", math.nan),
    ("epochs", 0),
    ("epochs", -1),
    ("ns_exponent", math.nan),
    ("ns_exponent", math.inf),
    ("ns_exponent", -math.inf),
]


@pytest.mark.parametrize("name, value", BAD_VALUES, ids=lambda v: repr(v))
def test_bad_value_is_a_value_error_naming_the_parameter(name, value):
    corpus = Watched()
    with pytest.raises(ValueError, match=name):
        Word2Vec(corpus, **{"min_count": 1, name: value})
    assert corpus.iterated == 0, "the corpus was read before the parameters were checked"
    with pytest.raises(ValueError, match=name):
        Word2Vec(**{name: value})


def test_no_training_objective_is_a_value_error_naming_both():
    corpus = Watched()
    with pytest.raises(ValueError, match="negative") as err:
        Word2Vec(corpus, negative=0, hs=0)
    assert "hs" in str(err.value)
    assert corpus.iterated == 0


@pytest.mark.parametrize(
    "params",
    [{"negative": 0, "hs": 1}, {"sample": 0}, {"min_count": 0}, {"ns_exponent": -0.5}],
    ids=repr,
)
def test_edge_values_that_are_valid(params):
    params = {"vector_size": 8, "workers": 1, "epochs": 1, **params}
    model = Word2Vec(TINY, **params)
    assert len(model.wv) == 4


@pytest.mark.parametrize(
    "kwargs",
    [{"start_alpha": math.nan}, {"start_alpha": 0.0}, {"end_alpha": -1.0}, {"end_alpha": math.inf}],
    ids=repr,
)
def test_train_checks_its_learning_rates(kwargs):
    model = Word2Vec(vector_size=8, min_count=1)
    model.build_vocab(TINY)
    corpus = Watched()
    with pytest.raises(ValueError, match=next(iter(kwargs))):
        model.train(corpus, total_examples=10, epochs=1, **kwargs)
    assert corpus.iterated == 0


def test_rejected_train_call_leaves_the_model_usable():
    model = Word2Vec(vector_size=8, min_count=1, workers=1)
    model.build_vocab(TINY)
    with pytest.raises(ValueError):
        model.train(TINY, total_examples=10, epochs=1, start_alpha=math.nan)
    with pytest.raises(ValueError):
        model.train(TINY, total_examples=10, epochs=1, end_alpha=-1.0)
    # The bad learning rates were refused, not stored: a correct call trains normally.
    assert (model.alpha, model.min_alpha) == (0.025, 0.0001)
    model.train(TINY, total_examples=len(TINY), epochs=1)


# ---- train()'s required counts: gensim's errors ----------------------------------------------


def _both_models():
    mine = Word2Vec(vector_size=8, min_count=1, workers=1)
    mine.build_vocab(TINY)
    theirs = GensimWord2Vec(vector_size=8, min_count=1, workers=1)
    theirs.build_vocab(TINY)
    return mine, theirs


@pytest.mark.parametrize(
    "kwargs, phrase",
    [
        ({"epochs": 1}, "total_examples or total_words"),
        ({"total_examples": 10}, "epochs"),
        ({"total_examples": 10, "epochs": 0}, "epochs"),
    ],
    ids=["no_counts", "no_epochs", "zero_epochs"],
)
def test_train_missing_counts_or_epochs_raises_gensims_error(kwargs, phrase):
    mine, theirs = _both_models()
    with pytest.raises(Exception) as their_err:
        theirs.train(TINY, **kwargs)
    corpus = Watched()
    with pytest.raises(their_err.type, match=phrase) as my_err:
        mine.train(corpus, **kwargs)
    assert phrase in str(their_err.value)
    assert corpus.iterated == 0
    assert isinstance(my_err.value, ValueError)


def test_train_corpus_file_needs_total_words(small_txt):
    mine = Word2Vec(vector_size=8, workers=1)
    mine.build_vocab(corpus_file=small_txt)
    theirs = GensimWord2Vec(vector_size=8, workers=1)
    theirs.build_vocab(corpus_file=small_txt)
    with pytest.raises(ValueError, match="total_words") as their_err:
        theirs.train(corpus_file=small_txt, total_examples=theirs.corpus_count, epochs=1)
    with pytest.raises(ValueError, match="total_words") as my_err:
        mine.train(corpus_file=small_txt, total_examples=mine.corpus_count, epochs=1)
    assert str(my_err.value) == str(their_err.value)


def test_train_before_build_vocab_is_a_runtime_error_like_gensim():
    with pytest.raises(RuntimeError, match="vocabulary"):
        GensimWord2Vec(vector_size=8).train(TINY, total_examples=10, epochs=1)
    with pytest.raises(RuntimeError, match="vocabulary"):
        Word2Vec(vector_size=8).train(TINY, total_examples=10, epochs=1)


def test_corpus_and_corpus_file_together_is_a_type_error(small_txt):
    with pytest.raises(TypeError, match="corpus_file"):
        Word2Vec(TINY, corpus_file=small_txt)


# ---- bad corpora ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "corpus", [[], [[]], [[], [], []]], ids=["no_sentences", "one_empty", "all_empty"]
)
def test_empty_corpus_says_it_is_empty(corpus):
    with pytest.raises(ValueError, match="empty"):
        Word2Vec(corpus, vector_size=8)
    model = Word2Vec(vector_size=8)
    with pytest.raises(ValueError, match="empty"):
        model.build_vocab(corpus)


def test_empty_corpus_file_says_it_is_empty(tmp_path):
    path = tmp_path / "empty.txt"
    path.write_bytes(b"\n\n")
    with pytest.raises(ValueError, match="empty"):
        Word2Vec(corpus_file=str(path), vector_size=8)


@pytest.mark.parametrize("min_count", [5, 100])
def test_no_word_reaching_min_count_names_min_count(min_count):
    corpus = [["alpha", "beta"], ["alpha", "gamma"]]
    with pytest.raises(ValueError, match="min_count") as err:
        Word2Vec(corpus, vector_size=8, min_count=min_count)
    assert str(min_count) in str(err.value)


def test_no_word_reaching_min_count_in_a_file(tmp_path):
    path = tmp_path / "rare.txt"
    path.write_text("every word here is different\n")
    with pytest.raises(ValueError, match="min_count"):
        Word2Vec(LineSentence(str(path)), vector_size=8)


def test_trim_rule_discarding_everything_names_min_count():
    with pytest.raises(ValueError, match="min_count"):
        Word2Vec(TINY, vector_size=8, min_count=1, trim_rule=lambda w, c, m: 1)


@pytest.mark.parametrize(
    "corpus",
    [
        ["the first sentence", "the second sentence"],
        [["fine", "tokens"], "a plain string"],
        [b"bytes sentence".split(), b"raw bytes"],
    ],
    ids=["all_strings", "one_string", "bytes"],
)
def test_sentence_given_as_a_string_is_a_type_error(corpus):
    with pytest.raises(TypeError, match="(?i)string|str"):
        Word2Vec(corpus, vector_size=8, min_count=1)


def test_sentence_as_string_in_train_is_a_type_error():
    model = Word2Vec(vector_size=8, min_count=1)
    model.build_vocab(TINY)
    with pytest.raises(TypeError, match="(?i)string"):
        model.train(["alpha beta gamma"] * 3, total_examples=3, epochs=1)


def test_corpus_given_as_a_string_is_a_type_error(small_txt):
    with pytest.raises(TypeError, match="corpus_file"):
        Word2Vec(small_txt, vector_size=8)


def test_non_str_tokens_are_a_type_error():
    with pytest.raises(TypeError, match="str"):
        Word2Vec([["alpha", 3, "beta"]], vector_size=8, min_count=1)


# ---- missing files ------------------------------------------------------------------------


def test_missing_corpus_file_names_the_path(tmp_path):
    missing = str(tmp_path / "no" / "such_corpus.txt")
    for call in (
        lambda: Word2Vec(corpus_file=missing),
        lambda: Word2Vec(vector_size=8).build_vocab(corpus_file=missing),
        lambda: LineSentence(missing),
        lambda: PathLineSentences(missing),
        lambda: Text8Corpus(missing),
    ):
        with pytest.raises(FileNotFoundError, match="such_corpus.txt") as err:
            call()
        assert missing in str(err.value)


def test_missing_corpus_file_in_train_names_the_path(tmp_path, small_txt):
    model = Word2Vec(vector_size=8)
    model.build_vocab(corpus_file=small_txt)
    missing = str(tmp_path / "gone.txt")
    with pytest.raises(FileNotFoundError, match="gone.txt"):
        model.train(corpus_file=missing, total_words=model.corpus_total_words, epochs=1)


def test_corpus_file_deleted_after_linesentence_was_made(tmp_path):
    path = tmp_path / "vanishing.txt"
    path.write_text("a b c\n" * 20)
    corpus = LineSentence(str(path))
    path.unlink()
    with pytest.raises(FileNotFoundError, match="vanishing.txt"):
        Word2Vec(corpus, vector_size=8, min_count=1)
