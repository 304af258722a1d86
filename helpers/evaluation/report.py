"""The report a GAN notebook prints for its samples: their Fréchet distance beside
the references, and the class histogram whose entropy makes mode collapse visible.

Usage::

    report = sample_quality_report(generated_images, classifier, data)
    plot_class_histogram(report.histogram, "DCGAN samples")
"""
from __future__ import annotations

from dataclasses import dataclass, field

import keras
import matplotlib.pyplot as plt
import numpy as np

from helpers.evaluation.classifier import (SEED, check_images, features, load_or_train_classifier,
                                           metric_data, predicted_classes)
from helpers.evaluation.frechet import frechet_distance
from helpers.evaluation.references import REFERENCE_DESCRIPTIONS, real_features_and_references
from helpers.support.data import CLASS_NAMES, FashionMNIST
from helpers.support.presets import preset_settings


def class_histogram(classifier: keras.Model, images: np.ndarray) -> np.ndarray:
    """How many ``images`` the classifier puts in each of the 10 classes.

    Usage: ``class_histogram(classifier, generated_images)  # array of 10 counts``
    """
    return np.bincount(predicted_classes(classifier, images), minlength=len(CLASS_NAMES))


def class_entropy(counts: np.ndarray) -> float:
    """Entropy in nats of the class distribution ``counts``: log(10) = 2.30 when the
    classes are equally frequent, 0 when every image falls in one class."""
    counts = np.asarray(counts, dtype=np.float64)
    if counts.ndim != 1 or (counts < 0).any() or counts.sum() <= 0:
        raise ValueError(f"Expected non-negative counts per class with a positive total, "
                         f"got {counts}")
    probabilities = counts[counts > 0] / counts.sum()
    return float(-(probabilities * np.log(probabilities)).sum() + 0.0)


@dataclass(frozen=True)
class SampleQuality:
    """A generated set's Fréchet distance, the references beside it, and its class histogram."""

    distance: float
    references: dict[str, float] = field(default_factory=dict)
    histogram: np.ndarray = field(default_factory=lambda: np.zeros(len(CLASS_NAMES), int))
    entropy: float = 0.0
    n_samples: int = 0

    def table(self, label: str = "generated images") -> str:
        """The distances from best to worst, so the generated set's place is visible."""
        rows = [(f"{label}  <--", self.distance)] + [
            (REFERENCE_DESCRIPTIONS.get(name, name), value)
            for name, value in self.references.items()]
        width = max(len(name) for name, _ in rows)
        lines = [f"Fréchet distance to real training images ({self.n_samples:,} samples, "
                 f"classifier features; lower is better):"]
        lines += [f"  {name:<{width}}  {value:8.2f}"
                  for name, value in sorted(rows, key=lambda row: row[1])]
        lines.append(f"Class entropy of the {label}: {self.entropy:.2f} nats "
                     f"(max ln 10 = {np.log(len(CLASS_NAMES)):.2f}; 0 = one class only)")
        return "\n".join(lines)


def sample_quality_report(generated_images: np.ndarray, classifier: keras.Model | None = None,
                          data: FashionMNIST | None = None, n_samples: int | None = None,
                          label: str = "generated images", seed: int = SEED,
                          verbose: bool = True) -> SampleQuality:
    """Judge ``generated_images`` (n, 28, 28[, 1]) in [0, 1]: print their Fréchet
    distance to real training images beside the reference sets, and their class
    entropy (unless ``verbose`` is false); return all of it. ``n_samples`` defaults to
    the preset's. The real images
    come from ``metric_data(data)``: the metric's own training share, whatever subset
    ``data`` holds, so distances compare across notebooks.

    Usage: ``report = sample_quality_report(generated_images, classifier, data)``
    """
    generated_images = check_images(generated_images, "generated_images")[..., 0]
    data = metric_data(data)  # the same real images for every notebook
    if classifier is None:
        classifier = load_or_train_classifier(data=data)
    if n_samples is None:
        n_samples = preset_settings("sample_quality").n_samples
    # Equal set sizes: the distance's small-sample bias is then the same for every row.
    n_samples = min(n_samples, len(generated_images), len(data.X_train), len(data.X_test))
    real_features, references = real_features_and_references(classifier, data, n_samples, seed)
    distance = frechet_distance(features(classifier, generated_images[:n_samples]),
                                real_features)
    histogram = class_histogram(classifier, generated_images[:n_samples])
    report = SampleQuality(distance, references, histogram, class_entropy(histogram), n_samples)
    if verbose:
        print(report.table(label))
    return report


def plot_class_histogram(counts: np.ndarray, title: str = "Predicted classes") -> plt.Figure:
    """Bar chart of images per predicted class, with the entropy in the title.

    Usage: ``plot_class_histogram(report.histogram, "DCGAN samples")``
    """
    counts = np.asarray(counts)
    if counts.shape != (len(CLASS_NAMES),):
        raise ValueError(f"Expected {len(CLASS_NAMES)} counts, one per class, got {counts.shape}")
    fig, ax = plt.subplots(figsize=(7, 3))
    ax.bar(range(len(CLASS_NAMES)), counts, color="tab:blue")
    ax.set_xticks(range(len(CLASS_NAMES)), CLASS_NAMES, rotation=45, ha="right")
    ax.set_xlabel("class predicted by the classifier")
    ax.set_ylabel("number of images")
    ax.set_title(f"{title}: entropy {class_entropy(counts):.2f} nats "
                 f"(max {np.log(len(CLASS_NAMES)):.2f})")
    fig.tight_layout()
    return fig
