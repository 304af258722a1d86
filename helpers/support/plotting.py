"""Figures the notebooks draw again and again: image grids, reconstructions,
2-D scatters of codings and learning curves.

Usage::

    plot_reconstructions(X_valid[:8], stacked_ae.predict(X_valid[:8]))
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np


def _as_images(images: np.ndarray) -> np.ndarray:
    images = np.asarray(images)
    if images.ndim == 2 and images.shape[1] == 28 * 28:
        images = images.reshape(-1, 28, 28)
    if images.ndim == 4 and images.shape[-1] == 1:
        images = images[..., 0]
    if images.ndim != 3:
        raise ValueError(f"Expected images of shape (n, 28, 28), (n, 784) or (n, 28, 28, 1), "
                         f"got {images.shape}")
    return images


def plot_image_grid(images: np.ndarray, n_cols: int = 8, title: str | None = None,
                    labels: Sequence[str] | None = None, size: float = 1.2) -> plt.Figure:
    """Show images in a grid, optionally with a label under each one."""
    images = _as_images(images)
    n_rows = int(np.ceil(len(images) / n_cols))
    fig, axes = plt.subplots(n_rows, n_cols, figsize=(n_cols * size, n_rows * size * 1.15),
                             squeeze=False)
    for index, ax in enumerate(axes.flat):
        ax.axis("off")
        if index < len(images):
            ax.imshow(images[index], cmap="binary", vmin=0, vmax=1)
            if labels is not None:
                ax.set_title(labels[index], fontsize=8)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_image_rows(rows: Mapping[str, np.ndarray], title: str | None = None,
                    size: float = 1.2) -> plt.Figure:
    """One labelled row per entry, e.g. ``{"original": X, "reconstruction": R}``."""
    rows = {name: _as_images(images) for name, images in rows.items()}
    n_cols = max(len(images) for images in rows.values())
    fig, axes = plt.subplots(len(rows), n_cols, figsize=(n_cols * size, len(rows) * size),
                             squeeze=False)
    for row_axes, (name, images) in zip(axes, rows.items()):
        for index, ax in enumerate(row_axes):
            ax.set_xticks([])
            ax.set_yticks([])
            for spine in ax.spines.values():
                spine.set_visible(False)
            if index < len(images):
                ax.imshow(images[index], cmap="binary", vmin=0, vmax=1)
        row_axes[0].set_ylabel(name, rotation=0, ha="right", va="center", fontsize=9)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_reconstructions(originals: np.ndarray, reconstructions: np.ndarray,
                         title: str = "Originals (top) and reconstructions (bottom)"
                         ) -> plt.Figure:
    """Originals above their reconstructions."""
    return plot_image_rows({"original": originals, "reconstruction": reconstructions},
                           title=title)


def plot_codings_2d(codings_2d: np.ndarray, labels: np.ndarray,
                    class_names: Sequence[str], title: str,
                    images: np.ndarray | None = None, n_thumbnails: int = 0) -> plt.Figure:
    """Scatter 2-D codings coloured by class, with a legend of class names and,
    optionally, small thumbnails of some images placed at their codings."""
    codings_2d = np.asarray(codings_2d)
    if codings_2d.ndim != 2 or codings_2d.shape[1] != 2:
        raise ValueError(f"Expected codings of shape (n, 2), got {codings_2d.shape}")
    fig, ax = plt.subplots(figsize=(8, 6.5))
    cmap = plt.get_cmap("tab10")
    for label, name in enumerate(class_names):
        mask = labels == label
        ax.scatter(*codings_2d[mask].T, s=6, color=cmap(label), label=name, alpha=0.7)
    if images is not None and n_thumbnails:
        _add_thumbnails(ax, codings_2d, _as_images(images), n_thumbnails)
    ax.set_title(title)
    ax.set_xlabel("dimension 1")
    ax.set_ylabel("dimension 2")
    ax.legend(markerscale=3, fontsize=8, loc="center left", bbox_to_anchor=(1, 0.5))
    fig.tight_layout()
    return fig


def _add_thumbnails(ax: plt.Axes, points: np.ndarray, images: np.ndarray, count: int) -> None:
    from matplotlib.offsetbox import AnnotationBbox, OffsetImage

    scale = (points.max(axis=0) - points.min(axis=0)) * 0.06
    shown: list[np.ndarray] = []
    for point, image in zip(points, images):
        if len(shown) >= count:
            break
        if all(np.any(np.abs(point - other) > scale) for other in shown):
            shown.append(point)
            box = AnnotationBbox(OffsetImage(image, cmap="binary", zoom=0.6), point,
                                 frameon=False)
            ax.add_artist(box)


def plot_history(histories: Mapping[str, Mapping[str, Sequence[float]]],
                 metric: str = "loss", title: str = "Learning curves") -> plt.Figure:
    """Training (solid) and validation (dashed) curves of one metric for several models.

    ``histories`` maps a model name to its ``history.history`` dictionary.
    """
    fig, ax = plt.subplots(figsize=(7, 4))
    for index, (name, history) in enumerate(histories.items()):
        color = plt.get_cmap("tab10")(index)
        epochs = np.arange(1, len(history[metric]) + 1)
        ax.plot(epochs, history[metric], color=color, label=f"{name} (train)")
        if f"val_{metric}" in history:
            ax.plot(epochs, history[f"val_{metric}"], "--", color=color,
                    label=f"{name} (validation)")
    ax.set_title(title)
    ax.set_xlabel("epoch")
    ax.set_ylabel(metric)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig
