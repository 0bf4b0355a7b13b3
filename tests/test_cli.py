"""The ``w2v`` command, run as a real console script in a subprocess.

One small model is trained on the demo corpus per module (2 epochs, 20 dimensions) and every
command is run against it; the error paths check the exit status (1 runtime, 2 usage) and the
one-line message. Everything stays small so that the file runs in well under 90 s on 2 cores.
"""

from __future__ import annotations

import gzip
import importlib.util
import json
import os
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace
from typing import List, Optional, Sequence, Tuple

import numpy as np
import pytest

import w2v
from w2v.params import cli_params, describe

# The console script of the environment running the tests (the first `w2v` on PATH may be
# another environment's, testing another checkout).
W2V = shutil.which("w2v", path=str(Path(sys.executable).parent))
COMMAND: List[str] = [W2V] if W2V else [sys.executable, "-m", "w2v"]
DIM = 20
HAVE_MATPLOTLIB = importlib.util.find_spec("matplotlib") is not None
# One BLAS/OpenMP thread per child: the commands' numeric work is small, and thread pools
# only add start-up time on a busy machine.
ENV = {
    **os.environ,
    "COLUMNS": "120",
    "PYTHONWARNINGS": "ignore",
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
}

ANALOGIES = """\
: family
man woman king queen
man woman he she
he she his her
brother sister father mother
husband wife father mother
boy girl brother sister
: capitals
london england paris france
: unknown words
foo bar baz qux
"""

PAIRS = """\
# word1\tword2\thuman score
day\tnight\t8.0
man\twoman\t8.3
father\tmother\t9.0
ship\tboat\t8.5
whale\tnight\t1.0
holmes\tqueen\t2.0
door\twindow\t6.5
zzqx\tday\t5.0
"""


def run(
    *args: str,
    code: Optional[int] = 0,
    stdin: Optional[bytes] = None,
    cmd: Sequence[str] = COMMAND,
) -> subprocess.CompletedProcess:
    """Run the console script; check the exit status unless ``code`` is None."""
    proc = subprocess.run(
        [*cmd, *args],
        input=stdin if stdin is not None else b"",
        capture_output=True,
        env=ENV,
        timeout=120,
    )
    proc.stdout = proc.stdout.decode("utf-8", "replace")  # type: ignore[assignment]
    proc.stderr = proc.stderr.decode("utf-8", "replace")  # type: ignore[assignment]
    if code is not None:
        assert proc.returncode == code, (
            f"w2v {' '.join(args)} exited {proc.returncode}, expected {code}\n"
            f"stdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
        )
    return proc


def run_all(
    cases: Sequence[Tuple[Sequence[str], str]], code: int
) -> List[Tuple[Sequence[str], str, subprocess.CompletedProcess]]:
    """Run independent commands concurrently (start-up dominates): (args, message, process)."""
    with ThreadPoolExecutor(max_workers=3) as pool:
        procs = list(pool.map(lambda case: run(*case[0], code=code), cases))
    return [(args, message, proc) for (args, message), proc in zip(cases, procs)]


def error_line(proc: subprocess.CompletedProcess) -> str:
    """The last stderr line, after checking there is no traceback."""
    assert "Traceback" not in proc.stderr, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert lines, "no message on stderr"
    return lines[-1]


# ---- fixtures ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("cli")


@pytest.fixture(scope="module")
def demo() -> str:
    return w2v.datasets.demo_path()


