"""The sample-quality classifier: a small Fashion-MNIST CNN, trained once per preset
and cached as ``models/<preset>/sample_quality_classifier.keras``, whose penultimate
("features") layer the Fréchet distance compares and whose predictions give the
class histogram.

Usage::

    classifier = load_or_train_classifier(data=data)
    features(classifier, data.X_test[:1000]).shape  # (1000, 128)
"""
from __future__ import annotations

import json
import time
import weakref
from pathlib import Path

import keras
import numpy as np

from helpers.support.data import FILES, VALID_SIZE, FashionMNIST, load_fashion_mnist
from helpers.support.paths import file_stamp, models_dir
from helpers.support.presets import current_preset, preset_settings
from helpers.support.training import (RETRAIN_VARIABLE, save_atomically, shown_path,
                                       write_atomically)

CLASSIFIER_NAME = "sample_quality_classifier"
FEATURES_LAYER = "features"
IMAGE_SHAPE = (28, 28)
# Float arithmetic (e.g. (x + 1) / 2 of a tanh output) can land a hair outside [0, 1].
RANGE_TOLERANCE = 1e-3
SEED = 42


def classifier_path(preset: str | None = None) -> Path:
    """``models/<preset>/sample_quality_classifier.keras`` (the current preset by default)."""
    return models_dir(preset or current_preset()) / f"{CLASSIFIER_NAME}.keras"


def build_classifier() -> keras.Model:
    """The untrained CNN: two conv + pooling blocks, a 128-unit "features" layer, softmax 10.

    'valid' padding: it trains about 1.5x faster than 'same' on a CPU for about one
    point less accuracy (89 % after 3 epochs).
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


# path -> (the file's mtime and size, the classifier loaded from it, its test accuracy): a
# kernel loads and evaluates it once, not at every check or report that measures with it.
_LOADED: dict[Path, tuple[tuple[int, int], keras.Model, float]] = {}
# classifier -> its "features" sub-model, built (and traced by predict) once.
_EXTRACTORS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def accuracy_note_path(path: Path) -> Path:
    """Where the test accuracy of the classifier saved at ``path`` is noted."""
    return path.with_name(f"{path.stem}.accuracy.json")


def classifier_accuracy(classifier: keras.Model, path: Path, data: FashionMNIST) -> float:
    """The test accuracy of ``classifier``, saved at ``path``: read from the note beside the
    file when the note describes this very file (its mtime and size), else measured on
    the 10,000 test images and noted, so that each kernel that loads the classifier does
    not evaluate it again (about a second on one core)."""
    note, stamp = accuracy_note_path(path), list(file_stamp(path))
    try:
        noted = json.loads(note.read_text())
        if noted["file"] == stamp:
            return float(noted["test_accuracy"])
    except (OSError, ValueError, KeyError, TypeError):
        pass  # no note, or a broken or stale one: measure
    _, accuracy = classifier.evaluate(_with_channel(data.X_test), data.y_test, batch_size=500,
                                      verbose=0)
    write_atomically(note, lambda partial: partial.write_text(
        json.dumps({"file": stamp, "test_accuracy": accuracy})))
    return accuracy


def load_or_train_classifier(preset: str | None = None, data: FashionMNIST | None = None,
                             verbose: int | str = "auto", retrain: bool = False) -> keras.Model:
    """The preset's sample-quality classifier: loaded from its cache, or trained and saved.

    Trains when no cached model exists or ``retrain`` is true; prints the test
    accuracy either way. Every GAN notebook shares it, so ``$NOTEBOOK_RETRAIN``
    alone does not retrain it: notebook 09, which introduces it, passes
    ``retrain=helpers.retrain_requested()``. ``data`` defaults to Fashion-MNIST
    with the preset's training subset.

    Usage: ``classifier = load_or_train_classifier(data=data)``
    """
    preset = preset or current_preset()
    settings = preset_settings("sample_quality", preset)
    path = classifier_path(preset)
    # A notebook's training subset would train a weaker classifier and change every
    # distance measured with it afterwards: the classifier always gets its own share.
    data = metric_data(data, preset)
    if path.is_file() and not retrain:
        how = (f"loaded from {shown_path(path)} (notebook 09 trains it again when "
               f"{RETRAIN_VARIABLE}=1)")
        stamp, cached = file_stamp(path), _LOADED.get(path)
        if cached is None or cached[0] != stamp:
            classifier = keras.models.load_model(path)  # safe mode: plain Keras layers only
            accuracy = classifier_accuracy(classifier, path, data)
            cached = _LOADED[path] = (stamp, classifier, accuracy)
        _, classifier, accuracy = cached
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
        accuracy = classifier_accuracy(classifier, path, data)
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
    if classifier not in _EXTRACTORS:
        _EXTRACTORS[classifier] = keras.Model(classifier.inputs,
                                              classifier.get_layer(FEATURES_LAYER).output)
    extracted = _EXTRACTORS[classifier].predict(images, batch_size=batch_size, verbose=0)
    return extracted.astype(np.float64)


def predicted_classes(classifier: keras.Model, images: np.ndarray) -> np.ndarray:
    """The classifier's most likely class for each image."""
    probabilities = classifier.predict(check_images(images), batch_size=500, verbose=0)
    return probabilities.argmax(axis=1)

