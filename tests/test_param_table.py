"""The parameter table (``w2v.params``) is the one declaration: the signature, the docstring,
validation, saved parameters and the CLI options all follow it.
"""

from __future__ import annotations

import inspect
import math

import numpy as np
import pytest

from w2v import Word2Vec
from w2v.cli import main as cli_main
from w2v.constraints import Interval, Options, check_value
from w2v.params import (
    PARAMS_BY_NAME,
    WORD2VEC_PARAMS,
    cli_params,
    describe,
    kernel_params,
    validate,
)

TINY = [["alpha", "beta", "gamma", "delta"] * 3, ["beta", "gamma", "alpha"] * 4] * 5


def test_signature_is_the_tables():
    sig = inspect.signature(Word2Vec.__init__)
    names = [n for n in sig.parameters if n != "self"]
    assert names == [p.name for p in WORD2VEC_PARAMS]
    for p in WORD2VEC_PARAMS:
        assert sig.parameters[p.name].default is p.default or sig.parameters[p.name].default == (
            p.default
        )
        keyword_only = sig.parameters[p.name].kind is inspect.Parameter.KEYWORD_ONLY
        assert keyword_only == p.keyword_only, p.name


def test_every_default_satisfies_its_own_constraints():
    for p in WORD2VEC_PARAMS:
        p.check(p.default)


def test_docstring_documents_every_parameter():
    doc = Word2Vec.__doc__
    for p in WORD2VEC_PARAMS:
        assert f"\n{p.name} : " in doc, p.name


@pytest.mark.parametrize(
    "name, value",
    [
        ("shrink_windows", "yes"),
        ("shared_negatives", 2),
        ("compute_loss", "no"),
        ("sorted_vocab", 2),
        ("progress", None),
        ("comment", 5),
        ("trim_rule", "keep"),
        ("hashfxn", 3),
        ("callbacks", 7),
        ("noise_weights", "weights"),
        ("window", 2**31),
        ("vector_size", 1.5),
        ("seed", 1.0),
        ("max_vocab_size", 0),
        ("max_final_vocab", True),
        ("sg", 2),
    ],
    ids=repr,
)
def test_every_parameter_is_checked_with_one_message_style(name, value):
    with pytest.raises(ValueError) as err:
        Word2Vec(**{name: value})
    message = str(err.value)
    assert message.startswith(f"{name} must be "), message
    assert message.endswith(f", got {value!r}"), message


@pytest.mark.parametrize(
    "params",
    [
        {"shrink_windows": 0},
        {"shared_negatives": np.bool_(False)},
        {"compute_loss": 1},
        {"sg": True},
        {"seed": -3},
        {"window": np.int64(3)},
        {"alpha": 1},
        {"callbacks": []},
    ],
    ids=repr,
)
def test_values_gensim_users_pass_are_accepted(params):
    model = Word2Vec(**params)
    for name, value in params.items():
        assert getattr(model, name) == value or name == "callbacks"


def test_constraint_descriptions():
    assert Interval(int, 1, None).describe() == "an int in the range [1, inf)"
    assert Interval(float, 0, None, open_low=True).describe() == (
        "a finite number in the range (0, inf)"
    )
    assert Options((0, 1)).describe() == "one of 0, 1"
    with pytest.raises(ValueError, match=r"^x must be an int in the range \[0, 3\], got 4$"):
        check_value("x", 4, Interval(int, 0, 3))
    check_value("x", math.pi, Interval(float, None, None))


def test_validate_ignores_names_outside_the_table():
    validate({"not_a_parameter": object(), "window": 3})


def test_saved_params_are_the_saved_rows_in_plain_types():
    model = Word2Vec(sg=np.int64(1), shrink_windows=0, alpha=np.float32(0.5), workers=1)
    saved = describe(model)
    assert list(saved) == [p.name for p in WORD2VEC_PARAMS if p.saved]
    assert saved["sg"] == 1 and type(saved["sg"]) is int
    assert saved["shrink_windows"] is False
    assert type(saved["alpha"]) is float


def test_saved_params_round_trip(tmp_path):
    model = Word2Vec(TINY, min_count=1, vector_size=8, workers=1, epochs=1, window=3, sg=1)
    path = tmp_path / "m.w2v"
    model.save(path)
    again = Word2Vec.load(path)
    assert describe(again) == describe(model)


def test_kernel_rows_are_fields_of_the_native_kernel_params():
    from w2v import _core

    fields = {n for n in dir(_core.KernelParams) if not n.startswith("_")}
    for p in kernel_params():
        assert p.name in fields, f"KernelParams has no field {p.name!r}"


def test_every_cli_row_is_an_option_of_train(capsys):
    with pytest.raises(SystemExit):
        cli_main(["train", "--help"])
    text = capsys.readouterr().out
    for p in cli_params():
        assert p.option in text, p.option
    assert PARAMS_BY_NAME["vector_size"].option_aliases == ("--size",)
    assert "--size" in text and "--iter" in text
