"""Checks for the autoencoder exercises (notebook 17): PCA and the linear autoencoder,
tied weights, convolutional and recurrent shapes, denoising, sparsity, the VAE.

Usage: ``from helpers import exercises as ex; ex.check_sampling(sample_codings)``
"""
from __future__ import annotations

from typing import Any

import keras
import numpy as np

from helpers.exercises.common import (Wrong, all_layers, answered, as_numpy, call, check, compare,
                                      error_summary, floats, predict, saturated)

__all__ = [
    "make_3d_dataset", "pca_reconstruction_mse", "check_linear_autoencoder",
    "dense_transpose_reference", "check_dense_transpose", "check_transposed_output_size",
    "check_conv_decoder", "check_lstm_parameter_count",
    "check_recurrent_encoder", "add_gaussian_noise", "check_denoiser", "kl_sparsity_reference",
    "check_kl_sparsity_loss", "hamming_reference", "check_hamming_distances",
    "check_precision_at_k", "check_sampling", "latent_loss_reference", "check_latent_loss",
    "check_interpolation", "TRANSPOSED_CASES", "LSTM_CASES",
]


def make_3d_dataset(n_points: int = 60, noise_level: float = 0.1, seed: int = 42) -> np.ndarray:
    """Notebook 01's points near a plane in 3-D, centred: ``(n_points, 3)`` float32."""
    rng = np.random.default_rng(seed)
    angles = (rng.random(n_points) ** 3 + 0.5) * 2 * np.pi
    plane_coords = np.c_[np.cos(angles), 0.5 * np.sin(angles)]
    plane_coords += 0.2 * rng.standard_normal(plane_coords.shape)
    mixing = np.array([[0.9, 0.1], [0.3, 0.8], [0.6, -0.5]])
    points = plane_coords @ mixing.T + noise_level * rng.standard_normal((n_points, 3))
    return (points - points.mean(axis=0)).astype("float32")


def pca_reconstruction_mse(X: np.ndarray, n_components: int) -> float:
    """Mean squared error of the best rank-``n_components`` affine reconstruction (PCA)."""
    centred = X - X.mean(axis=0)
    singular_values = np.linalg.svd(centred, compute_uv=False)
    return float(np.sum(singular_values[n_components:] ** 2) / X.size)


@check
def check_linear_autoencoder(autoencoder: Any, X: np.ndarray, coding_size: int = 2,
                             max_ratio_to_pca: float = 1.05) -> str:
    """A trained linear autoencoder: affine, rank <= coding_size, MSE within 5 % of PCA's."""
    answered(autoencoder)
    outputs = predict(autoencoder, X)
    if outputs.shape != X.shape:
        raise Wrong(f"the reconstructions have shape {outputs.shape}; expected {X.shape}")
    # Affine: the image of a midpoint is the midpoint of the images, even far from the data.
    first, second = floats(16, X.shape[1], seed=1) * 5, floats(16, X.shape[1], seed=2) * 5
    midpoint_error = np.max(np.abs(predict(autoencoder, (first + second) / 2)
                                   - (predict(autoencoder, first) + predict(autoencoder, second)) / 2))
    if midpoint_error > 1e-3 * max(1.0, np.max(np.abs(predict(autoencoder, first)))):
        raise Wrong(f"the model is not linear: f((a+b)/2) differs from (f(a)+f(b))/2 by "
                    f"{midpoint_error:.3g}. Use no activation function (or 'linear').")
    origin = predict(autoencoder, np.zeros((1, X.shape[1])))
    matrix = predict(autoencoder, np.eye(X.shape[1])) - origin
    singular_values = np.linalg.svd(matrix, compute_uv=False)
    rank = int(np.sum(singular_values > 1e-4 * singular_values[0]))
    if rank > coding_size:
        raise Wrong(f"the model's map has rank {rank}, more than the coding size {coding_size}: "
                    f"it is not undercomplete (give the coding layer {coding_size} units)")
    mse = float(np.mean((outputs - X) ** 2))
    pca_mse = pca_reconstruction_mse(X, coding_size)
    if mse > max_ratio_to_pca * pca_mse:
        raise Wrong(f"reconstruction MSE {mse:.5f} is above PCA's {pca_mse:.5f} (with "
                    f"{coding_size} components) by more than {max_ratio_to_pca - 1:.0%}: "
                    f"train longer or with a larger learning rate")
    return (f"a linear map of rank {rank}; reconstruction MSE {mse:.5f} against PCA's "
            f"{pca_mse:.5f} ({mse / pca_mse:.3f} x)")


