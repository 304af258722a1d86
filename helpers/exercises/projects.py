"""Checks for the book's three end-of-chapter projects (exercises 5.5, 8.7 and 12.7): each
judges what you trained with the project's own measures (accuracy on held-out images, the
sample-quality metric, class agreement), so the numbers decide, not the code.

Usage::

    ex.check_pretraining(pretrained, scratch, encoder, X_test, y_test)
    ex.check_vae_samples(decoder, reference_decoder)
    ex.check_replay_experiment(generator, replay_generator)
    ex.check_conditional_generator(conditional_generator)
"""
from __future__ import annotations

from typing import Any

import keras
import numpy as np

from helpers.exercises.common import Wrong, all_layers, check, expect_model
from helpers.support.presets import preset_settings

__all__ = ["check_pretraining", "check_vae_samples", "check_replay_experiment",
           "check_conditional_generator"]

SEED = 7  # the codings every generator is judged on (a local generator: global state untouched)
N_CLASSES = 10


def _thresholds():
    return preset_settings("exercises")


def _outputs(model: Any, inputs: Any, what: str) -> np.ndarray:
    """``model``'s outputs in batches, as NumPy; a failure names the input it was given."""
    try:
        return np.asarray(model.predict(inputs, batch_size=500, verbose=0), dtype="float64")
    except Exception as error:
        shapes = [np.shape(part) for part in inputs] if isinstance(inputs, list) \
            else np.shape(inputs)
        raise Wrong(f"{what} could not take inputs of shape {shapes}: "
                    f"{type(error).__name__}") from None


def _weighted_layer_ids(model: Any) -> set[int]:
    return {id(layer) for layer in [model, *all_layers(model)] if layer.weights}


# --- 5.5: pretraining a classifier with a denoising autoencoder ------------------------------

def _accuracy(model: Any, images: np.ndarray, labels: np.ndarray, name: str) -> float:
    scores = _outputs(model, images, f"the {name} classifier")
    if scores.shape != (len(images), N_CLASSES):
        raise Wrong(f"the {name} classifier outputs shape {scores.shape}; expected "
                    f"({len(images)}, {N_CLASSES}): one score per class")
    return float(np.mean(scores.argmax(axis=1) == labels))


@check
def check_pretraining(pretrained: Any, scratch: Any, encoder: Any, images: np.ndarray,
                      labels: np.ndarray) -> str:
    """The classifier built on the pretrained ``encoder`` (its very layers) must beat the
    same classifier trained from scratch, both measured on held-out ``images``."""
    expect_model(pretrained, "the pretrained classifier (a Keras model)")
    expect_model(scratch, "the classifier trained from scratch (a Keras model)")
    expect_model(encoder, "the denoising autoencoder's encoder (a Keras model)")
    if pretrained is scratch:
        raise Wrong("the two classifiers are the same model: build one on the encoder and "
                    "one from new layers")
    encoder_layers = _weighted_layer_ids(encoder)
    if not encoder_layers & _weighted_layer_ids(pretrained):
        raise Wrong("the pretrained classifier does not contain the encoder's layers: build "
                    "it on `encoder` itself, e.g. keras.Sequential([encoder, ...])")
    if encoder_layers & _weighted_layer_ids(scratch):
        raise Wrong("the classifier from scratch shares layers with the pretrained encoder, "
                    "so it is pretrained too: build it from new layers")
    labels = np.asarray(labels).astype("int64").ravel()
    if len(labels) != len(images):
        raise Wrong(f"{len(images)} images but {len(labels)} labels")
    settings = _thresholds()
    ours = _accuracy(pretrained, images, labels, "pretrained")
    theirs = _accuracy(scratch, images, labels, "scratch")
    if theirs < settings.min_project_accuracy:
        raise Wrong(f"the classifier from scratch reaches {theirs:.1%}, below "
                    f"{settings.min_project_accuracy:.0%}: train it on your labelled images "
                    "before the comparison")
    if ours < theirs + settings.min_pretraining_gain:
        raise Wrong(f"pretrained {ours:.1%} against {theirs:.1%} from scratch: pretraining "
                    f"should add at least {settings.min_pretraining_gain:.0%} here")
    return (f"pretrained {ours:.1%} against {theirs:.1%} from scratch, on {len(labels):,} "
            "held-out images")


# --- 8.7 and 12.7: generators judged by the sample-quality metric --------------------------

def _codings(size: int, n: int, seed: int = SEED) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal((n, size)).astype("float32")


def _single_input_size(model: Any, what: str) -> int:
    shape = model.input_shape
    if isinstance(shape, list) or len(shape) != 2:
        raise Wrong(f"{what} should take one input of shape (n, coding size); its input "
                    f"shape is {shape}")
    return int(shape[-1])


def _quality(images: np.ndarray, what: str, classifier: Any):
    from helpers.evaluation import sample_quality_report

    try:
        return sample_quality_report(images, classifier, verbose=False)
    except ValueError as error:  # shape or range: its message names what was expected
        raise Wrong(f"{what}'s images: {error}") from None


def _generator_quality(generator: Any, what: str, classifier: Any, clip: bool = False):
    n = preset_settings("sample_quality").n_samples
    size = _single_input_size(generator, what)
    images = _outputs(generator, _codings(size, n), what)
    # An untrained copy of a generator whose last layer is not bounded may leave [0, 1].
    return _quality(np.clip(images, 0, 1) if clip else images, what, classifier)


def _untrained(model: Any, what: str) -> Any:
    try:
        return keras.models.clone_model(model)  # the same layers, fresh random weights
    except Exception:
        raise Wrong(f"{what} should be a Sequential or functional Keras model (the check "
                    "compares it with an untrained copy of itself)") from None


