"""Checks for the GAN exercises (notebook 18): the two training phases, DCGAN shapes,
conditional inputs, class entropy, the gradient penalty, ProGAN's and StyleGAN's layers.

Usage: ``from helpers import exercises as ex; ex.check_adain(adain)``
"""
from __future__ import annotations

from typing import Any

import keras
import numpy as np

from helpers.exercises.common import (Wrong, all_layers, answered, as_numpy, call, check, compare,
                                      floats, predict, saturated)

__all__ = [
    "check_discriminator_step", "check_generator_loss", "check_dcgan_generator",
    "check_dcgan_discriminator", "check_conditional_inputs", "check_mismatched_labels",
    "class_entropy_reference", "check_class_entropy", "check_gradient_penalty",
    "alternating_steps_reference", "check_alternating_steps", "minibatch_stddev_reference",
    "check_minibatch_stddev", "pixel_norm_reference", "check_pixel_norm",
    "check_equalized_dense", "fade_in_reference", "check_fade_in", "adain_reference",
    "check_adain", "check_noise_injection", "check_style_mixing", "check_mapping_network",
]


def _dense(units, activation, seed):
    # Seeded initializers, not a global seed: a check leaves the learner's random state alone.
    return keras.layers.Dense(units, activation=activation,
                              kernel_initializer=keras.initializers.GlorotUniform(seed=seed))


def _tiny_gan_networks():
    generator = keras.Sequential([keras.Input((2,)), _dense(3, "relu", 0),
                                  _dense(4, "sigmoid", 1)])
    discriminator = keras.Sequential([keras.Input((4,)), _dense(3, "relu", 2),
                                      _dense(1, "sigmoid", 3)])
    return generator, discriminator


def _weights(model):
    return [np.array(weight.numpy()) for weight in model.weights]


@check
def check_discriminator_step(function: Any) -> str:
    """``function(generator, discriminator, optimizer, real_images, codings)`` -> the discriminator's
    loss; one gradient step on the discriminator only, binary cross-entropy, real 1, fake 0."""
    import tensorflow as tf

    answered(function)
    generator, discriminator = _tiny_gan_networks()
    real, codings = floats(6, 4, seed=16, low=0, high=1), floats(6, 2, seed=17)
    before_g, before_d = _weights(generator), _weights(discriminator)
    # The reference step, on a copy of the discriminator.
    reference = keras.models.clone_model(discriminator)
    reference.set_weights(before_d)
    images = np.concatenate([real, generator(codings).numpy()])
    labels = np.r_[np.ones((6, 1)), np.zeros((6, 1))].astype("float32")
    with tf.GradientTape() as tape:
        loss = keras.ops.mean(keras.losses.binary_crossentropy(labels, reference(images)))
    gradients = tape.gradient(loss, reference.trainable_weights)
    keras.optimizers.SGD(0.5).apply_gradients(zip(gradients, reference.trainable_weights))
    loss = float(loss)
    swapped = float(keras.ops.mean(keras.losses.binary_crossentropy(
        1 - labels, discriminator(images))))
    got_loss = call(function, generator, discriminator, keras.optimizers.SGD(0.5), real, codings)
    if any(not np.array_equal(a, b) for a, b in zip(before_g, _weights(generator))):
        raise Wrong("your step changed the generator's weights: phase 1 trains the "
                    "discriminator only (apply gradients to discriminator.trainable_weights)")
    if all(np.array_equal(a, b) for a, b in zip(before_d, _weights(discriminator))):
        raise Wrong("the discriminator's weights did not change: apply the gradients with the "
                    "optimizer")
    compare("the returned loss", got_loss, loss, hints={
        "the labels are swapped: real images are labelled 1, fakes 0": swapped})
    for got, expected in zip(_weights(discriminator), _weights(reference)):
        compare("the discriminator's weights after your step", got, expected, tolerance=1e-4)
    return (f"one step on the discriminator only (loss {loss:.4f}), the generator untouched, "
            f"the same update as the reference")


