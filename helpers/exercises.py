"""Self-checks for the exercise notebooks (14 and 15): call one on your answer.

Each ``check_...`` prints one plain line and returns a :class:`Result` (true only
when the answer is right):

- ``Not answered yet: ...`` while the blank is untouched (``None``, ``...``, a
  function whose body is still ``...`` or raises ``NotImplementedError``);
- ``Correct: ...`` when it matches a NumPy reference on a small input, or beats
  its baseline;
- ``Wrong: ...`` with what is wrong: the shape expected, the largest difference
  from the reference, both numbers of a comparison, or the one-line error your
  code raised. A check never ends in a stack trace because of your answer.

Usage::

    from helpers import exercises as ex
    ex.check_sampling(sample_codings)
"""
from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np

NOT_ANSWERED, CORRECT, WRONG = "not answered", "correct", "wrong"


class Result:
    """The outcome of a check: ``bool(result)`` is true only for a right answer."""

    def __init__(self, status: str, message: str):
        self.status, self.message = status, message

    def __bool__(self) -> bool:
        return self.status == CORRECT

    def __repr__(self) -> str:
        return f"Result({self.status!r}, {self.message!r})"

    def _ipython_display_(self) -> None:
        """The check has printed its message already; show nothing more in a notebook."""


class NotAnswered(Exception):
    """The blank is still blank."""


class Wrong(Exception):
    """The answer is wrong; the message says how."""


def _check(function: Callable[..., str]) -> Callable[..., Result]:
    """Turn a check body (returns the success message, raises NotAnswered/Wrong) into a
    check that prints one line and returns a Result, whatever the reader's code does."""

    @functools.wraps(function)
    def check(*args: Any, **kwargs: Any) -> Result:
        try:
            result = Result(CORRECT, "Correct: " + function(*args, **kwargs))
        except (NotAnswered, NotImplementedError):
            result = Result(NOT_ANSWERED, "Not answered yet: replace the blank "
                                          "(`...` or `None`) with your code, then run this again.")
        except Wrong as error:
            result = Result(WRONG, f"Wrong: {error}")
        except Exception as error:  # the reader's code failed: one line, no traceback
            first_line = (str(error).strip().splitlines() or [""])[0][:300]
            result = Result(WRONG, f"Wrong: your code raised {type(error).__name__}: {first_line}")
        print(result.message)
        return result

    return check


def _answered(answer: Any) -> Any:
    if answer is None or answer is Ellipsis:
        raise NotAnswered
    return answer


def _call(function: Any, *args: Any, **kwargs: Any) -> Any:
    """Call the reader's function; a body still ``...`` (returns None) means not answered."""
    _answered(function)
    if not callable(function):
        raise Wrong(f"expected a function, got a {type(function).__name__}")
    return _answered(function(*args, **kwargs))


def _numpy(value: Any, name: str) -> np.ndarray:
    try:
        import keras

        return np.asarray(keras.ops.convert_to_numpy(value), dtype="float64")
    except Exception:
        try:
            return np.asarray(value, dtype="float64")
        except Exception:
            raise Wrong(f"{name} should be an array or tensor, got a {type(value).__name__}") \
                from None


def _compare(name: str, got: Any, expected: np.ndarray, tolerance: float = 1e-4,
             hints: dict[str, np.ndarray] | None = None) -> np.ndarray:
    """Raise Wrong unless ``got`` has ``expected``'s shape and values (relative tolerance);
    ``hints`` maps a known mistake's description to the array that mistake gives."""
    got = _numpy(got, name)
    expected = np.asarray(expected, dtype="float64")
    if got.shape != expected.shape:
        raise Wrong(f"{name} has shape {got.shape}; expected {expected.shape}")
    if not np.all(np.isfinite(got)):
        raise Wrong(f"{name} contains NaN or infinite values")
    scale = max(1.0, float(np.max(np.abs(expected), initial=0.0)))
    difference = float(np.max(np.abs(got - expected), initial=0.0))
    if difference > tolerance * scale:
        for mistake, mistaken in (hints or {}).items():
            if np.allclose(got, mistaken, rtol=1e-4, atol=tolerance * scale):
                raise Wrong(f"{name} is off by up to {difference:.3g}: it looks like {mistake}")
        raise Wrong(f"{name} differs from the NumPy reference by up to {difference:.3g} on a "
                    f"small test input (tolerance {tolerance * scale:.1g})")
    return got


def _rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


