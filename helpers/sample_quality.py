"""Sample quality of generative models: a Fréchet distance on a small classifier's
features, placed beside real-image references, and the class histogram.

A small Fashion-MNIST CNN is trained once per preset and cached as
``models/<preset>/sample_quality_classifier.keras``. Generated images are
judged by the Fréchet distance between Gaussians fitted to its penultimate
("features") layer, printed beside the real-vs-real floor (test images
against training images) and real images degraded on purpose (pixel noise,
blur, one class only), so a reader can tell what a number means. The class
histogram of the classifier's predictions and its entropy make mode
collapse visible.

Usage::

    classifier = load_or_train_classifier(data=data)
    report = sample_quality_report(generated_images, classifier, data)
    plot_class_histogram(report.histogram, "DCGAN samples")
"""
from __future__ import annotations

import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import keras
import matplotlib.pyplot as plt
import numpy as np
import scipy.linalg

from helpers.data import CLASS_NAMES, FILES, VALID_SIZE, FashionMNIST, load_fashion_mnist
from helpers.paths import models_dir
from helpers.presets import current_preset, preset_settings
from helpers.training import RETRAIN_VARIABLE, retrain_requested, save_atomically, shown_path

CLASSIFIER_NAME = "sample_quality_classifier"
FEATURES_LAYER = "features"
IMAGE_SHAPE = (28, 28)
# Float arithmetic (e.g. (x + 1) / 2 of a tanh output) can land a hair outside [0, 1].
RANGE_TOLERANCE = 1e-3
SEED = 42

# Reference names, in the order the report lists them.
REAL = "real vs real"
NOISE = "noise sigma=0.1"
BLUR = "blur 2x"
ONE_CLASS = "one class"
REFERENCE_DESCRIPTIONS = {
    REAL: "real test images (the floor)",
    NOISE: "real + pixel noise, sigma = 0.1",
    BLUR: "real, blurred 2x (2x2 block means)",
    ONE_CLASS: f"real, one class only ({CLASS_NAMES[0]})",
}


def classifier_path(preset: str | None = None) -> Path:
    """``models/<preset>/sample_quality_classifier.keras`` (the current preset by default)."""
    return models_dir(preset or current_preset()) / f"{CLASSIFIER_NAME}.keras"


def build_classifier() -> keras.Model:
    """The untrained CNN: two conv + pooling blocks, a 128-unit "features" layer, softmax 10.

    'valid' padding: measured on 2 CPU cores it trains ~1.5x faster than 'same' for
    about 1 point less accuracy (89 % after 3 epochs), which keeps training under a minute.
    """
    inputs = keras.Input((*IMAGE_SHAPE, 1))
    hidden = keras.layers.Conv2D(32, 3, activation="relu")(inputs)
    hidden = keras.layers.MaxPooling2D()(hidden)
    hidden = keras.layers.Conv2D(64, 3, activation="relu")(hidden)
    hidden = keras.layers.MaxPooling2D()(hidden)
    hidden = keras.layers.Flatten()(hidden)
    codings = keras.layers.Dense(128, activation="relu", name=FEATURES_LAYER)(hidden)
    outputs = keras.layers.Dense(10, activation="softmax")(codings)
    classifier = keras.Model(inputs, outputs, name=CLASSIFIER_NAME)
    classifier.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                       metrics=["accuracy"])
    return classifier


# What load_fashion_mnist(train_size=None) gives: the training file less the validation split.
FULL_TRAIN_SIZE = FILES["train-images-idx3-ubyte.gz"][1] - VALID_SIZE
# train_size -> the data the metric uses, loaded once per kernel.
_METRIC_DATA: dict[int | None, FashionMNIST] = {}


