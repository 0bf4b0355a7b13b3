"""Pictures of a model: the training loss curve and a 2-D map of words and their neighbours.

Needs matplotlib (and scikit-learn for t-SNE): ``pip install 'w2v[plot]'``. The functions
build a :class:`matplotlib.figure.Figure` without pyplot, so they work without a display and
leave pyplot's state alone; pass ``path`` to save the picture, or show the returned figure in a
notebook.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np

Size = Tuple[int, int]


def _matplotlib() -> Any:
    try:
        import matplotlib
        from matplotlib.figure import Figure  # noqa: F401
    except ImportError:
        raise ImportError("plotting needs matplotlib: pip install 'w2v[plot]'") from None
    return matplotlib


def _new_figure(size: Size, dpi: int) -> Any:
    _matplotlib()
    from matplotlib.figure import Figure

    width, height = size
    if width < 50 or height < 50:
        raise ValueError(f"the picture must be at least 50x50 pixels, got {width}x{height}")
    if dpi <= 0:
        raise ValueError(f"dpi must be positive, got {dpi}")
    return Figure(figsize=(width / dpi, height / dpi), dpi=dpi, layout="constrained")


def save_figure(fig: Any, path: str, size: Size, dpi: int) -> None:
    """Save ``fig`` to ``path`` (format from the extension) at exactly ``size`` pixels."""
    width, height = size
    # Nudge the inch size so that inches * dpi rounds to the requested pixels exactly.
    fig.set_size_inches((width + 0.01) / dpi, (height + 0.01) / dpi)
    fig.savefig(path, dpi=dpi)


def plot_loss(
    losses: Union[Sequence[float], Any],
    path: Optional[str] = None,
    *,
    size: Size = (800, 500),
    dpi: int = 100,
    title: Optional[str] = None,
) -> Any:
    """Plot the training loss of each epoch.

    Parameters
    ----------
    losses : sequence of float, or Word2Vec
        Per-epoch losses, or a model trained with ``compute_loss=True`` (its ``loss_history``).
    path : str, optional
        Save the picture there (PNG, SVG, PDF, ... from the extension).
    size : (int, int)
        Width and height in pixels.
    dpi : int
        Dots per inch (sets the size of the text relative to the picture).
    title : str, optional
        Title of the plot.

    Returns
    -------
    matplotlib.figure.Figure
    """
    if hasattr(losses, "loss_history"):
        losses = losses.loss_history
    values = np.asarray(list(losses), dtype=np.float64)
    if values.ndim != 1 or not len(values):
        raise ValueError("no loss to plot: train with compute_loss=True (--compute-loss)")
    fig = _new_figure(size, dpi)
    ax = fig.add_subplot()
    epochs = np.arange(1, len(values) + 1)
    ax.plot(epochs, values, marker="o", color="tab:blue", linewidth=2)
    big = float(np.abs(values).max()) >= 1000

    def fmt(v: float) -> str:
        return f"{v:,.0f}" if big else f"{v:.4g}"

    if len(values) <= 20:
        for x, y in zip(epochs, values):
            ax.annotate(
                fmt(y),
                (x, y),
                textcoords="offset points",
                xytext=(0, 7),
                ha="center",
                fontsize=8,
                color="0.3",
            )
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: fmt(v)))
    ax.set_xlabel("epoch")
    ax.set_ylabel("training loss (sum over the epoch)")
    ax.set_title(title or "Training loss per epoch")
    ax.grid(True, alpha=0.3)
    ax.margins(x=0.05, y=0.12)
    if path is not None:
        save_figure(fig, path, size, dpi)
    return fig


def project_2d(
    vectors: np.ndarray, method: str = "pca", seed: int = 1, perplexity: float = 30.0
) -> Tuple[np.ndarray, Optional[Tuple[float, float]]]:
    """Project row vectors to 2-D.

    Parameters
    ----------
    vectors : numpy.ndarray of shape (n, d)
    method : {"pca", "tsne"}
        Principal components (numpy only), or t-SNE (needs scikit-learn) with cosine distance.
    seed : int
        Random state of t-SNE.
    perplexity : float
        t-SNE perplexity; lowered to fit small point sets.

    Returns
    -------
    (numpy.ndarray of shape (n, 2), (float, float) or None)
        The coordinates, and for PCA the fraction of variance each axis explains.
    """
    x = np.asarray(vectors, dtype=np.float64)
    n = len(x)
    if method == "pca":
        if n < 2:
            return np.zeros((n, 2)), None
        centred = x - x.mean(axis=0)
        u, s, vt = np.linalg.svd(centred, full_matrices=False)
        k = min(2, len(s))
        coords = np.zeros((n, 2))
        coords[:, :k] = u[:, :k] * s[:k]
        # Fix each axis's sign (the SVD's is arbitrary) so that pictures are reproducible.
        for j in range(k):
            if coords[np.argmax(np.abs(coords[:, j])), j] < 0:
                coords[:, j] = -coords[:, j]
        var = s**2
        total = float(var.sum()) or 1.0
        explained = tuple(float(v / total) for v in np.append(var, [0.0, 0.0])[:2])
        return coords, explained  # type: ignore[return-value]
    if method == "tsne":
        try:
            from sklearn.manifold import TSNE
        except ImportError:
            raise ImportError("t-SNE needs scikit-learn: pip install 'w2v[plot]'") from None
        if n < 3:
            return project_2d(x, "pca")[0], None
        perplexity = float(min(perplexity, max(1.0, (n - 1) / 3.0)))
        tsne = TSNE(
            n_components=2,
            perplexity=perplexity,
            metric="cosine",
            init="pca",
            random_state=int(seed),
            # Exact gradients are quicker than Barnes-Hut for the few hundred points of a map.
            method="exact" if n <= 1000 else "barnes_hut",
        )
        return tsne.fit_transform(x), None
    raise ValueError(f"method must be 'pca' or 'tsne', got {method!r}")


def _overlap(box: np.ndarray, others: np.ndarray) -> float:
    """Total area by which ``box`` (x0, y0, x1, y1) overlaps the rows of ``others``."""
    if not len(others):
        return 0.0
    w = np.minimum(box[2], others[:, 2]) - np.maximum(box[0], others[:, 0])
    h = np.minimum(box[3], others[:, 3]) - np.maximum(box[1], others[:, 1])
    return float(np.sum(np.clip(w, 0, None) * np.clip(h, 0, None)))


def _place_labels(fig: Any, ax: Any, texts: Sequence[Any], radii: Sequence[float]) -> None:
    """Put each label on the side of its point where it covers the least of the others.

    Labels are placed one at a time, in order (query words first); each tries eight
    positions around its marker, then the same farther out, and keeps the one overlapping the
    least area of the markers and of the labels already placed (staying inside the axes).
    ``radii`` are the markers' half-sizes in pixels.
    """
    if not texts:
        return
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(fig)
    canvas.draw()  # runs the layout, so that positions and text extents are final
    renderer = canvas.get_renderer()
    frame = ax.get_window_extent(renderer).extents
    anchors = np.array([t.get_transform().transform(t.xy) for t in texts], dtype=np.float64)
    sizes = []
    for t in texts:
        e = t.get_window_extent(renderer)
        sizes.append((e.width, e.height))
    r = np.asarray(radii, dtype=np.float64)[:, None]
    markers = np.hstack([anchors - r, anchors + r])
    placed: List[np.ndarray] = []
    to_points = 72.0 / fig.dpi
    diag = np.sqrt(0.5)
    for i, t in enumerate(texts):
        (ax_, ay), (w, h), g = anchors[i], sizes[i], float(radii[i]) + 1.5
        best, best_cost = None, np.inf
        for far in (1.0, 2.5):
            d = g * far
            corners = (
                (ax_ + d * diag, ay + d * diag),  # upper right
                (ax_ + d, ay - h / 2),  # right
                (ax_ + d * diag, ay - d * diag - h),  # lower right
                (ax_ - w / 2, ay + d),  # above
                (ax_ - d * diag - w, ay + d * diag),  # upper left
                (ax_ - d - w, ay - h / 2),  # left
                (ax_ - d * diag - w, ay - d * diag - h),  # lower left
                (ax_ - w / 2, ay - d - h),  # below
            )
            for x0, y0 in corners:
                box = np.array([x0, y0, x0 + w, y0 + h])
                others = np.delete(markers, i, axis=0)
                cost = _overlap(box, others) + _overlap(box, np.array(placed).reshape(-1, 4))
                outside = (
                    max(0.0, frame[0] - box[0])
                    + max(0.0, box[2] - frame[2])
                    + max(0.0, frame[1] - box[1])
                    + max(0.0, box[3] - frame[3])
                )
                cost += outside * h * 10 + (far - 1.0) * 5.0
                if cost < best_cost - 1e-9:
                    best, best_cost = box, cost
            if best_cost <= 0:
                break
        assert best is not None
        placed.append(best)
        t.set_horizontalalignment("left")
        t.set_verticalalignment("bottom")
        t.xyann = ((best[0] - ax_) * to_points, (best[1] - ay) * to_points)


def neighbour_groups(kv: Any, words: Sequence[str], neighbours: int = 8) -> List[Tuple[str, int]]:
    """The points of a word map: each query word and its nearest neighbours.

    Parameters
    ----------
    kv : KeyedVectors or Word2Vec
    words : sequence of str
        Query words; each must be in the vocabulary.
    neighbours : int
        Nearest neighbours drawn per query word.

    Returns
    -------
    list of (str, int)
        ``(word, group)`` pairs, query words first (group = the query's position); a word
        that is a neighbour of several queries is drawn once, in the group of the first.
    """
    kv = getattr(kv, "wv", kv)
    if not words:
        raise ValueError("give at least one word to map")
    missing = [w for w in words if w not in kv]
    if missing:
        raise KeyError(f"not in the vocabulary: {', '.join(repr(w) for w in missing)}")
    if neighbours < 0:
        raise ValueError(f"neighbours must be >= 0, got {neighbours}")
    queries = list(dict.fromkeys(words))
    points: Dict[str, int] = {w: i for i, w in enumerate(queries)}
    for i, w in enumerate(queries):
        if not neighbours:
            continue
        for other, _ in kv.most_similar(w, topn=neighbours):
            points.setdefault(other, i)
    return list(points.items())


def plot_map(
    vectors: Any,
    words: Sequence[str],
    neighbours: int = 8,
    path: Optional[str] = None,
    *,
    method: str = "pca",
    size: Size = (1000, 800),
    dpi: int = 100,
    seed: int = 1,
    perplexity: float = 30.0,
    title: Optional[str] = None,
) -> Any:
    """Draw a 2-D map of ``words`` and their nearest neighbours, one colour per query word.

    The unit-normalised vectors of the query words and of their ``neighbours`` nearest
    neighbours (cosine) are projected to 2-D by PCA or t-SNE; every point is labelled, query
    words in bold with a larger marker, and thin lines join each neighbour to its query word.

    Parameters
    ----------
    vectors : KeyedVectors or Word2Vec
    words : sequence of str
        Query words (all in the vocabulary).
    neighbours : int
        Nearest neighbours per query word.
    path : str, optional
        Save the picture there (format from the extension).
    method : {"pca", "tsne"}
        Projection; t-SNE needs scikit-learn.
    size : (int, int)
        Width and height in pixels.
    dpi : int
        Dots per inch.
    seed : int
        Random state of t-SNE.
    perplexity : float
        t-SNE perplexity (lowered for small maps).
    title : str, optional
        Title of the plot.

    Returns
    -------
    matplotlib.figure.Figure
    """
    mpl = _matplotlib()
    kv = getattr(vectors, "wv", vectors)
    points = neighbour_groups(kv, words, neighbours)
    labels = [w for w, _ in points]
    groups = np.asarray([g for _, g in points])
    queries = list(dict.fromkeys(words))
    mat = np.asarray(kv[labels], dtype=np.float64)
    norms = np.linalg.norm(mat, axis=1, keepdims=True)
    mat = mat / np.where(norms > 0, norms, 1.0)
    coords, explained = project_2d(mat, method, seed=seed, perplexity=perplexity)

    fig = _new_figure(size, dpi)
    ax = fig.add_subplot()
    cmap = mpl.colormaps["tab10" if len(queries) <= 10 else "tab20"]
    for g, query in enumerate(queries):
        colour = cmap(g % cmap.N)
        members = np.flatnonzero(groups == g)
        others = members[members != g]
        centre = coords[g]
        for m in others:
            ax.plot(
                [centre[0], coords[m, 0]],
                [centre[1], coords[m, 1]],
                color=colour,
                alpha=0.25,
                linewidth=0.8,
                zorder=1,
            )
        ax.scatter(coords[others, 0], coords[others, 1], s=28, color=colour, alpha=0.8, zorder=2)
        ax.scatter(
            [centre[0]],
            [centre[1]],
            s=110,
            color=colour,
            edgecolors="black",
            linewidths=1.0,
            zorder=3,
            label=query,
        )
    texts = []
    for i, label in enumerate(labels):
        is_query = i < len(queries)
        texts.append(
            ax.annotate(
                label,
                (coords[i, 0], coords[i, 1]),
                textcoords="offset points",
                xytext=(5, 4),
                fontsize=11 if is_query else 8.5,
                fontweight="bold" if is_query else "normal",
                color="black" if is_query else "0.2",
                zorder=4,
            )
        )
    if explained is not None:
        ax.set_xlabel(f"PC 1 ({100 * explained[0]:.0f}% of variance)")
        ax.set_ylabel(f"PC 2 ({100 * explained[1]:.0f}% of variance)")
    else:
        ax.set_xlabel("t-SNE 1" if method == "tsne" else "")
        ax.set_ylabel("t-SNE 2" if method == "tsne" else "")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.margins(0.08)
    name = "PCA" if method == "pca" else "t-SNE"
    ax.set_title(title or f"Nearest neighbours ({neighbours} per word, {name})")
    ax.legend(loc="best", fontsize=9, frameon=True, framealpha=0.8, markerscale=0.7)
    px = fig.dpi / 72.0  # marker areas are in points squared
    radii = [(np.sqrt(110 if i < len(queries) else 28) / 2 + 1) * px for i in range(len(labels))]
    _place_labels(fig, ax, texts, radii)
    if path is not None:
        save_figure(fig, path, size, dpi)
    return fig