def _floats(*shape: int, seed: int = 0, low: float | None = None,
            high: float | None = None) -> np.ndarray:
    rng = _rng(seed)
    values = rng.uniform(low, high, shape) if low is not None else rng.standard_normal(shape)
    return values.astype("float32")


# --- 01: efficient representations and PCA --------------------------------------------

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


def _predict(model: Any, inputs: np.ndarray) -> np.ndarray:
    return _numpy(model(inputs.astype("float32"), training=False), "the model's output")


@_check
def check_linear_autoencoder(autoencoder: Any, X: np.ndarray, coding_size: int = 2,
                             max_ratio_to_pca: float = 1.05) -> str:
    """A trained linear autoencoder: affine, rank <= coding_size, MSE within 5 % of PCA's."""
    _answered(autoencoder)
    outputs = _predict(autoencoder, X)
    if outputs.shape != X.shape:
        raise Wrong(f"the reconstructions have shape {outputs.shape}; expected {X.shape}")
    # Affine: the image of a midpoint is the midpoint of the images, even far from the data.
    first, second = _floats(16, X.shape[1], seed=1) * 5, _floats(16, X.shape[1], seed=2) * 5
    midpoint_error = np.max(np.abs(_predict(autoencoder, (first + second) / 2)
                                   - (_predict(autoencoder, first) + _predict(autoencoder, second)) / 2))
    if midpoint_error > 1e-3 * max(1.0, np.max(np.abs(_predict(autoencoder, first)))):
        raise Wrong(f"the model is not linear: f((a+b)/2) differs from (f(a)+f(b))/2 by "
                    f"{midpoint_error:.3g}. Use no activation function (or 'linear').")
    origin = _predict(autoencoder, np.zeros((1, X.shape[1])))
    matrix = _predict(autoencoder, np.eye(X.shape[1])) - origin
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


@_check
def check_dense_transpose(layer_class: Any) -> str:
    """``layer_class(dense, activation=None)``: outputs activation(inputs @ dense.kernel.T + bias)
    with its own bias and the dense layer's kernel, not a copy."""
    import keras

    _answered(layer_class)
    dense = keras.layers.Dense(4, name="exercise_dense")
    dense.build((None, 6))
    kernel = _floats(6, 4, seed=3)
    dense.kernel.assign(kernel)
    layer = layer_class(dense, activation="relu")
    inputs = _floats(3, 4, seed=4)
    _answered(layer(inputs))
    own = [weight for weight in layer.trainable_weights
           if all(weight is not shared for shared in dense.weights)]
    shapes = [tuple(weight.shape) for weight in own]
    if shapes != [(6,)]:
        raise Wrong(f"the layer's own weights have shapes {shapes}; expected one bias of "
                    f"shape (6,) and the dense layer's kernel reused, not copied")
    bias = _floats(6, seed=5)
    own[0].assign(bias)
    dense.kernel.assign(kernel * 2)  # a tied layer follows its dense layer's kernel
    expected = dense_transpose_reference(inputs, kernel * 2, bias, "relu")
    _compare("the output", layer(inputs), expected, hints={
        "the kernel was copied at build time: later changes of the dense layer's kernel "
        "do not reach it": dense_transpose_reference(inputs, kernel, bias, "relu"),
        "the activation is missing": dense_transpose_reference(inputs, kernel * 2, bias)})
    return "the layer reuses the dense kernel transposed, adds its own bias of shape (6,)"


# --- 03: convolutional autoencoders ----------------------------------------------------

TRANSPOSED_CASES = [(7, 3, 2, "valid"), (7, 3, 2, "same"), (3, 3, 1, "valid"), (5, 4, 2, "valid"),
                    (14, 5, 3, "valid"), (4, 2, 2, "same"), (6, 3, 3, "same")]


def transposed_output_size_reference(size: int, kernel_size: int, strides: int,
                                     padding: str) -> int:
    if padding == "same":
        return size * strides
    return (size - 1) * strides + max(kernel_size, strides)


@_check
def check_transposed_output_size(function: Any) -> str:
    """``function(size, kernel_size, strides, padding)`` -> the output height of a
    ``Conv2DTranspose``, checked against Keras itself on several cases."""
    import keras

    for size, kernel_size, strides, padding in TRANSPOSED_CASES:
        layer = keras.layers.Conv2DTranspose(1, kernel_size, strides=strides, padding=padding)
        expected = layer.compute_output_shape((None, size, size, 1))[1]
        got = _call(function, size, kernel_size, strides, padding)
        if got != expected:
            raise Wrong(f"for size={size}, kernel_size={kernel_size}, strides={strides}, "
                        f"padding={padding!r} you return {got}; Keras gives {expected}")
    return f"matches Keras on {len(TRANSPOSED_CASES)} cases (valid and same padding)"


