"""Export word vectors for the TensorFlow Embedding Projector.

The projector (a web page) loads two tab-separated files: ``vectors.tsv`` with one vector per
row and ``metadata.tsv`` with the matching labels. Open the projector, choose *Load*, and give
it both files.
"""

from __future__ import annotations

import os
from typing import Any, List, Optional, Tuple

import numpy as np

VECTORS_FILE = "vectors.tsv"
METADATA_FILE = "metadata.tsv"

_ESCAPES = {"\t": "\\t", "\n": "\\n", "\r": "\\r", "\\": "\\\\"}


def _label(key: Any) -> str:
    """A key as one TSV cell: tabs, newlines and other control characters are escaped."""
    text = str(key)
    if text.isprintable() and "\\" not in text:
        return text if text else '""'
    out = []
    for ch in text:
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif not ch.isprintable() and ch != " ":
            out.append(f"\\x{ord(ch):02x}" if ord(ch) < 256 else f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return "".join(out)


def export_projector(
    vectors: Any, directory: str, limit: Optional[int] = None, with_counts: bool = True
) -> Tuple[str, str]:
    """Write ``vectors.tsv`` and ``metadata.tsv`` for the Embedding Projector.

    Parameters
    ----------
    vectors : KeyedVectors or Word2Vec
        The vectors to export (a model's ``wv`` is used).
    directory : str
        Output directory, created if missing; existing files of the same names are replaced.
    limit : int, optional
        Export only the first ``limit`` keys (the most frequent ones in a sorted vocabulary).
    with_counts : bool
        If the vectors carry word counts, add them as a second metadata column. The file then
        starts with a header row (``word<TAB>count``), as the projector expects of
        multi-column metadata; otherwise it has one label per row and no header.

    Returns
    -------
    (str, str)
        The paths of the vectors file and of the metadata file.
    """
    kv = getattr(vectors, "wv", vectors)
    n = len(kv.index_to_key)
    if limit is not None:
        if limit < 0:
            raise ValueError(f"limit must be >= 0, got {limit}")
        n = min(n, int(limit))
    os.makedirs(directory, exist_ok=True)
    vec_path = os.path.join(directory, VECTORS_FILE)
    meta_path = os.path.join(directory, METADATA_FILE)
    matrix = np.asarray(kv.vectors[:n], dtype=np.float32)
    with open(vec_path, "w", encoding="utf-8", newline="\n") as f:
        for start in range(0, n, 4096):
            block = matrix[start : start + 4096]
            f.writelines("\t".join(f"{x:.6g}" for x in row) + "\n" for row in block.tolist())
    counts = getattr(kv, "expandos", {}).get("count") if with_counts else None
    lines: List[str] = []
    if counts is not None and len(counts) >= n:
        lines.append("word\tcount\n")
        lines.extend(f"{_label(k)}\t{int(c)}\n" for k, c in zip(kv.index_to_key[:n], counts[:n]))
    else:
        lines.extend(f"{_label(k)}\n" for k in kv.index_to_key[:n])
    with open(meta_path, "w", encoding="utf-8", newline="\n") as f:
        f.writelines(lines)
    return vec_path, meta_path