# --- 02: stacked autoencoders ----------------------------------------------------------

def dense_transpose_reference(inputs, kernel, bias, activation=None):
    outputs = inputs @ kernel.T + bias
    return np.maximum(outputs, 0) if activation == "relu" else outputs


@check
def check_dense_transpose(layer_class: Any) -> str:
    """``layer_class(dense, activation=None)``: outputs activation(inputs @ dense.kernel.T + bias)
    with its own bias and the dense layer's kernel, not a copy."""
    answered(layer_class)
    dense = keras.layers.Dense(4, name="exercise_dense")
    dense.build((None, 6))
    kernel = floats(6, 4, seed=3)
    dense.kernel.assign(kernel)
    layer = layer_class(dense, activation="relu")
    inputs = floats(3, 4, seed=4)
    answered(layer(inputs))
    own = [weight for weight in layer.trainable_weights
           if all(weight is not shared for shared in dense.weights)]
    shapes = [tuple(weight.shape) for weight in own]
    if shapes != [(6,)]:
        raise Wrong(f"the layer's own weights have shapes {shapes}; expected one bias of "
                    f"shape (6,) and the dense layer's kernel reused, not copied")
    bias = floats(6, seed=5)
    own[0].assign(bias)
    dense.kernel.assign(kernel * 2)  # a tied layer follows its dense layer's kernel
    expected = dense_transpose_reference(inputs, kernel * 2, bias, "relu")
    compare("the output", layer(inputs), expected, hints={
        "the kernel was copied at build time: later changes of the dense layer's kernel "
        "do not reach it": dense_transpose_reference(inputs, kernel, bias, "relu"),
        "the activation is missing": dense_transpose_reference(inputs, kernel * 2, bias)})
    return "the layer reuses the dense kernel transposed, adds its own bias of shape (6,)"


# --- 03: convolutional autoencoders ----------------------------------------------------

# The last case has a kernel smaller than the stride, where "valid" is not (h - 1) s + k.
TRANSPOSED_CASES = [(7, 3, 2, "valid"), (7, 3, 2, "same"), (3, 3, 1, "valid"), (5, 4, 2, "valid"),
                    (14, 5, 3, "valid"), (4, 2, 2, "same"), (6, 3, 3, "same"), (5, 2, 3, "valid")]


@check
def check_transposed_output_size(function: Any) -> str:
    """``function(size, kernel_size, strides, padding)`` -> the output height of a
    ``Conv2DTranspose``, checked against Keras itself on several cases."""
    for size, kernel_size, strides, padding in TRANSPOSED_CASES:
        layer = keras.layers.Conv2DTranspose(1, kernel_size, strides=strides, padding=padding)
        expected = layer.compute_output_shape((None, size, size, 1))[1]
        got = call(function, size, kernel_size, strides, padding)
        if got != expected:
            hint = ""
            if padding == "valid" and got == (size - 1) * strides + kernel_size:
                hint = (": with a kernel smaller than the stride, Keras still spaces the "
                        "outputs by the stride, (h - 1) s + max(k, s)")
            raise Wrong(f"for size={size}, kernel_size={kernel_size}, strides={strides}, "
                        f"padding={padding!r} you return {got}; Keras gives {expected}{hint}")
    return f"matches Keras on {len(TRANSPOSED_CASES)} cases (valid and same padding)"