@check
def check_generator_loss(function: Any) -> str:
    """``function(fake_probabilities)`` -> the non-saturating loss mean(-log D(G(z)))."""
    probabilities = floats(8, 1, seed=18, low=0.01, high=0.99)
    expected = np.mean(-np.log(probabilities))
    compare("the loss", call(function, probabilities), expected, tolerance=1e-3, hints={
        "the minimax loss mean(log(1 - D(G(z)))), which saturates when D wins":
            np.mean(np.log(1 - probabilities)),
        "the discriminator's loss for fakes, -log(1 - D(G(z)))":
            np.mean(-np.log(1 - probabilities))})
    return f"the non-saturating loss, {expected:.4f} on 8 probabilities"


# --- 10: deep convolutional GANs -------------------------------------------------------

@check
def check_dcgan_generator(generator: Any, codings_size: int = 100) -> str:
    """The DCGAN guidelines for a generator: transposed convolutions, batch normalization except
    at the output, (n, 28, 28, 1) images from a tanh."""
    answered(generator)
    images = predict(generator, floats(3, codings_size, seed=19) * 3)
    if images.shape != (3, 28, 28, 1):
        raise Wrong(f"3 codings give images of shape {images.shape}; expected (3, 28, 28, 1)")
    layers = all_layers(generator)
    if not any(isinstance(layer, keras.layers.Conv2DTranspose) for layer in layers):
        raise Wrong("no Conv2DTranspose: the generator should up-sample with transposed "
                    "convolutions")
    if not any(isinstance(layer, keras.layers.BatchNormalization) for layer in layers):
        raise Wrong("no BatchNormalization: the guidelines use it in the generator")
    weighted = [layer for layer in layers if layer.weights and not getattr(layer, "layers", None)]
    if isinstance(weighted[-1], keras.layers.BatchNormalization):
        raise Wrong("the output goes through BatchNormalization: the guidelines leave it out of "
                    "the generator's output layer")
    large = saturated(generator, floats(16, codings_size, seed=19) * 3)
    if large.min() < -1 or large.max() > 1 or large.min() > -0.5:
        raise Wrong(f"with larger weights the outputs range over [{large.min():.2f}, "
                    f"{large.max():.2f}]: end with a tanh, so pixels always lie in [-1, 1]")
    return f"codings -> {images.shape} images in [-1, 1], transposed convolutions, batch norm"


@check
def check_dcgan_discriminator(discriminator: Any) -> str:
    """The DCGAN guidelines for a discriminator: strided convolutions (no pooling), leaky ReLU,
    one sigmoid probability per image."""
    answered(discriminator)
    outputs = predict(discriminator, floats(3, 28, 28, 1, seed=20, low=-1, high=1))
    if outputs.shape != (3, 1):
        raise Wrong(f"3 images give outputs of shape {outputs.shape}; expected (3, 1)")
    large = saturated(discriminator, floats(16, 28, 28, 1, seed=20, low=-1, high=1))
    if min(outputs.min(), large.min()) < 0 or max(outputs.max(), large.max()) > 1:
        raise Wrong("outputs are not always probabilities (with larger weights they leave "
                    "[0, 1]): end with Dense(1, activation='sigmoid')")
    layers = all_layers(discriminator)
    pooling = [layer.name for layer in layers
               if "Pooling" in type(layer).__name__ or "Pool" in type(layer).__name__]
    if pooling:
        raise Wrong(f"pooling layers {pooling}: the guidelines replace pooling by strided "
                    f"convolutions")
    convs = [layer for layer in layers if isinstance(layer, keras.layers.Conv2D)]
    if not any(max(layer.strides) > 1 for layer in convs):
        raise Wrong("no strided Conv2D: down-sample with strides=2")
    leaky = any(isinstance(layer, keras.layers.LeakyReLU) for layer in layers) or any(
        getattr(getattr(layer, "activation", None), "__name__", "") == "leaky_relu"
        for layer in layers)
    if not leaky:
        raise Wrong("no leaky ReLU: the guidelines use it in every discriminator layer")
    return "strided convolutions, leaky ReLU, no pooling, one probability per image"