def metric_data(data: FashionMNIST | None = None, preset: str | None = None) -> FashionMNIST:
    """The Fashion-MNIST split the metric trains on and compares with: ``data`` if it
    holds exactly the sample-quality preset's training share, else that share loaded
    (once), whatever subset a notebook trains its models on. So every notebook's
    distances are measured against the same real images and compare with each other.

    Usage: ``data = metric_data(notebook_data)``
    """
    train_size = preset_settings("sample_quality", preset or current_preset()).train_size
    if data is not None and len(data.X_train) == (train_size or FULL_TRAIN_SIZE):
        return data
    if train_size not in _METRIC_DATA:
        _METRIC_DATA[train_size] = load_fashion_mnist(train_size=train_size)
    return _METRIC_DATA[train_size]


def load_or_train_classifier(preset: str | None = None, data: FashionMNIST | None = None,
                             verbose: int | str = "auto") -> keras.Model:
    """The preset's sample-quality classifier: loaded from its cache, or trained and saved.

    Trains when no cached model exists or ``$NOTEBOOK_RETRAIN`` asks for it; prints
    the test accuracy either way. ``data`` defaults to Fashion-MNIST with the
    preset's training subset.

    Usage: ``classifier = load_or_train_classifier(data=data)``
    """
    preset = preset or current_preset()
    settings = preset_settings("sample_quality", preset)
    path = classifier_path(preset)
    # A notebook's training subset would train a weaker classifier and change every
    # distance measured with it afterwards: the classifier always gets its own share.
    data = metric_data(data, preset)
    if path.is_file() and not retrain_requested():
        classifier = keras.models.load_model(path)  # safe mode: plain Keras layers only
        how = f"loaded from {shown_path(path)} (set {RETRAIN_VARIABLE}=1 to train again)"
    else:
        train_images = data.X_train[:settings.train_size]
        train_labels = data.y_train[:settings.train_size]
        # Its own seed, whatever a notebook drew before: every notebook and every re-run
        # then measures with the same classifier (training is deterministic on CPU).
        keras.utils.set_random_seed(SEED)
        classifier = build_classifier()
        start = time.perf_counter()
        classifier.fit(_with_channel(train_images), train_labels, epochs=settings.epochs,
                       batch_size=settings.batch_size, verbose=verbose)
        seconds = time.perf_counter() - start
        save_atomically(classifier, path)
        how = (f"trained on {len(train_images):,} images for {settings.epochs} epoch(s) "
               f"in {seconds:.0f} s, saved to {shown_path(path)}")
    _, accuracy = classifier.evaluate(_with_channel(data.X_test), data.y_test, verbose=0)
    print(f"Sample-quality classifier {how}; test accuracy {accuracy:.1%}")
    # What the notebook draws next must not depend on whether the cache existed.
    keras.utils.set_random_seed(SEED)
    return classifier


def check_images(images: np.ndarray, name: str = "images") -> np.ndarray:
    """``images`` as float32 of shape (n, 28, 28, 1), or a ValueError that says what is wrong."""
    images = np.asarray(images)
    if images.ndim == 4 and images.shape[-1] == 1:
        images = images[..., 0]
    if images.ndim != 3 or images.shape[1:] != IMAGE_SHAPE or len(images) == 0:
        raise ValueError(f"Expected {name} of shape (n, 28, 28) or (n, 28, 28, 1) with n > 0, "
                         f"got {images.shape}")
    if not np.issubdtype(images.dtype, np.number):
        raise ValueError(f"Expected numeric {name}, got dtype {images.dtype}")
    images = images.astype(np.float32)
    if np.isnan(images).any():
        raise ValueError(f"{name} contain NaNs ({int(np.isnan(images).sum())} pixels): "
                         "the generator diverged or its output was not computed")
    low, high = float(images.min()), float(images.max())
    if low < -RANGE_TOLERANCE or high > 1 + RANGE_TOLERANCE:
        raise ValueError(f"Expected {name} with values in [0, 1], got [{low:.3g}, {high:.3g}]: "
                         "rescale tanh outputs with (x + 1) / 2")
    return np.clip(images, 0.0, 1.0)[..., None]


def _with_channel(images: np.ndarray) -> np.ndarray:
    return np.asarray(images, dtype=np.float32).reshape(-1, *IMAGE_SHAPE, 1)