@check
def check_conv_decoder(decoder: Any, coding_size: int = 30) -> str:
    """A decoder from ``(n, coding_size)`` codings to ``(n, 28, 28)`` or ``(n, 28, 28, 1)``
    pixels in [0, 1], using at least one transposed convolution."""
    answered(decoder)
    outputs = predict(decoder, floats(5, coding_size, seed=6) * 3)
    if outputs.shape not in ((5, 28, 28), (5, 28, 28, 1)):
        raise Wrong(f"5 codings give outputs of shape {outputs.shape}; expected (5, 28, 28) "
                    f"or (5, 28, 28, 1)")
    large = saturated(decoder, floats(16, coding_size, seed=6) * 3)
    low, high = min(outputs.min(), large.min()), max(outputs.max(), large.max())
    if low < 0 or high > 1:
        raise Wrong(f"outputs range over [{low:.2f}, {high:.2f}] (with larger weights); pixels "
                    f"are in [0, 1] (end with a sigmoid)")
    layers = all_layers(decoder)
    if not any(isinstance(layer, keras.layers.Conv2DTranspose) for layer in layers):
        raise Wrong("no Conv2DTranspose layer: the exercise is to up-sample with "
                    "transposed convolutions")
    return f"(5, {coding_size}) codings -> {outputs.shape} pixels in [0, 1]"


# --- 04: recurrent autoencoders --------------------------------------------------------

LSTM_CASES = [(28, 100), (100, 30), (1, 1), (3, 7)]


@check
def check_lstm_parameter_count(function: Any) -> str:
    """``function(input_dim, units)`` -> the number of weights of a Keras LSTM layer."""
    for input_dim, units in LSTM_CASES:
        layer = keras.layers.LSTM(units)
        layer.build((None, 5, input_dim))
        expected = layer.count_params()
        got = call(function, input_dim, units)
        if got != expected:
            raise Wrong(f"for input_dim={input_dim}, units={units} you return {got}; Keras "
                        f"counts {expected}")
    return f"matches Keras' count on {len(LSTM_CASES)} cases"


@check
def check_recurrent_encoder(encoder: Any, coding_size: int = 30) -> str:
    """A sequence-to-vector encoder: ``(n, 28, 28)`` images read as 28 rows -> ``(n, coding_size)``,
    through at least one recurrent layer."""
    answered(encoder)
    codings = predict(encoder, floats(4, 28, 28, seed=7, low=0, high=1))
    if codings.shape != (4, coding_size):
        raise Wrong(f"4 images give codings of shape {codings.shape}; expected (4, {coding_size})")
    if not any(isinstance(layer, keras.layers.RNN) for layer in all_layers(encoder)):
        raise Wrong("no recurrent layer (LSTM, GRU, SimpleRNN) in the encoder")
    return f"(4, 28, 28) images -> {codings.shape} codings through a recurrent layer"


# --- 05: denoising autoencoders --------------------------------------------------------

def add_gaussian_noise(images: np.ndarray, noise_level: float, seed: int = 0) -> np.ndarray:
    """``images`` plus N(0, noise_level^2) noise (not clipped, as in notebook 05)."""
    return (images + noise_level * np.random.default_rng(seed).standard_normal(images.shape)).astype("float32")


# The denoiser must win back a good share of what the noise costs the plain model. Measured in
# notebook 17's set-up: at sigma = 0.3 the right answer won back 48 % (noisy inputs made once,
# clean targets: 48 % too), models trained on noisy targets 25 to 32 %. Other levels blur the
# line: at 0.2 a right answer (noisy inputs made once) won back 23 %, noisy targets 33 %; from
# 0.5 up a GaussianNoise layer with noisy targets won back 45 to 62 %. So the task fixes it.
DENOISING_SIGMA = 0.3
MIN_RECOVERED_SHARE = 0.4