# --- 11: conditional GANs --------------------------------------------------------------

@check
def check_conditional_inputs(function: Any) -> str:
    """``function(codings, labels, n_classes)`` -> codings with the one-hot class appended."""
    codings = floats(5, 3, seed=21)
    # No label is the last class, and n_classes varies: the width must come from n_classes.
    for labels, n_classes in ((np.array([0, 2, 7, 4, 2]), 10), (np.array([1, 0, 3, 3, 2]), 6)):
        expected = np.c_[codings, np.eye(n_classes)[labels]]
        compare(f"the inputs for {n_classes} classes", call(function, codings, labels, n_classes),
                expected, hints={
                    "the one-hot vector comes first: append it after the codings":
                        np.c_[np.eye(n_classes)[labels], codings]})
    return "codings (5, 3) + one-hot labels (5, 10) -> (5, 13), and (5, 9) for 6 classes"


@check
def check_mismatched_labels(function: Any) -> str:
    """``function(labels, n_classes, seed)`` -> labels all different from ``labels``, any of the
    other classes equally likely."""
    labels = np.repeat(np.arange(10), 2_000)
    wrong = as_numpy(call(function, labels, 10, 0), "the wrong labels").astype(int)
    if wrong.shape != labels.shape:
        raise Wrong(f"shape {wrong.shape}; expected {labels.shape}")
    if wrong.min() < 0 or wrong.max() > 9:
        raise Wrong(f"labels range over [{wrong.min()}, {wrong.max()}]; classes are 0 to 9")
    same = int(np.sum(wrong == labels))
    if same:
        raise Wrong(f"{same} of {len(labels)} labels are left unchanged; every one must differ")
    counts = np.array([[np.sum(wrong[labels == true] == other) for other in range(10)]
                       for true in range(10)])[~np.eye(10, dtype=bool)]
    # Chi-square against "each of the 9 other classes equally likely": 90 cells, 81 degrees
    # of freedom; a fair draw exceeds 150 with probability below 1e-5.
    expected = len(labels) / 10 / 9
    chi_square = float(np.sum((counts - expected) ** 2 / expected))
    if chi_square > 150:
        raise Wrong(f"the wrong labels do not cover the other classes evenly (chi-square "
                    f"{chi_square:.0f} over 90 pairs, where a fair draw stays below 150; e.g. "
                    f"always label + 1, or one class favoured): draw each wrong class with "
                    f"equal probability")
    return "every label changed, each other class drawn about equally often"


# --- 12: the difficulties of training GANs ---------------------------------------------

def class_entropy_reference(classes, n_classes=10):
    shares = np.bincount(np.asarray(classes), minlength=n_classes) / len(classes)
    shares = shares[shares > 0]
    return float(-np.sum(shares * np.log(shares)))


@check
def check_class_entropy(function: Any) -> str:
    """``function(predicted_classes, n_classes)`` -> the entropy (nats) of the class shares."""
    for classes in (np.array([3] * 50), np.arange(10).repeat(5), np.random.default_rng(22).integers(0, 4, 50)):
        expected = class_entropy_reference(classes)
        compare(f"the entropy of {np.bincount(classes, minlength=10).tolist()}",
                 call(function, classes, 10), expected, tolerance=1e-4, hints={
                     "log base 2 (bits) instead of the natural log (nats)":
                         expected / np.log(2)})
    return "0 for one class, log(10) = 2.303 for ten equal ones, and a mix in between"