@pytest.fixture(scope="module")
def small(work: Path, demo: str) -> Path:
    """The first 3000 paragraphs of the demo corpus (about 200k words), plain text."""
    with gzip.open(demo, "rt", encoding="utf-8") as f:
        lines = [next(f) for _ in range(3000)]
    path = work / "small.txt"
    path.write_text("".join(lines), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def trained(work: Path, demo: str) -> SimpleNamespace:
    """A model trained by ``w2v train`` on the whole demo corpus, with the loss recorded."""
    path = work / "model.w2v"
    proc = run(
        "train",
        demo,
        "-o",
        str(path),
        "--epochs",
        "2",
        "--vector-size",
        str(DIM),
        "--min-count",
        "5",
        "--workers",
        "2",
        "--compute-loss",
        "--seed",
        "3",
    )
    return SimpleNamespace(path=str(path), proc=proc, kv=w2v.KeyedVectors.load(str(path)))


@pytest.fixture(scope="module")
def text_vectors(work: Path, trained: SimpleNamespace) -> str:
    path = work / "vectors.txt"
    run("convert", trained.path, str(path), "--to", "word2vec-text")
    return str(path)


@pytest.fixture(scope="module")
def eval_files(work: Path) -> SimpleNamespace:
    analogies = work / "analogies.txt"
    analogies.write_text(ANALOGIES, encoding="utf-8")
    pairs = work / "pairs.tsv"
    pairs.write_text(PAIRS, encoding="utf-8")
    return SimpleNamespace(analogies=str(analogies), pairs=str(pairs))


def image(path: Path) -> np.ndarray:
    """The picture at ``path`` as an RGB array (checking it is a PNG)."""
    Image = pytest.importorskip("PIL.Image")
    with Image.open(path) as im:
        assert im.format == "PNG"
        return np.asarray(im.convert("RGB"))


def assert_not_blank(pixels: np.ndarray) -> None:
    colours = np.unique(pixels.reshape(-1, 3), axis=0)
    assert len(colours) > 20, "the picture is (nearly) blank"
    # Something is drawn beyond the white background and the black frame.
    coloured = np.abs(pixels.astype(int) - pixels.mean(axis=2, keepdims=True)).max(axis=2) > 40
    assert coloured.mean() > 0.001, "nothing coloured in the picture"


# ---- train ---------------------------------------------------------------------------------


def test_train_logs_progress_when_stderr_is_not_a_terminal(trained: SimpleNamespace) -> None:
    err = trained.proc.stderr
    assert "INFO" in err and "EPOCH 1:" in err and "EPOCH 2:" in err
    assert "w2v: trained CBOW on 1,58" in err
    assert "loss per epoch" in err
    assert trained.proc.stdout == ""
    model = w2v.Word2Vec.load(trained.path)
    assert model.vector_size == DIM and model.epochs == 2 and model.seed == 3
    assert len(model.loss_history) == 2
    assert len(model.wv) > 10000


def test_train_progress_bar_quiet_and_formats(work: Path, small: Path) -> None:
    pytest.importorskip("tqdm")
    out = work / "bar.bin"
    proc = run(
        "train",
        str(small),
        "-o",
        str(out),
        "--epochs",
        "1",
        "--vector-size",
        "10",
        "--sg",
        "--progress",
        "bar",
    )
    assert "epoch 1/1" in proc.stderr and "%|" in proc.stderr and "word/s" in proc.stderr
    assert "EPOCH 1:" not in proc.stderr  # bars replace the INFO lines
    kv = w2v.KeyedVectors.load_word2vec_format(str(out), binary=True)  # .bin: binary
    assert kv.vector_size == 10
    quiet = run(
        "train",
        str(small),
        "-o",
        str(work / "quiet.w2v"),
        "--epochs",
        "1",
        "--vector-size",
        "10",
        "--quiet",
        "--hs",
        "--negative",
        "0",
    )
    assert quiet.stderr == "" and quiet.stdout == ""
    model = w2v.Word2Vec.load(str(work / "quiet.w2v"))
    assert model.hs == 1 and model.negative == 0 and model.sg == 0


def test_train_from_stdin_compressed_or_not(work: Path, small: Path) -> None:
    data = small.read_bytes()
    for name, payload in (("plain", data), ("gzip", gzip.compress(data, compresslevel=1))):
        out = work / f"stdin-{name}.txt"
        run(
            "train", "-", "-o", str(out), "--epochs", "1", "--vector-size", "8", "-q", stdin=payload
        )
        count, dim = out.read_text(encoding="utf-8").split("\n", 1)[0].split()
        assert int(dim) == 8 and int(count) > 1000


def test_train_directory_and_text8_layout(work: Path, small: Path) -> None:
    lines = small.read_text(encoding="utf-8").splitlines(keepends=True)
    folder = work / "parts"
    folder.mkdir()
    (folder / "a.txt").write_text("".join(lines[:1500]), encoding="utf-8")
    (folder / "b.txt").write_text("".join(lines[1500:]), encoding="utf-8")
    (folder / ".hidden").write_text("ignored ignored ignored\n" * 10, encoding="utf-8")
    for layout in ("lines", "text8"):
        out = work / f"dir-{layout}.w2v"
        run(
            "train",
            str(folder),
            "-o",
            str(out),
            "--epochs",
            "1",
            "--vector-size",
            "8",
            "-q",
            "--corpus-format",
            layout,
        )
        model = w2v.Word2Vec.load(str(out))
        assert model.corpus_total_words == sum(len(x.split()) for x in lines)
        assert "ignored" not in model.wv


# ---- queries -------------------------------------------------------------------------------


def test_similar_text_and_json(trained: SimpleNamespace) -> None:
    text = run("similar", trained.path, "holmes", "night", "--topn", "4").stdout
    blocks = text.strip().split("\n\n")
    assert [b.splitlines()[0] for b in blocks] == ["holmes", "night"]
    expected = trained.kv.most_similar("holmes", topn=4)
    rows = [line.split() for line in blocks[0].splitlines()[1:]]
    assert [r[0] for r in rows] == [w for w, _ in expected]
    assert [float(r[1]) for r in rows] == pytest.approx([s for _, s in expected], abs=1e-4)

    data = json.loads(
        run("similar", trained.path, "holmes", "night", "--topn", "4", "--json").stdout
    )
    assert list(data) == ["holmes", "night"]
    assert [d["word"] for d in data["holmes"]] == [w for w, _ in expected]
    sims = [d["similarity"] for d in data["night"]]
    assert len(sims) == 4 and sims == sorted(sims, reverse=True) and "night" not in data["night"]


def test_analogy(trained: SimpleNamespace) -> None:
    out = run("analogy", trained.path, "man", "king", "woman").stdout.splitlines()
    assert out[0] == "man is to king as woman is to ..."
    assert len(out) == 6
    data = json.loads(
        run("analogy", trained.path, "man", "king", "woman", "--json", "--topn", "3").stdout
    )
    expected = trained.kv.most_similar(positive=["king", "woman"], negative=["man"], topn=3)
    assert (data["a"], data["b"], data["c"]) == ("man", "king", "woman")
    assert [r["word"] for r in data["results"]] == [w for w, _ in expected]


def test_evaluate_table_and_json(trained: SimpleNamespace, eval_files: SimpleNamespace) -> None:
    args = (
        "evaluate",
        trained.path,
        "--analogies",
        eval_files.analogies,
        "--pairs",
        eval_files.pairs,
    )
    text = run(*args).stdout
    assert "section" in text and "correct" in text and "accuracy" in text
    assert "family" in text and "capitals" in text and "Total accuracy" in text
    assert "Pearson" in text and "Spearman" in text and "out of vocabulary" in text

    report = json.loads(run(*args, "--json").stdout)
    score, sections = trained.kv.evaluate_word_analogies(eval_files.analogies)
    assert report["analogies"]["score"] == pytest.approx(score)
    got = {s["section"]: (s["correct"], s["total"]) for s in report["analogies"]["sections"]}
    want = {
        s["section"]: (len(s["correct"]), len(s["correct"]) + len(s["incorrect"])) for s in sections
    }
    assert got == want and got["family"][1] == 6
    pearson, spearman, oov = trained.kv.evaluate_word_pairs(eval_files.pairs)
    assert report["pairs"]["pearson"] == pytest.approx(float(pearson[0]))
    assert report["pairs"]["spearman"] == pytest.approx(float(spearman[0]))
    assert report["pairs"]["oov_ratio"] == pytest.approx(oov) and oov > 0


def test_convert_round_trip(work: Path, trained: SimpleNamespace, text_vectors: str) -> None:
    binary = work / "vectors.bin"
    back = work / "back.w2v"
    run("convert", text_vectors, str(binary))  # format from the extension
    run("convert", str(binary), str(back), "--to", "w2v")
    from_text = w2v.KeyedVectors.load_word2vec_format(text_vectors)
    from_bin = w2v.KeyedVectors.load_word2vec_format(str(binary), binary=True)
    again = w2v.KeyedVectors.load(str(back))
    assert from_text.index_to_key == trained.kv.index_to_key == again.index_to_key
    np.testing.assert_allclose(from_text.vectors, trained.kv.vectors, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(from_bin.vectors, from_text.vectors)
    np.testing.assert_array_equal(again.vectors, from_bin.vectors)
    # A gzip-compressed text file under a name that does not say so is still recognised.
    hidden = work / "vectors-gz"
    hidden.write_bytes(gzip.compress(Path(text_vectors).read_bytes(), compresslevel=1))
    run("convert", str(hidden), str(work / "first100.txt"), "--limit", "100")
    head = (work / "first100.txt").read_text(encoding="utf-8").splitlines()
    assert head[0] == f"100 {DIM}" and len(head) == 101


def test_info_text_and_json(trained: SimpleNamespace, text_vectors: str) -> None:
    text = run("info", trained.path).stdout
    assert f"{len(trained.kv):,} words" in text
    assert "w2v model" in text and "CBOW" in text and "loss" in text and "epochs" in text
    info = json.loads(run("info", trained.path, "--json").stdout)
    assert info["vocabulary_size"] == len(trained.kv) and info["vector_size"] == DIM
    assert info["parameters"]["epochs"] == 2 and info["parameters"]["seed"] == 3
    assert len(info["loss_history"]) == 2 and info["most_frequent"][0]["word"] == "the"
    info = json.loads(run("info", text_vectors, "--json").stdout)
    assert info["format"] == "word2vec-text" and info["vocabulary_size"] == len(trained.kv)
    assert "most_frequent" not in info and "loss_history" not in info


def test_info_parameters_are_the_saved_ones(trained: SimpleNamespace) -> None:
    info = json.loads(run("info", trained.path, "--json").stdout)
    model = w2v.Word2Vec.load(trained.path)
    want = dict(describe(model))
    assert info["parameters"].pop("effective_min_count") == model.effective_min_count
    assert info["parameters"] == want and want["vector_size"] == DIM


def test_train_options_come_from_the_parameter_table() -> None:
    from w2v.cli.parser import build_parser, cpu_count

    parser = build_parser()
    args = parser.parse_args(["train", "corpus.txt", "-o", "model.w2v"])
    for p in cli_params():
        assert getattr(args, p.name) == (cpu_count() if p.name == "workers" else p.default)
    args = parser.parse_args(
        ["train", "c", "-o", "m", "--size", "7", "--iter", "3", "--sg", "--hs", "0"]
        + ["--no-shrink-windows", "--compute-loss", "--max-vocab-size", "100", "--alpha", "0.5"]
    )
    assert (args.vector_size, args.epochs, args.sg, args.hs) == (7, 3, 1, 0)
    assert (args.shrink_windows, args.compute_loss) == (False, True)
    assert (args.max_vocab_size, args.alpha) == (100, 0.5)
    demo_args = parser.parse_args(["demo", "--epochs", "2"])
    assert (demo_args.epochs, demo_args.workers) == (2, cpu_count())
    assert not hasattr(demo_args, "sg")  # demo trains skip-gram, always


def test_json_output_is_strict(capsys: pytest.CaptureFixture) -> None:
    from w2v.cli.common import print_json

    print_json({"nan": float("nan"), "inf": np.float32("inf"), "x": np.float64(0.5)})
    assert json.loads(capsys.readouterr().out) == {"nan": None, "inf": None, "x": 0.5}


def test_demo(work: Path) -> None:
    out = work / "demo.w2v"
    proc = run("demo", "--epochs", "1", "--workers", "2", "-o", str(out), "--topn", "3")
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("nearest neighbours")
    assert {line.split()[0] for line in lines[1:]} == {"holmes", "whale", "king", "london", "night"}
    assert w2v.Word2Vec.load(str(out)).sg == 1


def test_python_dash_m(trained: SimpleNamespace) -> None:
    proc = run("--version", cmd=[sys.executable, "-m", "w2v"])
    assert proc.stdout.strip() == f"w2v {w2v.__version__}"


# ---- plots and export --------------------------------------------------------------------


def test_plot_loss(work: Path, trained: SimpleNamespace) -> None:
    pytest.importorskip("matplotlib")
    out = work / "loss.png"
    run("plot", "loss", trained.path, "-o", str(out), "--size", "640x400")
    pixels = image(out)
    assert pixels.shape == (400, 640, 3)
    assert_not_blank(pixels)


@pytest.mark.parametrize("method", ["pca", "tsne"])
def test_plot_map(work: Path, trained: SimpleNamespace, method: str) -> None:
    pytest.importorskip("matplotlib")
    if method == "tsne":
        pytest.importorskip("sklearn")
    out = work / f"map-{method}.png"
    run(
        "plot",
        "map",
        trained.path,
        "--words",
        "holmes",
        "whale",
        "night",
        "--neighbours",
        "5",
        "--method",
        method,
        "-o",
        str(out),
        "--size",
        "800x600",
    )
    pixels = image(out)
    assert pixels.shape == (600, 800, 3)
    assert_not_blank(pixels)


def test_export_projector(work: Path, trained: SimpleNamespace, text_vectors: str) -> None:
    out = work / "projector"
    run("export", "projector", trained.path, str(out))
    vectors = (out / "vectors.tsv").read_text(encoding="utf-8").splitlines()
    metadata = (out / "metadata.tsv").read_text(encoding="utf-8").splitlines()
    n = len(trained.kv)
    assert len(vectors) == n and all(len(v.split("\t")) == DIM for v in vectors[:50])
    assert metadata[0] == "word\tcount" and len(metadata) == n + 1  # a header row, then words
    assert [m.split("\t")[0] for m in metadata[1:]] == trained.kv.index_to_key
    np.testing.assert_allclose(
        np.array(vectors[1].split("\t"), dtype=np.float32), trained.kv.vectors[1], rtol=1e-5
    )
    plain = work / "projector-plain"
    run("export", "projector", text_vectors, str(plain), "--limit", "500")
    metadata = (plain / "metadata.tsv").read_text(encoding="utf-8").splitlines()
    assert metadata == trained.kv.index_to_key[:500]  # no counts: one column, no header
    assert len((plain / "vectors.tsv").read_text(encoding="utf-8").splitlines()) == 500


# ---- errors --------------------------------------------------------------------------------


def test_runtime_errors_exit_1_with_one_line(
    work: Path, trained: SimpleNamespace, text_vectors: str, eval_files: SimpleNamespace
) -> None:
    junk = work / "junk.txt"
    junk.write_text("this is not a model\n", encoding="utf-8")
    pickle_file = work / "gensim.model"
    pickle_file.write_bytes(b"\x80\x04\x95" + b"\0" * 20)
    bad_zip = work / "bad.w2v"
    bad_zip.write_bytes(b"PK\x03\x04" + b"\0" * 40)
    truncated = work / "truncated.bin"
    truncated.write_bytes(b"10 20\nthe " + b"\0" * 30)
    empty = work / "empty.txt"
    empty.write_text("", encoding="utf-8")
    missing = str(work / "missing.w2v")
    no_loss = work / "noloss.w2v"
    cases = [
        (("similar", missing, "holmes"), "no such model file"),
        (("similar", trained.path, "holmes", "qqqzzz"), "'qqqzzz' is not in the vocabulary"),
        (("similar", trained.path, "Holmes"), "did you mean 'holmes'?"),
        (("info", str(junk)), "not a model file"),
        (("info", str(pickle_file)), "pickle"),
        (("info", str(bad_zip)), "not a valid w2v model file"),
        # A malformed file's own error names it (MalformedFileError), said once.
        (("similar", str(truncated), "the"), f"{truncated}: unexpected end of data"),
        (("info", str(work)), "is a directory"),
        (("train", str(work / "nope.txt"), "-o", str(no_loss)), "no such corpus file"),
        (("train", str(empty), "-o", str(no_loss)), "empty"),
        (("train", str(junk), "-o", str(work / "no" / "dir.w2v")), "no such directory"),
        (("evaluate", trained.path, "--pairs", str(work / "nope.tsv")), "no such word pairs"),
        (("export", "projector", trained.path, str(junk)), "not a directory"),
    ]
    if HAVE_MATPLOTLIB:  # else the plots fail earlier, naming the missing extra
        cases += [
            (("plot", "loss", text_vectors, "-o", str(work / "x.png")), "only word vectors"),
            (
                ("plot", "map", trained.path, "--words", "qqqzzz", "-o", str(work / "x.png")),
                "not in the vocabulary",
            ),
        ]
    for args, message, proc in run_all(cases, code=1):
        line = error_line(proc)
        assert line.startswith("w2v: error: ") and message in line, (args, proc.stderr)
        assert proc.stdout == ""
    assert not no_loss.exists()


def test_plot_loss_needs_a_recorded_loss(work: Path, small: Path) -> None:
    pytest.importorskip("matplotlib")
    model = work / "trained-without-loss.w2v"
    run("train", str(small), "-o", str(model), "--epochs", "1", "--vector-size", "8", "-q")
    line = error_line(run("plot", "loss", str(model), "-o", str(work / "l.png"), code=1))
    assert "no loss history" in line and "--compute-loss" in line


def test_missing_plot_extra_is_named(trained: SimpleNamespace, work: Path) -> None:
    # Hide matplotlib from the child process: the message must name the extra to install.
    code = (
        "import sys; sys.modules['matplotlib'] = None; from w2v.cli import main; "
        "sys.exit(main(sys.argv[1:]))"
    )
    proc = run(
        "plot",
        "map",
        trained.path,
        "--words",
        "holmes",
        "-o",
        str(work / "m.png"),
        code=1,
        cmd=[sys.executable, "-c", code],
    )
    assert "pip install 'w2v[plot]'" in error_line(proc)


def test_usage_errors_exit_2(trained: SimpleNamespace, small: Path, work: Path) -> None:
    out = str(work / "usage.w2v")
    cases = [
        ((), "required"),
        (("train", str(small)), "-o/--output"),
        (("train", str(small), "-o", out, "--vector-size", "0"), "vector_size must be"),
        (("train", str(small), "-o", out, "--sg", "2"), "expected 0 or 1"),
        (("train", "-", "-", "-o", out), "only once"),
        (("similar", trained.path, "holmes", "--topn", "0"), "positive integer"),
        (("evaluate", trained.path), "--analogies"),
        (("plot", "map", trained.path, "--words", "holmes", "--size", "10x10"), "pixels"),
        (("plot",), "required"),
    ]
    for args, message, proc in run_all(cases, code=2):
        assert "Traceback" not in proc.stderr
        assert proc.stderr.startswith("usage: w2v"), proc.stderr
        assert "error:" in proc.stderr and message in proc.stderr, (args, proc.stderr)
    assert not os.path.exists(out)


def test_debug_shows_the_traceback(work: Path) -> None:
    proc = run("info", str(work / "missing.w2v"), "--debug", code=1)
    assert "Traceback" in proc.stderr and "CommandError" in proc.stderr