@check
def check_denoiser(denoiser: Any, plain: Any, clean_images: np.ndarray,
                   noise_level: float) -> str:
    """On the same noisy images (Gaussian, ``noise_level`` = 0.3), the denoiser must win back
    at least 40 % of the error that the noise adds to the plain autoencoder's reconstructions."""
    answered(denoiser)
    if noise_level != DENOISING_SIGMA:
        raise Wrong(f"the task's noise level is sigma = {DENOISING_SIGMA} (got {noise_level}): "
                    "the check's threshold was measured there")
    noisy = add_gaussian_noise(clean_images, noise_level)
    denoised = predict(denoiser, noisy).reshape(clean_images.shape)
    if not np.allclose(denoised, predict(denoiser, noisy).reshape(clean_images.shape), atol=1e-6):
        raise Wrong("two predictions on the same images differ: the corruption must act only "
                    "while training")
    denoiser_error = float(np.mean((denoised - clean_images) ** 2))
    plain_error = float(np.mean((predict(plain, noisy).reshape(clean_images.shape)
                                 - clean_images) ** 2))
    plain_clean_error = float(np.mean((predict(plain, clean_images).reshape(clean_images.shape)
                                       - clean_images) ** 2))
    if denoiser_error >= plain_error:
        raise Wrong(f"on images with noise sigma={noise_level}, your denoiser's MSE "
                    f"{denoiser_error:.5f} is not below the plain model's {plain_error:.5f}")
    noise_cost = plain_error - plain_clean_error
    recovered = (plain_error - denoiser_error) / noise_cost if noise_cost > 0 else 0.0
    if recovered < MIN_RECOVERED_SHARE:
        raise Wrong(f"the noise raises the plain model's MSE from {plain_clean_error:.5f} to "
                    f"{plain_error:.5f}; your denoiser wins back only {recovered:.0%} of that "
                    f"({denoiser_error:.5f}), {MIN_RECOVERED_SHARE:.0%} asked. Trained with "
                    "noisy targets, a model learns to reproduce the noise: the targets must "
                    "be the clean images")
    won_back = (f"{recovered:.0%} of what the noise cost" if recovered <= 1 else
                "all that the noise cost, and more (it beats the plain model on clean images)")
    return (f"sigma={noise_level}: denoiser MSE {denoiser_error:.5f} against the plain model's "
            f"{plain_error:.5f}; it wins back {won_back}")


# --- 06: sparse autoencoders -----------------------------------------------------------

def kl_sparsity_reference(activations, target, weight):
    q = np.clip(activations.mean(axis=0), 1e-7, 1 - 1e-7)
    p = target
    return weight * np.sum(p * np.log(p / q) + (1 - p) * np.log((1 - p) / (1 - q)))


@check
def check_kl_sparsity_loss(function: Any) -> str:
    """``function(activations, target, weight)`` -> weight * sum_j KL(target || q_j), where q_j is
    unit j's mean activation over the batch."""
    activations = floats(16, 6, seed=8, low=0.01, high=0.6)
    target, weight = 0.1, 0.05
    got = call(function, activations, target, weight)
    q = activations.mean(axis=0)
    reversed_kl = weight * np.sum(q * np.log(q / target)
                                  + (1 - q) * np.log((1 - q) / (1 - target)))
    expected = kl_sparsity_reference(activations, target, weight)
    compare("the loss", got, expected, hints={
        "KL(q || p): the arguments of the divergence are swapped": reversed_kl,
        "the mean over units instead of the sum": expected / 6,
        "the weight is missing": expected / weight})
    # Where it is used: as a layer's activity regularizer, inside fit's compiled graph.
    layer = keras.layers.Dense(6, activation="sigmoid",
                               kernel_initializer=keras.initializers.GlorotUniform(seed=8),
                               activity_regularizer=lambda a: function(a, target, weight))
    model = keras.Sequential([keras.Input((4,)), layer])
    model.compile(loss="mse", optimizer="sgd")
    try:
        model.fit(floats(32, 4, seed=9), floats(32, 6, seed=10, low=0, high=1), batch_size=16,
                  epochs=1, verbose=0)
    except Exception as error:
        raise Wrong(f"right on NumPy arrays, but it fails inside fit as an activity "
                    f"regularizer, where activations are symbolic tensors: write it with "
                    f"keras.ops, not NumPy ({error_summary(error)})") from None
    return (f"loss {float(expected):.5f} on a (16, 6) batch of activations, and it trains as "
            f"an activity regularizer")


# --- 07: semantic hashing --------------------------------------------------------------