@check
def check_gradient_penalty(function: Any) -> str:
    """``function(critic, real, fake, alpha)`` -> mean over the batch of (||grad critic(x_hat)|| - 1)^2
    at x_hat = alpha * real + (1 - alpha) * fake."""
    real, fake = floats(4, 3, seed=23), floats(4, 3, seed=24)
    alpha = floats(4, 1, seed=25, low=0, high=1)
    shift = np.array([0.5, -1.0, 2.0], "float32")

    def critic(images):  # sum(x^3 / 3 + shift * x): its gradient is x^2 + shift
        return keras.ops.sum(images ** 3 / 3 + shift * images, axis=-1, keepdims=True)

    def penalty(points, norm=lambda g: np.linalg.norm(g, axis=1)):
        return np.mean((norm(points ** 2 + shift) - 1) ** 2)

    interpolated = alpha * real + (1 - alpha) * fake
    expected = penalty(interpolated)
    compare("the penalty", call(function, critic, real, fake, alpha), expected, hints={
        "the gradient was taken at the real images, not at the interpolates": penalty(real),
        "the gradient was taken at the fakes, not at the interpolates": penalty(fake),
        "alpha weights the fakes: x_hat = alpha * real + (1 - alpha) * fake":
            penalty(alpha * fake + (1 - alpha) * real),
        "the norm of the interpolates themselves, not of the critic's gradient there":
            np.mean((np.linalg.norm(interpolated, axis=1) - 1) ** 2),
        "the squared norm was used instead of the norm":
            penalty(interpolated, lambda g: np.sum(g ** 2, axis=1)),
        "the norm was taken over the whole batch, not per image":
            (np.linalg.norm(interpolated ** 2 + shift) - 1) ** 2})
    return f"penalty {expected:.4f} for a critic whose gradient is known, x^2 + c"


def alternating_steps_reference(x, y, learning_rate, n_steps):
    for _ in range(n_steps):
        x = x - learning_rate * y  # x minimises x*y: df/dx = y
        y = y + learning_rate * x  # y maximises, and already sees the new x
    return x, y


@check
def check_alternating_steps(function: Any) -> str:
    """``function(x, y, learning_rate, n_steps)`` -> (x, y) after alternating gradient steps on
    min_x max_y x*y: x first, then y using the new x."""
    x, y = as_numpy(call(function, 1.0, 1.0, 0.1, 300), "(x, y)")
    expected = alternating_steps_reference(1.0, 1.0, 0.1, 300)
    simultaneous = (1.0, 1.0)
    for _ in range(300):
        simultaneous = (simultaneous[0] - 0.1 * simultaneous[1],
                        simultaneous[1] + 0.1 * simultaneous[0])
    compare("(x, y) after 300 steps", (x, y), expected, hints={
        "simultaneous steps: y must use the updated x": simultaneous})
    return (f"(x, y) = ({expected[0]:.3f}, {expected[1]:.3f}): the point circles, distance "
            f"{np.hypot(*expected):.2f} from the equilibrium, against {np.hypot(1, 1):.2f} at the start")


# --- 13: progressive growing of GANs ---------------------------------------------------

def minibatch_stddev_reference(features, epsilon=1e-8):
    stddevs = np.sqrt(np.mean((features - features.mean(axis=0)) ** 2, axis=0) + epsilon)
    extra = np.full(features.shape[:-1] + (1,), stddevs.mean())
    return np.concatenate([features, extra], axis=-1)


@check
def check_minibatch_stddev(function: Any) -> str:
    """``function(features)``: (n, h, w, c) -> (n, h, w, c + 1), the extra map holding the mean over
    positions and channels of the standard deviation over the batch."""
    features = floats(4, 3, 3, 2, seed=26)
    expected = minibatch_stddev_reference(features)
    unbiased = np.concatenate([features, np.full((4, 3, 3, 1), features.std(axis=0, ddof=1)
                                                 .mean())], axis=-1)
    per_image = np.concatenate([features, np.broadcast_to(
        features.std(axis=(1, 2, 3), keepdims=True), (4, 3, 3, 1))], axis=-1)
    compare("the output", call(function, features), expected, hints={
        "the unbiased (n - 1) standard deviation; use the mean over the batch (n)": unbiased,
        "a standard deviation per image instead of over the batch": per_image})
    return "(4, 3, 3, 2) -> (4, 3, 3, 3), the extra map the batch's mean standard deviation"


