"""Reference distances that give a Fréchet distance its meaning: real images
against real images (the floor), and real images degraded on purpose (pixel
noise, blur, one class only).

Usage: ``reference_distances(classifier, data.X_train[:5000], data.X_test, data.y_test)``
"""
from __future__ import annotations

import keras
import numpy as np

from helpers.evaluation.classifier import (IMAGE_SHAPE, SEED, check_images, features,
                                           predicted_classes)
from helpers.evaluation.frechet import frechet_distance
from helpers.support.data import CLASS_NAMES, FashionMNIST

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
                        one_class: int = 0, seed: int = SEED,
                        real_features: np.ndarray | None = None) -> dict[str, float]:
    """Distances to ``real_images`` (training images) of sets a reader can picture, each
    drawn from ``other_real_images`` (test images) and as large as ``real_images``:

    - ``"real vs real"``: test images as they are: the floor sampling alone gives;
    - ``"noise sigma=0.1"``: the same with Gaussian pixel noise, clipped to [0, 1];
    - ``"blur 2x"``: the same at half resolution (``blur``: each 2x2 block its mean);
    - ``"one class"``: only test images of class ``one_class`` (by ``other_labels``, or by
      the classifier's predictions when not given): total mode collapse.

    ``real_features``: ``features(classifier, real_images)``, when already computed.

    Usage: ``reference_distances(classifier, data.X_train[:5000], data.X_test, data.y_test)``
    """
    reference = features(classifier, real_images) if real_features is None else real_features
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


# (id(classifier), id(data), n_samples, seed) -> (classifier, data, real features,
# references): they take seconds and a notebook asks for them once per generator it judges.
_REFERENCE_CACHE: dict[tuple[int, int, int, int], tuple] = {}


def real_features_and_references(classifier: keras.Model, data: FashionMNIST, n_samples: int,
                                 seed: int) -> tuple[np.ndarray, dict[str, float]]:
    """The classifier features of ``n_samples`` of ``data``'s training images (drawn with
    ``seed``), and ``reference_distances`` from them to ``data``'s test images, computed
    once per classifier, data, sample size and seed (the features are read-only)."""
    key = (id(classifier), id(data), n_samples, seed)
    cached = _REFERENCE_CACHE.get(key)
    # Keeping the objects in the entry stops their ids being reused by new ones.
    if cached is None or cached[0] is not classifier or cached[1] is not data:
        index = np.random.default_rng(seed).choice(len(data.X_train), n_samples, replace=False)
        real_images = data.X_train[index]
        real_features = features(classifier, real_images)
        real_features.flags.writeable = False
        references = reference_distances(classifier, real_images, data.X_test, data.y_test,
                                         seed=seed, real_features=real_features)
        _REFERENCE_CACHE[key] = cached = (classifier, data, real_features, references)
    return cached[2], dict(cached[3])