def features(classifier: keras.Model, images: np.ndarray, batch_size: int = 500) -> np.ndarray:
    """Penultimate-layer ("features") activations of ``images`` (n, 28, 28[, 1]) in [0, 1].

    Usage: ``features(classifier, data.X_test[:1000]).shape  # (1000, 128)``
    """
    images = check_images(images)
    extractor = keras.Model(classifier.inputs, classifier.get_layer(FEATURES_LAYER).output)
    return extractor.predict(images, batch_size=batch_size, verbose=0).astype(np.float64)


def frechet_distance(features_a: np.ndarray, features_b: np.ndarray, eps: float = 1e-6) -> float:
    """Fréchet distance between Gaussians fitted to two feature sets (n, d):
    ||mu_a - mu_b||^2 + Tr(S_a + S_b - 2 (S_a S_b)^(1/2)).

    Usage: ``frechet_distance(features(classifier, fakes), features(classifier, reals))``
    """
    features_a, features_b = np.asarray(features_a, np.float64), np.asarray(features_b, np.float64)
    for name, values in (("features_a", features_a), ("features_b", features_b)):
        if values.ndim != 2:
            raise ValueError(f"Expected {name} of shape (n_samples, n_features), "
                             f"got {values.shape}")
        if not np.isfinite(values).all():
            raise ValueError(f"{name} contain NaN or infinite values")
        # With n <= d samples the covariance is singular: the distance would mostly
        # measure how few samples there are, not how good they are.
        if len(values) <= values.shape[1]:
            raise ValueError(f"{name} has {len(values)} samples but {values.shape[1]} features: "
                             f"a covariance needs more samples than the feature size "
                             f"(use at least {values.shape[1] + 1}, thousands for a stable "
                             f"number)")
    if features_a.shape[1] != features_b.shape[1]:
        raise ValueError(f"The feature sets differ in size: {features_a.shape[1]} vs "
                         f"{features_b.shape[1]}")
    mean_a, mean_b = features_a.mean(axis=0), features_b.mean(axis=0)
    cov_a = np.cov(features_a, rowvar=False)
    cov_b = np.cov(features_b, rowvar=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error", scipy.linalg.LinAlgWarning)
        try:
            covmean = scipy.linalg.sqrtm(cov_a @ cov_b)
            singular = not np.isfinite(covmean).all()
        except scipy.linalg.LinAlgWarning:
            singular = True
    if singular:
        # Dead ReLU units give zero rows/columns, hence a singular product: nudge
        # both covariances off singularity, as the reference FID code does.
        offset = eps * np.eye(len(cov_a))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", scipy.linalg.LinAlgWarning)
            covmean = scipy.linalg.sqrtm((cov_a + offset) @ (cov_b + offset))
    # The square root of a product of PSD matrices is real; round-off leaves a
    # small imaginary part, which we drop (a large one would mean a bug).
    covmean = np.real(covmean)
    distance = (np.sum((mean_a - mean_b) ** 2)
                + np.trace(cov_a) + np.trace(cov_b) - 2 * np.trace(covmean))
    # Round-off can make identical sets come out at -1e-12.
    return float(max(distance, 0.0))


def add_noise(images: np.ndarray, sigma: float, seed: int = SEED) -> np.ndarray:
    """``images`` plus Gaussian pixel noise of standard deviation ``sigma``, clipped to [0, 1]."""
    images = check_images(images)[..., 0]
    noise = np.random.default_rng(seed).normal(0.0, sigma, images.shape)
    return np.clip(images + noise, 0.0, 1.0).astype(np.float32)


def blur(images: np.ndarray, factor: int = 2) -> np.ndarray:
    """Lose resolution: replace each ``factor`` x ``factor`` pixel block by its mean
    (downsample, then upsample by repeating pixels: no interpolation to choose)."""
    if factor < 1 or IMAGE_SHAPE[0] % factor:
        raise ValueError(f"factor must divide 28 (1, 2, 4, 7, 14), got {factor}")
    images = check_images(images)[..., 0]
    side = IMAGE_SHAPE[0] // factor
    small = images.reshape(len(images), side, factor, side, factor).mean(axis=(2, 4))
    return np.repeat(np.repeat(small, factor, axis=1), factor, axis=2).astype(np.float32)


def reference_distances(classifier: keras.Model, real_images: np.ndarray,
                        other_real_images: np.ndarray, other_labels: np.ndarray | None = None,
                        one_class: int = 0, seed: int = SEED) -> dict[str, float]:
    """Distances to ``real_images`` (training images) of sets a reader can picture, each
    drawn from ``other_real_images`` (test images) and as large as ``real_images``:

    - ``"real vs real"``: test images as they are: the floor sampling alone gives;
    - ``"noise sigma=0.1"``: the same with Gaussian pixel noise, clipped to [0, 1];
    - ``"blur 2x"``: the same at half resolution (``blur``: each 2x2 block its mean);
    - ``"one class"``: only test images of class ``one_class`` (by ``other_labels``, or by
      the classifier's predictions when not given): total mode collapse.

    Usage: ``reference_distances(classifier, data.X_train[:5000], data.X_test, data.y_test)``
    """
    reference = features(classifier, real_images)
    n_samples = len(reference)
    pool = check_images(other_real_images, "other_real_images")[..., 0]
    if len(pool) < n_samples:
        raise ValueError(f"other_real_images holds {len(pool)} images, fewer than the "
                         f"{n_samples} real_images: the references need as many")
    if other_labels is None:
        other_labels = predicted_classes(classifier, pool)
    rng = np.random.default_rng(seed)
    others = pool[rng.choice(len(pool), n_samples, replace=False)]
    # One class rarely fills n_samples: take what there is (the error says if too few).
    one_class_images = pool[np.asarray(other_labels) == one_class][:n_samples]
    sets = {REAL: others, NOISE: add_noise(others, 0.1, seed), BLUR: blur(others, 2),
            ONE_CLASS: one_class_images}
    return {name: frechet_distance(features(classifier, images), reference)
            for name, images in sets.items()}


# (id(classifier), id(data), n_samples, seed) -> (classifier, data, references): the
# references take seconds and a notebook asks for them once per generator it judges.
_REFERENCE_CACHE: dict[tuple[int, int, int, int], tuple] = {}


def _cached_references(classifier: keras.Model, real_images: np.ndarray,
                       data: FashionMNIST, seed: int) -> dict[str, float]:
    key = (id(classifier), id(data), len(real_images), seed)
    cached = _REFERENCE_CACHE.get(key)
    # Keeping the objects in the entry stops their ids being reused by new ones.
    if cached is None or cached[0] is not classifier or cached[1] is not data:
        references = reference_distances(classifier, real_images, data.X_test, data.y_test,
                                         seed=seed)
        _REFERENCE_CACHE[key] = cached = (classifier, data, references)
    return dict(cached[2])


def predicted_classes(classifier: keras.Model, images: np.ndarray) -> np.ndarray:
    """The classifier's most likely class for each image."""
    probabilities = classifier.predict(check_images(images), batch_size=500, verbose=0)
    return probabilities.argmax(axis=1)


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
                          label: str = "generated images", seed: int = SEED) -> SampleQuality:
    """Judge ``generated_images`` (n, 28, 28[, 1]) in [0, 1]: print their Fréchet
    distance to real training images beside the reference sets, and their class
    entropy; return all of it. ``n_samples`` defaults to the preset's. The real images
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
    train_index = np.random.default_rng(seed).choice(len(data.X_train), n_samples, replace=False)
    real_images = data.X_train[train_index]
    distance = frechet_distance(features(classifier, generated_images[:n_samples]),
                                features(classifier, real_images))
    references = _cached_references(classifier, real_images, data, seed)
    histogram = class_histogram(classifier, generated_images[:n_samples])
    report = SampleQuality(distance, references, histogram, class_entropy(histogram), n_samples)
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