def pixel_norm_reference(features, epsilon=1e-8):
    return features / np.sqrt(np.mean(features ** 2, axis=-1, keepdims=True) + epsilon)


@check
def check_pixel_norm(function: Any) -> str:
    """``function(features)`` -> each position's channel vector divided by its root mean square."""
    features = floats(2, 3, 3, 4, seed=27)
    compare("the output", call(function, features), pixel_norm_reference(features), hints={
        "a division by the norm, not the root mean square (mean over channels, not sum)":
            features / np.linalg.norm(features, axis=-1, keepdims=True),
        "the normalization over the image instead of over the channels":
            features / np.sqrt(np.mean(features ** 2, axis=(1, 2), keepdims=True))})
    return "each pixel's feature vector scaled to a root mean square of 1"


@check
def check_equalized_dense(function: Any) -> str:
    """``function(inputs, kernel, bias, gain)`` -> inputs @ (kernel * sqrt(gain / fan_in)) + bias."""
    # Two fan-ins and two gains, so that no constant passes for sqrt(gain / fan_in).
    for fan_in, units, gain, seed in ((5, 3, 2.0, 28), (6, 4, 1.0, 31)):
        inputs, kernel = floats(3, fan_in, seed=seed), floats(fan_in, units, seed=seed + 1)
        bias = floats(units, seed=seed + 2)
        scale = np.sqrt(gain / fan_in)
        compare(f"the output (fan_in {fan_in}, gain {gain:g})",
                call(function, inputs, kernel, bias, gain), inputs @ (kernel * scale) + bias,
                hints={
                    "the kernel is not scaled: multiply it by sqrt(gain / fan_in) at run time":
                        inputs @ kernel + bias,
                    "the kernel scaled by sqrt(gain / units) instead of sqrt(gain / fan_in)":
                        inputs @ (kernel * np.sqrt(gain / units)) + bias,
                    "the gain is ignored (He's sqrt(2 / fan_in) whatever the gain)":
                        inputs @ (kernel * np.sqrt(2 / fan_in)) + bias,
                    "the kernel scaled by gain / fan_in, without the square root":
                        inputs @ (kernel * gain / fan_in) + bias,
                    "the bias scaled too": (inputs @ kernel + bias) * scale})
    return "sqrt(gain / fan_in) applied to the kernel at run time, for two gains and fan-ins"


def fade_in_reference(low_res, high_res, alpha):
    upsampled = low_res.repeat(2, axis=1).repeat(2, axis=2)
    return (1 - alpha) * upsampled + alpha * high_res


@check
def check_fade_in(function: Any) -> str:
    """``function(low_res, high_res, alpha)`` -> (1 - alpha) * nearest-neighbour 2x up-sampled
    low_res + alpha * high_res."""
    low_res, high_res = floats(2, 4, 4, 1, seed=31), floats(2, 8, 8, 1, seed=32)
    for alpha in (0.3, 0.8):
        compare(f"the blend at alpha = {alpha}", call(function, low_res, high_res, alpha),
                fade_in_reference(low_res, high_res, alpha), hints={
                    "alpha weights the old, low-resolution path: it should weight the new layer":
                        fade_in_reference(low_res, high_res, 1 - alpha)})
    return "alpha = 0.3 blends 30 % of the new 8x8 output with 70 % of the up-sampled 4x4 one"


# --- 14: StyleGAN ----------------------------------------------------------------------

def adain_reference(features, style_scale, style_bias, epsilon=1e-8):
    mean = features.mean(axis=(1, 2), keepdims=True)
    std = np.sqrt(features.var(axis=(1, 2), keepdims=True) + epsilon)
    return (style_scale[:, None, None, :] * (features - mean) / std
            + style_bias[:, None, None, :])