@_check
def check_conv_decoder(decoder: Any, coding_size: int = 30) -> str:
    """A decoder from ``(n, coding_size)`` codings to ``(n, 28, 28)`` or ``(n, 28, 28, 1)``
    pixels in [0, 1], using at least one transposed convolution."""
    import keras

    _answered(decoder)
    outputs = _predict(decoder, _floats(5, coding_size, seed=6) * 3)
    if outputs.shape not in ((5, 28, 28), (5, 28, 28, 1)):
        raise Wrong(f"5 codings give outputs of shape {outputs.shape}; expected (5, 28, 28) "
                    f"or (5, 28, 28, 1)")
    if outputs.min() < 0 or outputs.max() > 1:
        raise Wrong(f"outputs range over [{outputs.min():.2f}, {outputs.max():.2f}]; pixels "
                    f"are in [0, 1] (end with a sigmoid)")
    layers = _all_layers(decoder)
    if not any(isinstance(layer, keras.layers.Conv2DTranspose) for layer in layers):
        raise Wrong("no Conv2DTranspose layer: the exercise is to up-sample with "
                    "transposed convolutions")
    return f"(5, {coding_size}) codings -> {outputs.shape} pixels in [0, 1]"


def _all_layers(model: Any) -> list:
    layers = []
    for layer in getattr(model, "layers", []):
        layers.append(layer)
        layers.extend(_all_layers(layer))
    return layers


# --- 04: recurrent autoencoders --------------------------------------------------------

LSTM_CASES = [(28, 100), (100, 30), (1, 1), (3, 7)]


@_check
def check_lstm_parameter_count(function: Any) -> str:
    """``function(input_dim, units)`` -> the number of weights of a Keras LSTM layer."""
    import keras

    for input_dim, units in LSTM_CASES:
        layer = keras.layers.LSTM(units)
        layer.build((None, 5, input_dim))
        expected = layer.count_params()
        got = _call(function, input_dim, units)
        if got != expected:
            raise Wrong(f"for input_dim={input_dim}, units={units} you return {got}; Keras "
                        f"counts {expected}")
    return f"matches Keras' count on {len(LSTM_CASES)} cases"


@_check
def check_recurrent_encoder(encoder: Any, coding_size: int = 30) -> str:
    """A sequence-to-vector encoder: ``(n, 28, 28)`` images read as 28 rows -> ``(n, coding_size)``,
    through at least one recurrent layer."""
    import keras

    _answered(encoder)
    codings = _predict(encoder, _floats(4, 28, 28, seed=7, low=0, high=1))
    if codings.shape != (4, coding_size):
        raise Wrong(f"4 images give codings of shape {codings.shape}; expected (4, {coding_size})")
    if not any(isinstance(layer, keras.layers.RNN) for layer in _all_layers(encoder)):
        raise Wrong("no recurrent layer (LSTM, GRU, SimpleRNN) in the encoder")
    return f"(4, 28, 28) images -> {codings.shape} codings through a recurrent layer"


# --- 05: denoising autoencoders --------------------------------------------------------

def add_gaussian_noise(images: np.ndarray, noise_level: float, seed: int = 0) -> np.ndarray:
    """``images`` plus N(0, noise_level^2) noise (not clipped, as in notebook 05)."""
    return (images + noise_level * _rng(seed).standard_normal(images.shape)).astype("float32")


@_check
def check_denoiser(denoiser: Any, plain: Any, clean_images: np.ndarray,
                   noise_level: float) -> str:
    """On the same noisy images (Gaussian, ``noise_level``), the denoiser's reconstructions must
    be closer to the clean images than the plain autoencoder's."""
    _answered(denoiser)
    if not 0 < noise_level <= 1:
        raise Wrong(f"noise_level is a pixel standard deviation in (0, 1], got {noise_level}")
    noisy = add_gaussian_noise(clean_images, noise_level)
    denoised = _predict(denoiser, noisy).reshape(clean_images.shape)
    if not np.allclose(denoised, _predict(denoiser, noisy).reshape(clean_images.shape), atol=1e-6):
        raise Wrong("two predictions on the same images differ: the corruption must act only "
                    "while training")
    denoiser_error = float(np.mean((denoised - clean_images) ** 2))
    plain_error = float(np.mean((_predict(plain, noisy).reshape(clean_images.shape)
                                 - clean_images) ** 2))
    if denoiser_error >= plain_error:
        raise Wrong(f"on images with noise sigma={noise_level}, your denoiser's MSE "
                    f"{denoiser_error:.5f} is not below the plain model's {plain_error:.5f}")
    return (f"sigma={noise_level}: denoiser MSE {denoiser_error:.5f} against the plain model's "
            f"{plain_error:.5f} ({denoiser_error / plain_error:.2f} x)")