def hamming_reference(query_codes: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """Hamming distances (n_queries, n_items) between packed uint8 codes, bit by bit."""
    query_bits = np.unpackbits(query_codes, axis=1).astype(bool)
    bits = np.unpackbits(codes, axis=1).astype(bool)
    return (query_bits[:, None, :] != bits[None, :, :]).sum(axis=-1)


@check
def check_hamming_distances(function: Any) -> str:
    """``function(query_codes, codes)`` -> (n_queries, n_items) counts of differing bits,
    for codes packed eight bits to a byte (uint8, shape (n, n_bytes))."""
    rng = np.random.default_rng(14)
    query_codes = rng.integers(0, 256, (3, 3), dtype=np.uint8)  # three 24-bit codes
    codes = rng.integers(0, 256, (5, 3), dtype=np.uint8)
    codes[0] = query_codes[0]            # an exact match: distance 0
    codes[1] = ~query_codes[1]           # every bit differs: distance 24
    expected = hamming_reference(query_codes, codes)
    xor = query_codes[:, None, :] ^ codes[None, :, :]
    compare("the distances", call(function, query_codes.copy(), codes.copy()), expected, hints={
        "the XOR's byte values were added up; count its 1-bits instead "
        "(np.bitwise_count, or np.unpackbits then a sum)": xor.astype(np.int64).sum(axis=-1),
        "differing bytes were counted, not differing bits": (xor != 0).sum(axis=-1),
        "the bits that agree were counted, not the ones that differ": 24 - expected})
    return "distances between 24-bit codes, from 0 (same code) to 24 (every bit flipped)"


@check
def check_precision_at_k(function: Any) -> str:
    """``function(neighbour_labels, query_labels)`` -> (n_queries,) share of each query's
    neighbours that have its label."""
    rng = np.random.default_rng(15)
    for n_queries, k in ((5, 5), (4, 6)):  # the square case first: it names a wrong broadcast
        query_labels = rng.integers(0, 3, n_queries)
        neighbour_labels = rng.integers(0, 3, (n_queries, k))
        neighbour_labels[0] = query_labels[0]  # one query with every neighbour right
        matches = neighbour_labels == query_labels[:, None]
        hints = {"the matches were counted; divide by k for a share": matches.sum(axis=1)}
        if n_queries == k:
            hints["each neighbour was compared with the wrong query: make the query labels "
                  "a column, query_labels[:, None]"] = (
                neighbour_labels == query_labels[None, :]).mean(axis=1)
        compare(f"the precisions ({n_queries} queries, k = {k})",
                call(function, neighbour_labels.copy(), query_labels.copy()),
                matches.mean(axis=1), hints=hints)
    return "one precision per query, the share of its k neighbours in its class"


# --- 08: variational autoencoders ------------------------------------------------------

@check
def check_sampling(function: Any) -> str:
    """``function(mean, log_var, epsilon)`` -> mean + exp(log_var / 2) * epsilon."""
    mean, log_var, epsilon = floats(4, 3, seed=9), floats(4, 3, seed=10), floats(4, 3, seed=11)
    got = call(function, mean, log_var, epsilon)
    compare("the codings", got, mean + np.exp(log_var / 2) * epsilon, hints={
        "exp(log_var) was used as the standard deviation; the standard deviation is "
        "exp(log_var / 2)": mean + np.exp(log_var) * epsilon,
        "log_var was used as the standard deviation": mean + log_var * epsilon})
    return "mean + exp(log_var / 2) * epsilon, on a (4, 3) batch"


def latent_loss_reference(mean, log_var):
    return -0.5 * np.sum(1 + log_var - np.exp(log_var) - mean ** 2, axis=-1)


@check
def check_latent_loss(function: Any) -> str:
    """``function(mean, log_var)`` -> one KL divergence per example, shape ``(n,)``."""
    mean, log_var = floats(5, 3, seed=12), floats(5, 3, seed=13)
    expected = latent_loss_reference(mean, log_var)
    got = as_numpy(call(function, mean, log_var), "the latent loss")
    if got.shape == ():
        raise Wrong("you return one number; return one KL divergence per example, shape (5,) "
                    "(sum over the coding dimensions, not over the batch)")
    compare("the latent loss", got, expected, hints={
        "a mean over coding dimensions instead of a sum": expected / 3,
        "the factor -1/2 is missing or has the wrong sign": -2 * expected})
    return "one KL divergence per example, shape (5,)"


@check
def check_interpolation(function: Any) -> str:
    """``function(start, end, n_steps)`` -> ``(n_steps, d)``, start and end included, evenly spaced."""
    start, end = floats(4, seed=14), floats(4, seed=15)
    expected = start + np.linspace(0, 1, 7)[:, None] * (end - start)
    compare("the interpolated codings", call(function, start, end, 7), expected, hints={
        "the end point is missing (use n_steps points from 0 to 1 inclusive)":
            start + np.arange(7)[:, None] / 7 * (end - start)})
    return "7 evenly spaced codings from start to end, both included"


# --- 09: generative adversarial networks -----------------------------------------------