@check
def check_adain(function: Any) -> str:
    """``function(features, style_scale, style_bias)``: each feature map of each image standardized
    over its positions, then scaled and shifted by that image's style."""
    features = floats(2, 4, 4, 3, seed=33) * 2 + 1
    scale, bias = floats(2, 3, seed=34), floats(2, 3, seed=35)
    expected = adain_reference(features, scale, bias)
    batch_mean = features.mean(axis=(0, 1, 2), keepdims=True)
    batch_std = features.std(axis=(0, 1, 2), keepdims=True)
    compare("the output", call(function, features, scale, bias), expected, tolerance=1e-3, hints={
        "batch normalization (statistics over the batch too): AdaIN uses each image's own":
            scale[:, None, None, :] * (features - batch_mean) / batch_std + bias[:, None, None, :],
        "scale and bias swapped": adain_reference(features, bias, scale)})
    return "per image and per channel standardization, then the style's scale and bias"


@check
def check_noise_injection(function: Any) -> str:
    """``function(features, noise, noise_scale)``: features (n, h, w, c) plus one noise map per image
    (n, h, w, 1) times a learned scale per channel (c,)."""
    features, noise = floats(2, 4, 4, 3, seed=36), floats(2, 4, 4, 1, seed=37)
    noise_scale = np.array([0.1, -0.5, 2.0], dtype="float32")
    expected = features + noise * noise_scale
    compare("the output", call(function, features, noise, noise_scale), expected, hints={
        "the noise replaced the features instead of being added": noise * noise_scale,
        "the scale is missing": features + noise})
    return "features + noise map x per-channel scale"


@check
def check_style_mixing(function: Any) -> str:
    """``function(styles_a, styles_b, crossover)``: (n, levels, d) styles, levels below
    ``crossover`` from a, the others from b."""
    styles_a, styles_b = floats(2, 6, 4, seed=38), floats(2, 6, 4, seed=39)

    def mix(first, second, crossover):
        return np.concatenate([first[:, :crossover], second[:, crossover:]], axis=1)

    for crossover in (2, 5):  # two crossovers: the argument must be used, not a constant
        compare(f"the mixed styles (crossover {crossover})",
                call(function, styles_a, styles_b, crossover), mix(styles_a, styles_b, crossover),
                hints={"a and b swapped: the coarse levels (below the crossover) come from a":
                           mix(styles_b, styles_a, crossover),
                       "the crossover level itself taken from a":
                           mix(styles_a, styles_b, crossover + 1),
                       "the levels were cut along the wrong axis (axis 1 holds the levels)":
                           np.concatenate([styles_a[..., :crossover], styles_b[..., crossover:]],
                                          axis=-1)})
    return "levels below the crossover from the first coding's styles, the rest from the second's"


@check
def check_mapping_network(mapping: Any, codings_size: int = 32, n_layers: int = 8) -> str:
    """A mapping network: ``(n, codings_size)`` -> ``(n, codings_size)`` styles, ``n_layers``
    dense layers, non-linear."""
    answered(mapping)
    codings = floats(6, codings_size, seed=40)
    styles = predict(mapping, codings)
    if styles.shape != (6, codings_size):
        raise Wrong(f"6 codings give {styles.shape}; expected (6, {codings_size})")
    dense = [layer for layer in all_layers(mapping)
             if isinstance(layer, keras.layers.Dense) or type(layer).__name__ == "EqualizedDense"]
    if len(dense) != n_layers:
        raise Wrong(f"{len(dense)} dense layers; StyleGAN's mapping network has {n_layers}")
    other = floats(6, codings_size, seed=41)
    midpoint_error = np.max(np.abs(predict(mapping, (codings + other) / 2)
                                   - (styles + predict(mapping, other)) / 2))
    if midpoint_error < 1e-5:
        raise Wrong("the network is affine: add a non-linearity (leaky ReLU) between the "
                    "dense layers, or eight layers are worth one")
    return f"(6, {codings_size}) codings -> {styles.shape} styles through {n_layers} dense layers"