# --- 06: sparse autoencoders -----------------------------------------------------------

def kl_sparsity_reference(activations, target, weight):
    q = np.clip(activations.mean(axis=0), 1e-7, 1 - 1e-7)
    p = target
    return weight * np.sum(p * np.log(p / q) + (1 - p) * np.log((1 - p) / (1 - q)))


@_check
def check_kl_sparsity_loss(function: Any) -> str:
    """``function(activations, target, weight)`` -> weight * sum_j KL(target || q_j), where q_j is
    unit j's mean activation over the batch."""
    activations = _floats(16, 6, seed=8, low=0.01, high=0.6)
    target, weight = 0.1, 0.05
    got = _call(function, activations, target, weight)
    q = activations.mean(axis=0)
    reversed_kl = weight * np.sum(q * np.log(q / target)
                                  + (1 - q) * np.log((1 - q) / (1 - target)))
    expected = kl_sparsity_reference(activations, target, weight)
    _compare("the loss", got, expected, hints={
        "KL(q || p): the arguments of the divergence are swapped": reversed_kl,
        "the mean over units instead of the sum": expected / 6,
        "the weight is missing": expected / weight})
    return f"loss {float(expected):.5f} on a (16, 6) batch of activations"


# --- 07: variational autoencoders ------------------------------------------------------

@_check
def check_sampling(function: Any) -> str:
    """``function(mean, log_var, epsilon)`` -> mean + exp(log_var / 2) * epsilon."""
    mean, log_var, epsilon = _floats(4, 3, seed=9), _floats(4, 3, seed=10), _floats(4, 3, seed=11)
    got = _call(function, mean, log_var, epsilon)
    _compare("the codings", got, mean + np.exp(log_var / 2) * epsilon, hints={
        "exp(log_var) was used as the standard deviation; the standard deviation is "
        "exp(log_var / 2)": mean + np.exp(log_var) * epsilon,
        "log_var was used as the standard deviation": mean + log_var * epsilon})
    return "mean + exp(log_var / 2) * epsilon, on a (4, 3) batch"


def latent_loss_reference(mean, log_var):
    return -0.5 * np.sum(1 + log_var - np.exp(log_var) - mean ** 2, axis=-1)


@_check
def check_latent_loss(function: Any) -> str:
    """``function(mean, log_var)`` -> one KL divergence per example, shape ``(n,)``."""
    mean, log_var = _floats(5, 3, seed=12), _floats(5, 3, seed=13)
    expected = latent_loss_reference(mean, log_var)
    got = _numpy(_call(function, mean, log_var), "the latent loss")
    if got.shape == ():
        raise Wrong("you return one number; return one KL divergence per example, shape (5,) "
                    "(sum over the coding dimensions, not over the batch)")
    _compare("the latent loss", got, expected, hints={
        "a mean over coding dimensions instead of a sum": expected / 3,
        "the factor -1/2 is missing or has the wrong sign": -2 * expected})
    return "one KL divergence per example, shape (5,)"


@_check
def check_interpolation(function: Any) -> str:
    """``function(start, end, n_steps)`` -> ``(n_steps, d)``, start and end included, evenly spaced."""
    start, end = _floats(4, seed=14), _floats(4, seed=15)
    expected = start + np.linspace(0, 1, 7)[:, None] * (end - start)
    _compare("the interpolated codings", _call(function, start, end, 7), expected, hints={
        "the end point is missing (use n_steps points from 0 to 1 inclusive)":
            start + np.arange(7)[:, None] / 7 * (end - start)})
    return "7 evenly spaced codings from start to end, both included"


# --- 08: generative adversarial networks -----------------------------------------------

def _tiny_gan_networks():
    import keras

    keras.utils.set_random_seed(0)
    generator = keras.Sequential([keras.Input((2,)), keras.layers.Dense(3, activation="relu"),
                                  keras.layers.Dense(4, activation="sigmoid")])
    discriminator = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="relu"),
                                      keras.layers.Dense(1, activation="sigmoid")])
    return generator, discriminator


def _weights(model):
    return [np.array(weight.numpy()) for weight in model.weights]