@check
def check_vae_samples(decoder: Any, reference_decoder: Any) -> str:
    """Images decoded from N(0, I) codings by your VAE's ``decoder`` must score a lower
    Fréchet distance than notebook 08's VAE (``reference_decoder``), without losing classes."""
    from helpers.evaluation import load_or_train_classifier

    expect_model(decoder, "your VAE's decoder (a Keras model)")
    expect_model(reference_decoder, "notebook 08's decoder (a Keras model)")
    if decoder is reference_decoder:
        raise Wrong("that is notebook 08's decoder itself: pass your own VAE's decoder")
    classifier = load_or_train_classifier()
    yours = _generator_quality(decoder, "your decoder", classifier)
    theirs = _generator_quality(reference_decoder, "notebook 08's decoder", classifier)
    settings = _thresholds()
    if yours.entropy < settings.min_project_entropy:
        raise Wrong(f"your samples' class entropy is {yours.entropy:.2f} nats (below "
                    f"{settings.min_project_entropy}): they cover too few classes")
    if yours.distance >= theirs.distance * settings.max_vae_ratio:
        raise Wrong(f"Fréchet distance {yours.distance:.2f} against notebook 08's "
                    f"{theirs.distance:.2f}: not below it")
    return (f"Fréchet distance {yours.distance:.2f} against notebook 08's {theirs.distance:.2f} "
            f"({yours.n_samples:,} samples), class entropy {yours.entropy:.2f} nats")


def _far_from_untrained(report, untrained, what: str) -> None:
    """Wrong unless ``report``'s distance is a small share of an untrained copy's."""
    limit = _thresholds().max_gan_ratio_to_untrained
    ratio = report.distance / untrained.distance
    if ratio > limit:
        raise Wrong(f"{what}: Fréchet distance {report.distance:.2f}, {ratio:.2f} times an "
                    f"untrained copy's {untrained.distance:.2f} (at most {limit}): has it "
                    "been trained?")


def _trained_generator(generator: Any, what: str, classifier: Any):
    """The generator's quality report, after checking it is far from an untrained copy."""
    expect_model(generator, f"{what} (a Keras model)")
    report = _generator_quality(generator, what, classifier)
    untrained = _generator_quality(_untrained(generator, what), f"an untrained {what}",
                                   classifier, clip=True)
    _far_from_untrained(report, untrained, what)
    settings = _thresholds()
    if report.entropy < settings.min_project_entropy:
        raise Wrong(f"{what}: class entropy {report.entropy:.2f} nats (below "
                    f"{settings.min_project_entropy}): it has collapsed onto a few classes")
    return report


@check
def check_replay_experiment(generator: Any, replay_generator: Any) -> str:
    """Both DCGANs (without and with experience replay, same budget) must have learned
    (Fréchet distance far below an untrained copy's, classes kept); the message says
    whether replay helped."""
    from helpers.evaluation import load_or_train_classifier

    if generator is replay_generator and generator is not None:
        raise Wrong("both arguments are the same generator: train one without replay and "
                    "one with it")
    classifier = load_or_train_classifier()
    plain = _trained_generator(generator, "the DCGAN's generator", classifier)
    replay = _trained_generator(replay_generator, "the replay DCGAN's generator", classifier)
    verdict = "replay helped" if replay.distance < plain.distance else \
        "replay did not help at this budget"
    return (f"Fréchet distance {plain.distance:.2f} without replay, {replay.distance:.2f} "
            f"with it ({verdict}); class entropy {plain.entropy:.2f} and "
            f"{replay.entropy:.2f} nats")


def _conditional_images(generator: Any, what: str, n: int) -> tuple[np.ndarray, np.ndarray]:
    shapes = generator.input_shape
    if not (isinstance(shapes, list) and len(shapes) == 2 and shapes[1][-1] == N_CLASSES):
        raise Wrong(f"{what} should take two inputs, [codings (n, coding size), one-hot "
                    f"classes (n, {N_CLASSES})]; its input shape is {shapes}")
    labels = np.arange(n) % N_CLASSES
    one_hot = np.eye(N_CLASSES, dtype="float32")[labels]
    return _outputs(generator, [_codings(int(shapes[0][-1]), n), one_hot], what), labels


@check
def check_conditional_generator(generator: Any) -> str:
    """Images generated for each class must be classified as that class by the metric's
    classifier (class agreement) and be far closer to real images than an untrained copy's."""
    from helpers.cgan import class_agreement
    from helpers.evaluation import load_or_train_classifier

    what = "the conditional generator"
    expect_model(generator, f"{what} (a Keras model)")
    n = preset_settings("sample_quality").n_samples
    classifier = load_or_train_classifier()
    images, labels = _conditional_images(generator, what, n)
    report = _quality(images, what, classifier)
    untrained_images, _ = _conditional_images(_untrained(generator, what), what, n)
    untrained = _quality(np.clip(untrained_images, 0, 1), f"an untrained copy of {what}",
                         classifier)
    _far_from_untrained(report, untrained, what)
    settings = _thresholds()
    agreement = float(class_agreement(classifier, images, labels, N_CLASSES).mean())
    if agreement < settings.min_class_agreement:
        raise Wrong(f"the classifier agrees with the requested class for {agreement:.1%} of "
                    f"the images (at least {settings.min_class_agreement:.0%} asked; a "
                    "generator that ignores the class gets 10 %)")
    return (f"class agreement {agreement:.1%}, Fréchet distance {report.distance:.2f} "
            f"({report.n_samples:,} samples, {n // N_CLASSES} per class)")
