"""``w2v similar``, ``w2v analogy`` and ``w2v evaluate``: questions asked of the vectors;
``w2v index``: the nearest-neighbour index that makes ``similar`` fast on big vocabularies."""

from __future__ import annotations

import argparse
from typing import Any, Dict, List, Optional, Sequence, Tuple

from w2v.ann import FaissIndex
from w2v.cli.common import UsageError, check_input_file, one_line, print_json, say
from w2v.cli.models import load_model, load_vectors, output_format
from w2v.keyedvectors import KeyedVectors

Neighbours = Sequence[Tuple[str, float]]


def cmd_similar(args: argparse.Namespace) -> int:
    """``w2v similar``: nearest neighbours of words (from the file's index if it has one)."""
    kv = load_vectors(args, args.words)
    index = None if args.exact or args.restrict_vocab else _usable_index(args, kv)
    if index is not None:
        results = {w: _approximate_neighbours(kv, index, w, args.topn) for w in args.words}
    else:
        results = {
            w: kv.most_similar(w, topn=args.topn, restrict_vocab=args.restrict_vocab)
            for w in args.words
        }
    if args.json:
        print_json({w: _neighbour_rows(r) for w, r in results.items()})
        return 0
    for i, (w, r) in enumerate(results.items()):
        if i:
            print()
        _print_neighbours(w, r)
    return 0


def _usable_index(args: argparse.Namespace, kv: KeyedVectors) -> Optional[FaissIndex]:
    """The vectors' nearest-neighbour index, ready to query; None (with a note saying why)
    when there is none or it cannot be used."""
    index = kv.ann_index
    if index is None:
        return None
    try:
        index.index  # noqa: B018 -- deserialises it, or raises
    except (ImportError, ValueError) as exc:
        say(args, f"not using the saved index ({one_line(exc)}); searching exactly")
        return None
    say(args, f"approximate neighbours from the saved {index.kind} index (--exact: exact search)")
    return index


def _approximate_neighbours(
    kv: KeyedVectors, index: FaissIndex, word: str, topn: int
) -> List[Tuple[Any, float]]:
    """``word``'s ``topn`` nearest words by the index, the word itself left out."""
    found = kv.most_similar(word, topn=topn + 1, indexer=index)
    return [(w, s) for w, s in found if w != word][:topn]


def cmd_index(args: argparse.Namespace) -> int:
    """``w2v index``: build a nearest-neighbour index and save the vectors (or model) with it."""
    loaded = load_model(args.model, args.model_format, full=True)
    output = args.output or (args.model if loaded.format == "w2v" else None)
    if output is None:
        raise UsageError(f"{args.model} is a word2vec file, which cannot hold an index: give -o")
    if output_format(output) != "w2v":
        raise UsageError(f"the index is saved in w2v's archive format, not as {output!r}")
    kv = loaded.kv
    if not loaded.has_counts:
        kv.expandos.pop("count", None)  # do not keep the counts the reader made up
    index = kv.build_index(args.kind)
    (loaded.model or kv).save(output)
    say(
        args,
        f"built an index ({index.kind}) over {len(kv):,} vectors in {index.build_seconds:.1f}s "
        f"({index.nbytes / 2**20:,.0f} MiB); wrote {output}",
    )
    return 0


def cmd_analogy(args: argparse.Namespace) -> int:
    """``w2v analogy``: A is to B as C is to ?"""
    a, b, c = args.a, args.b, args.c
    kv = load_vectors(args, [a, b, c])
    if args.method == "cosmul":
        result = kv.most_similar_cosmul(positive=[b, c], negative=[a], topn=args.topn)
    else:
        result = kv.most_similar(
            positive=[b, c], negative=[a], topn=args.topn, restrict_vocab=args.restrict_vocab
        )
    if args.json:
        print_json({"a": a, "b": b, "c": c, "results": _neighbour_rows(result)})
        return 0
    _print_neighbours(f"{a} is to {b} as {c} is to ...", result)
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    """``w2v evaluate``: analogy accuracy per section and word-pair correlations."""
    if not args.analogies and not args.pairs:
        raise UsageError("give --analogies FILE, --pairs FILE, or both")
    for path, what in ((args.analogies, "analogies"), (args.pairs, "word pairs")):
        if path:
            check_input_file(path, what)
    kv = load_vectors(args)
    report: Dict[str, Any] = {"model": args.model}
    case_insensitive = not args.case_sensitive
    if args.analogies:
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
        print_json(report)
        return 0
    if "analogies" in report:
        _print_analogy_table(report["analogies"])
    if "pairs" in report:
        if "analogies" in report:
            print()
        _print_pairs(report["pairs"])
    return 0


def _neighbour_rows(pairs: Neighbours) -> List[Dict[str, Any]]:
    return [{"word": str(w), "similarity": float(s)} for w, s in pairs]


def _print_neighbours(title: str, pairs: Neighbours) -> None:
    print(title)
    width = max((len(str(w)) for w, _ in pairs), default=0)
    for w, s in pairs:
        print(f"  {str(w):<{width}}  {s:.4f}")


def _print_analogy_table(analogies: Dict[str, Any]) -> None:
    rows = analogies["sections"]
    width = max([len("section")] + [len(r["section"]) for r in rows])
    print(f"analogies ({analogies['file']}):")
    print(f"  {'section':<{width}}  {'correct':>7}  {'total':>7}  {'accuracy':>8}")
    print(f"  {'-' * width}  {'-' * 7}  {'-' * 7}  {'-' * 8}")
    for r in rows:
        acc = "-" if r["accuracy"] is None else f"{100 * r['accuracy']:.1f}%"
        print(f"  {r['section']:<{width}}  {r['correct']:>7}  {r['total']:>7}  {acc:>8}")


def _print_pairs(pairs: Dict[str, Any]) -> None:
    print(f"word pairs ({pairs['file']}):")
    print(f"  Pearson   {pairs['pearson']:.4f}  (p = {pairs['pearson_pvalue']:.3g})")
    print(f"  Spearman  {pairs['spearman']:.4f}  (p = {pairs['spearman_pvalue']:.3g})")
    print(f"  out of vocabulary: {pairs['oov_ratio']:.1f}% of the pairs")