@_check
def check_discriminator_step(function: Any) -> str:
    """``function(generator, discriminator, optimizer, real_images, codings)`` -> the discriminator's
    loss; one gradient step on the discriminator only, binary cross-entropy, real 1, fake 0."""
    import keras
    import tensorflow as tf

    _answered(function)
    generator, discriminator = _tiny_gan_networks()
    real, codings = _floats(6, 4, seed=16, low=0, high=1), _floats(6, 2, seed=17)
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
    got_loss = _call(function, generator, discriminator, keras.optimizers.SGD(0.5), real, codings)
    if any(not np.array_equal(a, b) for a, b in zip(before_g, _weights(generator))):
        raise Wrong("your step changed the generator's weights: phase 1 trains the "
                    "discriminator only (apply gradients to discriminator.trainable_weights)")
    if all(np.array_equal(a, b) for a, b in zip(before_d, _weights(discriminator))):
        raise Wrong("the discriminator's weights did not change: apply the gradients with the "
                    "optimizer")
    _compare("the returned loss", got_loss, loss, hints={
        "the labels are swapped: real images are labelled 1, fakes 0": swapped})
    for got, expected in zip(_weights(discriminator), _weights(reference)):
        _compare("the discriminator's weights after your step", got, expected, tolerance=1e-4)
    return (f"one step on the discriminator only (loss {loss:.4f}), the generator untouched, "
            f"the same update as the reference")


@_check
def check_generator_loss(function: Any) -> str:
    """``function(fake_probabilities)`` -> the non-saturating loss mean(-log D(G(z)))."""
    probabilities = _floats(8, 1, seed=18, low=0.01, high=0.99)
    expected = np.mean(-np.log(probabilities))
    _compare("the loss", _call(function, probabilities), expected, tolerance=1e-3, hints={
        "the minimax loss mean(log(1 - D(G(z)))), which saturates when D wins":
            np.mean(np.log(1 - probabilities)),
        "the discriminator's loss for fakes, -log(1 - D(G(z)))":
            np.mean(-np.log(1 - probabilities))})
    return f"the non-saturating loss, {expected:.4f} on 8 probabilities"


# --- 09: deep convolutional GANs -------------------------------------------------------

@_check
def check_dcgan_generator(generator: Any, codings_size: int = 100) -> str:
    """The DCGAN guidelines for a generator: transposed convolutions, batch normalization except
    at the output, (n, 28, 28, 1) images from a tanh."""
    import keras

    _answered(generator)
    images = _predict(generator, _floats(3, codings_size, seed=19) * 3)
    if images.shape != (3, 28, 28, 1):
        raise Wrong(f"3 codings give images of shape {images.shape}; expected (3, 28, 28, 1)")
    layers = _all_layers(generator)
    if not any(isinstance(layer, keras.layers.Conv2DTranspose) for layer in layers):
        raise Wrong("no Conv2DTranspose: the generator should up-sample with transposed "
                    "convolutions")
    if not any(isinstance(layer, keras.layers.BatchNormalization) for layer in layers):
        raise Wrong("no BatchNormalization: the guidelines use it in the generator")
    weighted = [layer for layer in layers if layer.weights and not getattr(layer, "layers", None)]
    if isinstance(weighted[-1], keras.layers.BatchNormalization):
        raise Wrong("the output goes through BatchNormalization: the guidelines leave it out of "
                    "the generator's output layer")
    if images.min() < -1 or images.max() > 1 or np.all(images >= 0):
        raise Wrong(f"outputs range over [{images.min():.2f}, {images.max():.2f}]: end with "
                    f"a tanh, so pixels lie in [-1, 1]")
    return f"codings -> {images.shape} images in [-1, 1], transposed convolutions, batch norm"


@_check
def check_dcgan_discriminator(discriminator: Any) -> str:
    """The DCGAN guidelines for a discriminator: strided convolutions (no pooling), leaky ReLU,
    one sigmoid probability per image."""
    import keras

    _answered(discriminator)
    outputs = _predict(discriminator, _floats(3, 28, 28, 1, seed=20, low=-1, high=1))
    if outputs.shape != (3, 1):
        raise Wrong(f"3 images give outputs of shape {outputs.shape}; expected (3, 1)")
    if outputs.min() < 0 or outputs.max() > 1:
        raise Wrong("outputs are not probabilities: end with Dense(1, activation='sigmoid')")
    layers = _all_layers(discriminator)
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


# --- 10: conditional GANs --------------------------------------------------------------

@_check
def check_conditional_inputs(function: Any) -> str:
    """``function(codings, labels, n_classes)`` -> codings with the one-hot class appended."""
    codings, labels = _floats(5, 3, seed=21), np.array([0, 2, 9, 4, 2])
    expected = np.c_[codings, np.eye(10)[labels]]
    _compare("the inputs", _call(function, codings, labels, 10), expected, hints={
        "the one-hot vector comes first: append it after the codings":
            np.c_[np.eye(10)[labels], codings]})
    return "codings (5, 3) + one-hot labels (5, 10) -> (5, 13)"


@_check
def check_mismatched_labels(function: Any) -> str:
    """``function(labels, n_classes, seed)`` -> labels all different from ``labels``, any of the
    other classes equally likely."""
    labels = np.repeat(np.arange(10), 500)
    wrong = _numpy(_call(function, labels, 10, 0), "the wrong labels").astype(int)
    if wrong.shape != labels.shape:
        raise Wrong(f"shape {wrong.shape}; expected {labels.shape}")
    if wrong.min() < 0 or wrong.max() > 9:
        raise Wrong(f"labels range over [{wrong.min()}, {wrong.max()}]; classes are 0 to 9")
    same = int(np.sum(wrong == labels))
    if same:
        raise Wrong(f"{same} of {len(labels)} labels are left unchanged; every one must differ")
    counts = np.array([[np.sum(wrong[labels == true] == other) for other in range(10)]
                       for true in range(10)])
    offsets = (wrong - labels) % 10
    if len(np.unique(offsets)) < 9 or counts[~np.eye(10, dtype=bool)].min() < 20:
        raise Wrong("the wrong labels do not cover the other classes evenly (e.g. always "
                    "label + 1): draw the offset at random from 1 to n_classes - 1")
    return "every label changed, each other class drawn about equally often"


# --- 11: the difficulties of training GANs ---------------------------------------------

def class_entropy_reference(classes, n_classes=10):
    shares = np.bincount(np.asarray(classes), minlength=n_classes) / len(classes)
    shares = shares[shares > 0]
    return float(-np.sum(shares * np.log(shares)))


@_check
def check_class_entropy(function: Any) -> str:
    """``function(predicted_classes, n_classes)`` -> the entropy (nats) of the class shares."""
    for classes in (np.array([3] * 50), np.arange(10).repeat(5), _rng(22).integers(0, 4, 50)):
        expected = class_entropy_reference(classes)
        _compare(f"the entropy of {np.bincount(classes, minlength=10).tolist()}",
                 _call(function, classes, 10), expected, tolerance=1e-4, hints={
                     "log base 2 (bits) instead of the natural log (nats)":
                         expected / np.log(2)})
    return "0 for one class, log(10) = 2.303 for ten equal ones, and a mix in between"


@_check
def check_gradient_penalty(function: Any) -> str:
    """``function(critic, real, fake, alpha)`` -> mean over the batch of (||grad critic(x_hat)|| - 1)^2
    at x_hat = alpha * real + (1 - alpha) * fake."""
    import keras

    real, fake = _floats(4, 3, seed=23), _floats(4, 3, seed=24)
    alpha = _floats(4, 1, seed=25, low=0, high=1)

    def critic(images):  # 0.5 * ||x||^2: its gradient is x itself
        return 0.5 * keras.ops.sum(keras.ops.square(images), axis=-1, keepdims=True)

    interpolated = alpha * real + (1 - alpha) * fake
    expected = np.mean((np.linalg.norm(interpolated, axis=1) - 1) ** 2)
    _compare("the penalty", _call(function, critic, real, fake, alpha), expected, hints={
        "the gradient was taken at the real images, not at the interpolates":
            np.mean((np.linalg.norm(real, axis=1) - 1) ** 2),
        "the squared norm was used instead of the norm":
            np.mean((np.sum(interpolated ** 2, axis=1) - 1) ** 2)})
    return f"penalty {expected:.4f} for a critic whose gradient is known, 0.5 * ||x||^2"


def alternating_steps_reference(x, y, learning_rate, n_steps):
    for _ in range(n_steps):
        x = x - learning_rate * y  # x minimises x*y: df/dx = y
        y = y + learning_rate * x  # y maximises, and already sees the new x
    return x, y


@_check
def check_alternating_steps(function: Any) -> str:
    """``function(x, y, learning_rate, n_steps)`` -> (x, y) after alternating gradient steps on
    min_x max_y x*y: x first, then y using the new x."""
    x, y = _numpy(_call(function, 1.0, 1.0, 0.1, 300), "(x, y)")
    expected = alternating_steps_reference(1.0, 1.0, 0.1, 300)
    simultaneous = (1.0, 1.0)
    for _ in range(300):
        simultaneous = (simultaneous[0] - 0.1 * simultaneous[1],
                        simultaneous[1] + 0.1 * simultaneous[0])
    _compare("(x, y) after 300 steps", (x, y), expected, hints={
        "simultaneous steps: y must use the updated x": simultaneous})
    return (f"(x, y) = ({expected[0]:.3f}, {expected[1]:.3f}): the point circles, distance "
            f"{np.hypot(*expected):.2f} from the equilibrium, against {np.hypot(1, 1):.2f} at the start")


# --- 12: progressive growing of GANs ---------------------------------------------------

def minibatch_stddev_reference(features, epsilon=1e-8):
    stddevs = np.sqrt(np.mean((features - features.mean(axis=0)) ** 2, axis=0) + epsilon)
    extra = np.full(features.shape[:-1] + (1,), stddevs.mean())
    return np.concatenate([features, extra], axis=-1)


@_check
def check_minibatch_stddev(function: Any) -> str:
    """``function(features)``: (n, h, w, c) -> (n, h, w, c + 1), the extra map holding the mean over
    positions and channels of the standard deviation over the batch."""
    features = _floats(4, 3, 3, 2, seed=26)
    expected = minibatch_stddev_reference(features)
    unbiased = np.concatenate([features, np.full((4, 3, 3, 1), features.std(axis=0, ddof=1)
                                                 .mean())], axis=-1)
    per_image = np.concatenate([features, np.broadcast_to(
        features.std(axis=(1, 2, 3), keepdims=True), (4, 3, 3, 1))], axis=-1)
    _compare("the output", _call(function, features), expected, hints={
        "the unbiased (n - 1) standard deviation; use the mean over the batch (n)": unbiased,
        "a standard deviation per image instead of over the batch": per_image})
    return "(4, 3, 3, 2) -> (4, 3, 3, 3), the extra map the batch's mean standard deviation"


def pixel_norm_reference(features, epsilon=1e-8):
    return features / np.sqrt(np.mean(features ** 2, axis=-1, keepdims=True) + epsilon)


@_check
def check_pixel_norm(function: Any) -> str:
    """``function(features)`` -> each position's channel vector divided by its root mean square."""
    features = _floats(2, 3, 3, 4, seed=27)
    _compare("the output", _call(function, features), pixel_norm_reference(features), hints={
        "a division by the norm, not the root mean square (mean over channels, not sum)":
            features / np.linalg.norm(features, axis=-1, keepdims=True),
        "the normalization over the image instead of over the channels":
            features / np.sqrt(np.mean(features ** 2, axis=(1, 2), keepdims=True))})
    return "each pixel's feature vector scaled to a root mean square of 1"


@_check
def check_equalized_dense(function: Any) -> str:
    """``function(inputs, kernel, bias, gain)`` -> inputs @ (kernel * sqrt(gain / fan_in)) + bias."""
    inputs, kernel, bias = _floats(3, 5, seed=28), _floats(5, 3, seed=29), _floats(3, seed=30)
    expected = inputs @ (kernel * np.sqrt(2 / 5)) + bias
    _compare("the output", _call(function, inputs, kernel, bias, 2.0), expected, hints={
        "the kernel is not scaled: multiply it by sqrt(gain / fan_in) at run time":
            inputs @ kernel + bias,
        "the kernel scaled by sqrt(gain / units) instead of sqrt(gain / fan_in)":
            inputs @ (kernel * np.sqrt(2 / 3)) + bias,
        "the bias scaled too": (inputs @ kernel + bias) * np.sqrt(2 / 5)})
    return "He's constant sqrt(2 / fan_in) applied to the kernel at run time"


def fade_in_reference(low_res, high_res, alpha):
    upsampled = low_res.repeat(2, axis=1).repeat(2, axis=2)
    return (1 - alpha) * upsampled + alpha * high_res


@_check
def check_fade_in(function: Any) -> str:
    """``function(low_res, high_res, alpha)`` -> (1 - alpha) * nearest-neighbour 2x up-sampled
    low_res + alpha * high_res."""
    low_res, high_res = _floats(2, 4, 4, 1, seed=31), _floats(2, 8, 8, 1, seed=32)
    expected = fade_in_reference(low_res, high_res, 0.3)
    _compare("the blend", _call(function, low_res, high_res, 0.3), expected, hints={
        "alpha weights the old, low-resolution path: it should weight the new layer":
            fade_in_reference(low_res, high_res, 0.7)})
    return "alpha = 0.3 blends 30 % of the new 8x8 output with 70 % of the up-sampled 4x4 one"


# --- 13: StyleGAN ----------------------------------------------------------------------

def adain_reference(features, style_scale, style_bias, epsilon=1e-8):
    mean = features.mean(axis=(1, 2), keepdims=True)
    std = np.sqrt(features.var(axis=(1, 2), keepdims=True) + epsilon)
    return (style_scale[:, None, None, :] * (features - mean) / std
            + style_bias[:, None, None, :])


@_check
def check_adain(function: Any) -> str:
    """``function(features, style_scale, style_bias)``: each feature map of each image standardized
    over its positions, then scaled and shifted by that image's style."""
    features = _floats(2, 4, 4, 3, seed=33) * 2 + 1
    scale, bias = _floats(2, 3, seed=34), _floats(2, 3, seed=35)
    expected = adain_reference(features, scale, bias)
    batch_mean = features.mean(axis=(0, 1, 2), keepdims=True)
    batch_std = features.std(axis=(0, 1, 2), keepdims=True)
    _compare("the output", _call(function, features, scale, bias), expected, tolerance=1e-3, hints={
        "batch normalization (statistics over the batch too): AdaIN uses each image's own":
            scale[:, None, None, :] * (features - batch_mean) / batch_std + bias[:, None, None, :],
        "scale and bias swapped": adain_reference(features, bias, scale)})
    return "per image and per channel standardization, then the style's scale and bias"


@_check
def check_noise_injection(function: Any) -> str:
    """``function(features, noise, noise_scale)``: features (n, h, w, c) plus one noise map per image
    (n, h, w, 1) times a learned scale per channel (c,)."""
    features, noise = _floats(2, 4, 4, 3, seed=36), _floats(2, 4, 4, 1, seed=37)
    noise_scale = np.array([0.1, -0.5, 2.0], dtype="float32")
    expected = features + noise * noise_scale
    _compare("the output", _call(function, features, noise, noise_scale), expected, hints={
        "the noise replaced the features instead of being added": noise * noise_scale,
        "the scale is missing": features + noise})
    return "features + noise map x per-channel scale"


@_check
def check_style_mixing(function: Any) -> str:
    """``function(styles_a, styles_b, crossover)``: (n, levels, d) styles, levels below
    ``crossover`` from a, the others from b."""
    styles_a, styles_b = _floats(2, 6, 4, seed=38), _floats(2, 6, 4, seed=39)
    expected = np.concatenate([styles_a[:, :2], styles_b[:, 2:]], axis=1)
    _compare("the mixed styles", _call(function, styles_a, styles_b, 2), expected, hints={
        "a and b swapped: the coarse levels (below the crossover) come from a":
            np.concatenate([styles_b[:, :2], styles_a[:, 2:]], axis=1),
        "the crossover level itself taken from a":
            np.concatenate([styles_a[:, :3], styles_b[:, 3:]], axis=1)})
    return "levels 0-1 from the first coding's styles, 2-5 from the second's"


@_check
def check_mapping_network(mapping: Any, codings_size: int = 32, n_layers: int = 8) -> str:
    """A mapping network: ``(n, codings_size)`` -> ``(n, codings_size)`` styles, ``n_layers``
    dense layers, non-linear."""
    import keras

    _answered(mapping)
    codings = _floats(6, codings_size, seed=40)
    styles = _predict(mapping, codings)
    if styles.shape != (6, codings_size):
        raise Wrong(f"6 codings give {styles.shape}; expected (6, {codings_size})")
    dense = [layer for layer in _all_layers(mapping)
             if isinstance(layer, keras.layers.Dense) or type(layer).__name__ == "EqualizedDense"]
    if len(dense) != n_layers:
        raise Wrong(f"{len(dense)} dense layers; StyleGAN's mapping network has {n_layers}")
    other = _floats(6, codings_size, seed=41)
    midpoint_error = np.max(np.abs(_predict(mapping, (codings + other) / 2)
                                   - (styles + _predict(mapping, other)) / 2))
    if midpoint_error < 1e-5:
        raise Wrong("the network is affine: add a non-linearity (leaky ReLU) between the "
                    "dense layers, or eight layers are worth one")
    return f"(6, {codings_size}) codings -> {styles.shape} styles through {n_layers} dense layers"
