"""The exercise self-checks (helpers.exercises): for each, a right answer passes, typical
wrong answers fail with a message that says what is wrong, and a blank says "not answered".
The exercise notebooks' blanks are the solutions with the solution code taken out."""
import subprocess
import sys

import keras
import numpy as np
import pytest
import tensorflow as tf
from keras import ops

from helpers import exercises as ex
from notebook_files import ROOT


def blank_function(*args):
    ...  # your code here


def not_implemented(*args):
    raise NotImplementedError


def transposed_output_size(size, kernel_size, strides, padding):
    """The right answer to the transposed-convolution exercise."""
    if padding == "same":
        return size * strides
    return (size - 1) * strides + max(kernel_size, strides)


def expect(result, status, *fragments):
    assert result.status == status, result.message
    assert bool(result) == (status == ex.CORRECT)
    for fragment in fragments:
        assert fragment in result.message, result.message


def kl_sparsity_ops(activations, target, weight):
    """The right answer to the KL sparsity task, in keras.ops (it must run inside fit)."""
    q = ops.clip(ops.mean(activations, axis=0), 1e-7, 1 - 1e-7)
    p = target
    return weight * ops.sum(p * ops.log(p / q) + (1 - p) * ops.log((1 - p) / (1 - q)))


def favour_next_class(labels, n_classes, seed):
    """Wrong labels with a bias: a third of the time the next class, else any other one."""
    rng = np.random.default_rng(seed)
    anything = (labels + rng.integers(1, n_classes, len(labels))) % n_classes
    return np.where(rng.random(len(labels)) < 1 / 3, (labels + 1) % n_classes, anything)


# Function checks: (check, right answer, [(wrong answer, words its message must contain)]).
FUNCTION_CASES = {
    "transposed_output_size": (
        ex.check_transposed_output_size, transposed_output_size,
        [(lambda h, k, s, p: h * s, "Keras gives"),
         (lambda h, k, s, p: (h - 1) * s + k, "padding='same'"),
         (lambda h, k, s, p: h * s if p == "same" else (h - 1) * s + k, "max(k, s)")]),
    "lstm_parameter_count": (
        ex.check_lstm_parameter_count, lambda d, u: 4 * (d * u + u * u + u),
        [(lambda d, u: d * u + u * u + u, "Keras counts")]),
    "kl_sparsity_loss": (
        ex.check_kl_sparsity_loss, kl_sparsity_ops,
        [(lambda a, p, w: w * np.sum(a.mean(0) * np.log(a.mean(0) / p) + (1 - a.mean(0))
                                     * np.log((1 - a.mean(0)) / (1 - p))), "swapped"),
         (lambda a, p, w: ex.kl_sparsity_reference(a, p, w) / w, "weight is missing"),
         (lambda a, p, w: ex.kl_sparsity_reference(a, p, w) + 1, "differs from the NumPy"),
         # Right on NumPy arrays, but NumPy cannot run inside fit's graph.
         (lambda a, p, w: ex.kl_sparsity_reference(np.asarray(a), p, w), "inside fit")]),
    "hamming_distances": (
        ex.check_hamming_distances,
        lambda q, c: np.bitwise_count(q[:, None] ^ c[None]).sum(-1),
        [(lambda q, c: (q[:, None] ^ c[None]).astype(int).sum(-1), "count its 1-bits"),
         (lambda q, c: (q[:, None] != c[None]).sum(-1), "differing bytes"),
         (lambda q, c: 24 - np.bitwise_count(q[:, None] ^ c[None]).sum(-1), "bits that agree"),
         (lambda q, c: np.bitwise_count(q[:, None] ^ c[None]).sum(-1).T, "shape (5, 3)"),
         (lambda q, c: np.bitwise_count(q[:, None] ^ c[None]), "shape (3, 5, 3)"),
         (lambda q, c: np.bitwise_count(q[:, None] & c[None]).sum(-1), "differs from the NumPy")]),
    "hamming_distances_unpacked": (  # another right answer: unpack, then compare bits
        ex.check_hamming_distances,
        lambda q, c: (np.unpackbits(q, axis=1)[:, None] != np.unpackbits(c, axis=1)[None]).sum(-1),
        [(lambda q, c: (np.unpackbits(q, axis=1)[:, None]
                        != np.unpackbits(c, axis=1)[None]).mean(-1), "differs from the NumPy")]),
    "precision_at_k": (
        ex.check_precision_at_k, lambda n, q: (n == q[:, None]).mean(1),
        [(lambda n, q: (n == q[:, None]).sum(1), "divide by k"),
         (lambda n, q: (n == q[:, None]).mean(), "has shape ()"),
         (lambda n, q: (n == q[None, :]).mean(1), "compared with the wrong query"),
         (lambda n, q: (n == q[:, None]).mean(0)[:len(q)], "differs from the NumPy"),
         (lambda n, q: (n != q[:, None]).mean(1), "differs from the NumPy")]),
    "sampling": (
        ex.check_sampling, lambda m, g, e: m + ops.exp(g / 2) * e,
        [(lambda m, g, e: m + np.exp(g) * e, "exp(log_var / 2)"),
         (lambda m, g, e: (m + np.exp(g / 2) * e)[0], "has shape (3,); expected (4, 3)")]),
    "latent_loss": (
        ex.check_latent_loss, ex.latent_loss_reference,
        [(lambda m, g: np.sum(ex.latent_loss_reference(m, g)), "one number"),
         (lambda m, g: ex.latent_loss_reference(m, g) / 3, "mean over coding")]),
    "interpolation": (
        ex.check_interpolation, lambda a, b, n: np.linspace(a, b, n),
        [(lambda a, b, n: a + np.arange(n)[:, None] / n * (b - a), "end point")]),
    "generator_loss": (
        ex.check_generator_loss, lambda p: ops.mean(-ops.log(p)),
        [(lambda p: np.mean(np.log(1 - p)), "minimax")]),
    "conditional_inputs": (
        ex.check_conditional_inputs, lambda z, y, k: np.c_[z, np.eye(k)[y]],
        [(lambda z, y, k: np.c_[np.eye(k)[y], z], "comes first"),
         (lambda z, y, k: z, "has shape (5, 3); expected (5, 13)"),
         # The width taken from the labels seen, or fixed at 10, instead of n_classes.
         (lambda z, y, k: np.c_[z, keras.utils.to_categorical(y)], "expected (5, 13)"),
         (lambda z, y, k: np.c_[z, np.eye(10)[y]], "for 6 classes")]),
    "mismatched_labels": (
        ex.check_mismatched_labels,
        lambda y, k, s: (y + np.random.default_rng(s).integers(1, k, len(y))) % k,
        [(lambda y, k, s: (y + 1) % k, "evenly"),
         (favour_next_class, "evenly"),
         (lambda y, k, s: np.random.default_rng(s).integers(0, k, len(y)), "left unchanged")]),
    "class_entropy": (
        ex.check_class_entropy, ex.class_entropy_reference,
        [(lambda c, k: ex.class_entropy_reference(c, k) / np.log(2), "log base 2")]),
    "alternating_steps": (
        ex.check_alternating_steps, ex.alternating_steps_reference,
        [(lambda x, y, lr, n: (0.0, 0.0), "differs from the NumPy")]),
    "minibatch_stddev": (
        ex.check_minibatch_stddev, ex.minibatch_stddev_reference,
        [(lambda f: np.concatenate([f, np.full(f.shape[:-1] + (1,), f.std(0, ddof=1).mean())],
                                   -1), "unbiased"),
         (lambda f: f, "expected (4, 3, 3, 3)")]),
    "pixel_norm": (
        ex.check_pixel_norm, ex.pixel_norm_reference,
        [(lambda f: f / np.linalg.norm(f, axis=-1, keepdims=True), "root mean square")]),
    "equalized_dense": (
        ex.check_equalized_dense, lambda x, k, b, g: x @ (k * np.sqrt(g / k.shape[0])) + b,
        [(lambda x, k, b, g: x @ k + b, "not scaled"),
         (lambda x, k, b, g: x @ k * 0.5 + b, "differs from the NumPy"),
         (lambda x, k, b, g: x @ (k * np.sqrt(2 / k.shape[0])) + b, "gain is ignored"),
         (lambda x, k, b, g: x @ (k * g / k.shape[0]) + b, "without the square root")]),
    "fade_in": (
        ex.check_fade_in, ex.fade_in_reference,
        [(lambda lo, hi, a: ex.fade_in_reference(lo, hi, 1 - a), "alpha weights the old"),
         (lambda lo, hi, a: ex.fade_in_reference(lo, hi, 0.3), "alpha = 0.8")]),
    "adain": (
        ex.check_adain, ex.adain_reference,
        [(lambda f, s, b: ex.adain_reference(f, b, s), "swapped"),
         (lambda f, s, b: s[:, None, None, :] * (f - f.mean((0, 1, 2))) / f.std((0, 1, 2))
          + b[:, None, None, :], "batch normalization")]),
    "noise_injection": (
        ex.check_noise_injection, lambda f, n, s: f + n * s,
        [(lambda f, n, s: f + n, "scale is missing")]),
    "style_mixing": (
        ex.check_style_mixing, lambda a, b, c: np.concatenate([a[:, :c], b[:, c:]], 1),
        [(lambda a, b, c: np.concatenate([b[:, :c], a[:, c:]], 1), "swapped"),
         (lambda a, b, c: np.concatenate([a[:, :2], b[:, 2:]], 1), "crossover 5"),
         (lambda a, b, c: np.concatenate([a[..., :c], b[..., c:]], -1), "wrong axis")]),
    "forward_noise": (
        ex.check_forward_noise, ex.forward_noise_reference,
        [(lambda x, a, e: a[:, None, None, None] * x + (1 - a[:, None, None, None]) * e,
          "without its square root"),
         (lambda x, a, e: ex.forward_noise_reference(e, a, x), "swapped"),
         (lambda x, a, e: np.sqrt(a.mean()) * x + np.sqrt(1 - a.mean()) * e, "differs from")]),
    "cosine_alpha_bars": (
        ex.check_cosine_alpha_bars, ex.cosine_alpha_bars_reference,
        [(lambda n: ex.cosine_alpha_bars_reference(n + 1)[:n], "differs from"),
         (lambda n: np.r_[1.0, ex.cosine_alpha_bars_reference(n)[:-1]], "t = 0 .. T - 1"),
         (lambda n: np.sqrt(ex.cosine_alpha_bars_reference(n)), "not squared"),
         (lambda n: np.cumprod(1 - np.linspace(1e-4, 0.02, n) * 1000 / n), "differs from")]),
    "ddim_step": (
        ex.check_ddim_step, ex.ddim_step_reference,
        [(lambda x, e, a, b: ex.ddim_step_reference(x, e, b, a), "swapped"),
         (lambda x, e, a, b: np.sqrt(b) * (x - np.sqrt(1 - a) * e) / np.sqrt(a), "noised again"),
         # DDPM's mean without the fresh noise is not DDIM.
         (lambda x, e, a, b: (x - (1 - a / b) / np.sqrt(1 - a) * e) / np.sqrt(a / b),
          "differs from")]),
    "ddpm_step": (
        ex.check_ddpm_step, ex.ddpm_step_reference,
        [(lambda x, e, b, a, ap, z: ex.ddpm_step_reference(x, e, b, a, ap, z, variance=b),
          "beta~_t"),
         (lambda x, e, b, a, ap, z: ex.ddpm_step_reference(x, e, b, a, ap, 0 * z), "no fresh"),
         (lambda x, e, b, a, ap, z: x - b / np.sqrt(1 - a) * e
          + np.sqrt(b * (1 - ap) / (1 - a)) * z, "not divided by sqrt(alpha_t)")]),
    "guidance": (
        ex.check_guidance, ex.guidance_reference,
        [(lambda u, c, w: ex.guidance_reference(c, u, w), "swapped"),
         (lambda u, c, w: w * c, "scales the conditional"),
         (lambda u, c, w: c + w * (c - u), "w = 0 must give the unconditional")]),
}


@pytest.mark.parametrize("name", FUNCTION_CASES)
def test_function_checks(name):
    check, right, wrongs = FUNCTION_CASES[name]
    expect(check(right), ex.CORRECT, "Correct: ")
    for wrong, fragment in wrongs:
        expect(check(wrong), ex.WRONG, "Wrong: ", fragment)
    expect(check(blank_function), ex.NOT_ANSWERED, "Not answered yet")
    expect(check(not_implemented), ex.NOT_ANSWERED)
    expect(check(None), ex.NOT_ANSWERED)
    expect(check(lambda *args: 1 / 0), ex.WRONG, "your code raised ZeroDivisionError")


def forgot_return(probabilities):
    loss = ops.mean(-ops.log(probabilities))  # noqa: F841 (the mistake under test)


def test_messages_name_the_mistake_not_the_framework():
    expect(ex.check_generator_loss(forgot_return), ex.WRONG, "`return` missing")
    expect(ex.check_generator_loss(lambda p, q: p), ex.WRONG,
           "cannot be called with the task's 1 arguments")
    expect(ex.check_generator_loss(keras.layers.Dense), ex.WRONG, "got the class Dense")

    def matmul_mistake(inputs, kernel, bias, gain):  # transposed kernel: TensorFlow's error
        return tf.matmul(inputs, tf.transpose(kernel)) + bias

    def layer_mistake(probabilities):  # a layer built for 3 features, fed 1: Keras' error
        layer = keras.layers.Dense(1)
        layer.build((None, 3))
        return layer(probabilities)

    for result in (ex.check_equalized_dense(matmul_mistake),
                   ex.check_generator_loss(layer_mistake)):
        expect(result, ex.WRONG, "your code raised")
        for internal in ("{{function_node", "[Op:", "Exception encountered", "\x1b[",
                         "Arguments received"):
            assert internal not in result.message, result.message
    expect(ex.check_equalized_dense(matmul_mistake), ex.WRONG, "Matrix size-incompatible")
    expect(ex.check_generator_loss(layer_mistake), ex.WRONG, "incompatible")


def test_checks_leave_the_global_random_state_alone():
    def draw_after(action):
        np.random.seed(123)
        action()
        return np.random.rand()

    untouched = draw_after(lambda: None)
    assert draw_after(lambda: ex.check_discriminator_step(bce_step())) == untouched
    assert draw_after(lambda: ex.check_kl_sparsity_loss(kl_sparsity_ops)) == untouched


def test_printed_line_and_no_display(capsys):
    result = ex.check_sampling(blank_function)
    assert capsys.readouterr().out.startswith("Not answered yet")
    assert result._ipython_display_() is None and not result


class TiedDense(keras.layers.Layer):
    def __init__(self, dense, activation=None, copy=False, **kwargs):
        super().__init__(**kwargs)
        self.dense, self.copy = dense, copy
        self.activation = keras.activations.get(activation)

    def build(self, input_shape):
        self.bias = self.add_weight(name="bias", shape=(self.dense.kernel.shape[0],),
                                    initializer="zeros")
        if self.copy:
            self.frozen_kernel = np.array(self.dense.kernel.numpy())

    def call(self, inputs):
        kernel = self.frozen_kernel if self.copy else self.dense.kernel
        return self.activation(ops.matmul(inputs, ops.transpose(kernel)) + self.bias)


class OwnKernel(TiedDense):
    def build(self, input_shape):
        super().build(input_shape)
        self.kernel = self.add_weight(name="kernel", shape=(4, 6))


class BlankLayer(keras.layers.Layer):
    def __init__(self, dense, activation=None, **kwargs):
        super().__init__(**kwargs)

    def call(self, inputs):
        ...  # your code here


def test_dense_transpose():
    expect(ex.check_dense_transpose(TiedDense), ex.CORRECT)
    expect(ex.check_dense_transpose(lambda dense, activation: TiedDense(dense, activation,
                                                                        copy=True)),
           ex.WRONG, "copied at build time")
    expect(ex.check_dense_transpose(OwnKernel), ex.WRONG, "expected one bias of shape (6,)")
    expect(ex.check_dense_transpose(lambda dense, activation: TiedDense(dense)),
           ex.WRONG, "activation is missing")
    expect(ex.check_dense_transpose(BlankLayer), ex.NOT_ANSWERED)


def linear_autoencoder(X, coding_size=2, activation=None, steps=1_000):
    keras.utils.set_random_seed(0)
    autoencoder = keras.Sequential([keras.Input((3,)),
                                    keras.layers.Dense(coding_size, activation=activation),
                                    keras.layers.Dense(3)])
    autoencoder.compile(loss="mse", optimizer=keras.optimizers.SGD(learning_rate=0.5))
    if steps:
        repeated = np.tile(X, (steps, 1))
        autoencoder.fit(repeated, repeated, batch_size=len(X), epochs=1, verbose=0)
    return autoencoder


def test_linear_autoencoder():
    X = ex.make_3d_dataset()
    expect(ex.check_linear_autoencoder(linear_autoencoder(X), X), ex.CORRECT, "PCA's")
    expect(ex.check_linear_autoencoder(linear_autoencoder(X, steps=0), X), ex.WRONG,
           "is above PCA's")
    expect(ex.check_linear_autoencoder(linear_autoencoder(X, activation="tanh", steps=0), X),
           ex.WRONG, "not linear")
    expect(ex.check_linear_autoencoder(linear_autoencoder(X, coding_size=3, steps=0), X),
           ex.WRONG, "rank 3")
    expect(ex.check_linear_autoencoder(None, X), ex.NOT_ANSWERED)


def test_denoiser():
    """Images close to their mean: always answering the mean image beats copying the noisy
    input, so the mean model passes as the denoiser of an identity 'plain' model, and the
    reverse fails."""
    images = np.random.default_rng(0).uniform(0.4, 0.6, (50, 28, 28)).astype("float32")
    mean_image = images.mean(axis=0)

    class MeanModel(keras.Model):
        def call(self, inputs, training=False):
            return ops.zeros_like(inputs) + mean_image

    identity = keras.Sequential([keras.Input((28, 28)), keras.layers.Identity()])
    expect(ex.check_denoiser(MeanModel(), identity, images, 0.3), ex.CORRECT, "MSE")
    expect(ex.check_denoiser(identity, MeanModel(), images, 0.3), ex.WRONG, "is not below")
    noisy_model = keras.Sequential([keras.Input((28, 28)), keras.layers.GaussianNoise(0.3)])

    class AlwaysNoisy(keras.Model):
        def call(self, inputs, training=False):
            return noisy_model(inputs, training=True)

    expect(ex.check_denoiser(AlwaysNoisy(), identity, images, 0.3), ex.WRONG, "only while training")
    expect(ex.check_denoiser(None, identity, images, 0.3), ex.NOT_ANSWERED)
    expect(ex.check_denoiser(MeanModel(), identity, images, 0.5), ex.WRONG, "sigma = 0.3")

    class Shrinking(keras.Model):
        """Pulls its input a share of the way towards the mean image."""

        def __init__(self, share):
            super().__init__()
            self.share = share

        def call(self, inputs, training=False):
            return inputs + self.share * (mean_image - inputs)

    # Like a model trained on noisy targets (measured at sigma 0.3: 25-32 % won back), it
    # beats the plain model but keeps most of the noise: 1 - 0.87^2 of it is about 24 %.
    expect(ex.check_denoiser(Shrinking(0.13), identity, images, 0.3), ex.WRONG,
           "wins back only", "clean images")
    expect(ex.check_denoiser(Shrinking(0.5), identity, images, 0.3), ex.CORRECT, "wins back")


def test_conv_decoder_and_recurrent_encoder():
    decoder = keras.Sequential([
        keras.Input((30,)), keras.layers.Dense(7 * 7 * 8), keras.layers.Reshape((7, 7, 8)),
        keras.layers.Conv2DTranspose(4, 3, strides=2, padding="same"),
        keras.layers.Conv2DTranspose(1, 3, strides=2, padding="same", activation="sigmoid")])
    expect(ex.check_conv_decoder(decoder), ex.CORRECT)
    no_sigmoid = keras.Sequential([*decoder.layers[:-1],
                                   keras.layers.Conv2DTranspose(1, 3, strides=2, padding="same")])
    expect(ex.check_conv_decoder(no_sigmoid), ex.WRONG, "sigmoid")
    expect(ex.check_conv_decoder(keras.Sequential([keras.Input((30,)),
                                                   keras.layers.Dense(27 * 27),
                                                   keras.layers.Reshape((27, 27))])),
           ex.WRONG, "expected (5, 28, 28)")
    expect(ex.check_conv_decoder(None), ex.NOT_ANSWERED)
    relu_end = keras.Sequential([*decoder.layers[:-1], keras.layers.Conv2DTranspose(
        1, 3, strides=2, padding="same", activation="relu")])
    expect(ex.check_conv_decoder(relu_end), ex.WRONG, "sigmoid")
    expect(ex.check_conv_decoder(keras.Sequential), ex.WRONG, "got the class Sequential")
    encoder = keras.Sequential([keras.Input((28, 28)), keras.layers.GRU(30)])
    expect(ex.check_recurrent_encoder(encoder), ex.CORRECT)
    dense = keras.Sequential([keras.Input((28, 28)), keras.layers.Flatten(), keras.layers.Dense(30)])
    expect(ex.check_recurrent_encoder(dense), ex.WRONG, "no recurrent layer")
    bidirectional = keras.Sequential([keras.Input((28, 28)),
                                      keras.layers.Bidirectional(keras.layers.LSTM(15))])
    expect(ex.check_recurrent_encoder(bidirectional), ex.CORRECT)
    expect(ex.check_recurrent_encoder(keras.Sequential([keras.Input((28, 28)),
                                                        keras.layers.LSTM(10)])),
           ex.WRONG, "expected (4, 30)")


def bce_step(update_generator=False, swap_labels=False, learning_rate_factor=1.0):
    def step(generator, discriminator, optimizer, real, codings):
        with tf.GradientTape() as tape:
            fakes = generator(codings)
            images = ops.concatenate([real, fakes], axis=0)
            labels = np.r_[np.ones((len(real), 1)), np.zeros((len(real), 1))].astype("float32")
            if swap_labels:
                labels = 1 - labels
            loss = ops.mean(keras.losses.binary_crossentropy(labels, discriminator(images)))
        weights = discriminator.trainable_weights + (
            generator.trainable_weights if update_generator else [])
        gradients = tape.gradient(loss, weights)
        optimizer.apply_gradients([(g * learning_rate_factor, w)
                                   for g, w in zip(gradients, weights)])
        return loss
    return step


def test_discriminator_step():
    expect(ex.check_discriminator_step(bce_step()), ex.CORRECT, "generator untouched")
    expect(ex.check_discriminator_step(bce_step(update_generator=True)), ex.WRONG,
           "changed the generator")
    expect(ex.check_discriminator_step(bce_step(swap_labels=True)), ex.WRONG, "labels are swapped")
    expect(ex.check_discriminator_step(bce_step(learning_rate_factor=2.0)), ex.WRONG,
           "weights after your step")
    expect(ex.check_discriminator_step(lambda g, d, o, r, c: 0.5), ex.WRONG, "did not change")
    expect(ex.check_discriminator_step(blank_function), ex.NOT_ANSWERED)


def test_gradient_penalty():
    def penalty(critic, real, fake, alpha, at_real=False):
        points = tf.convert_to_tensor(real if at_real else alpha * real + (1 - alpha) * fake)
        with tf.GradientTape() as tape:
            tape.watch(points)
            scores = critic(points)
        norms = ops.sqrt(ops.sum(ops.square(tape.gradient(scores, points)), axis=-1))
        return ops.mean(ops.square(norms - 1))

    expect(ex.check_gradient_penalty(penalty), ex.CORRECT)
    expect(ex.check_gradient_penalty(lambda *args: penalty(*args, at_real=True)), ex.WRONG,
           "at the real images")

    def input_norm(critic, real, fake, alpha):  # the norm of x_hat, not of the gradient
        points = alpha * real + (1 - alpha) * fake
        return np.mean((np.linalg.norm(points, axis=1) - 1) ** 2)

    expect(ex.check_gradient_penalty(input_norm), ex.WRONG, "interpolates themselves")
    expect(ex.check_gradient_penalty(lambda c, r, f, a: penalty(c, f, r, a)), ex.WRONG,
           "alpha weights the fakes")
    expect(ex.check_gradient_penalty(blank_function), ex.NOT_ANSWERED)


def test_dcgan_networks():
    generator = keras.Sequential([
        keras.Input((100,)), keras.layers.Dense(7 * 7 * 8), keras.layers.Reshape((7, 7, 8)),
        keras.layers.BatchNormalization(), keras.layers.ReLU(),
        keras.layers.Conv2DTranspose(4, 4, strides=2, padding="same"),
        keras.layers.BatchNormalization(), keras.layers.ReLU(),
        keras.layers.Conv2DTranspose(1, 4, strides=2, padding="same", activation="tanh")])
    expect(ex.check_dcgan_generator(generator), ex.CORRECT)
    sigmoid = keras.Sequential([*generator.layers[:-1], keras.layers.Conv2DTranspose(
        1, 4, strides=2, padding="same", activation="sigmoid")])
    expect(ex.check_dcgan_generator(sigmoid), ex.WRONG, "tanh")
    no_bn = keras.Sequential([keras.Input((100,)), keras.layers.Dense(7 * 7 * 8),
                              keras.layers.Reshape((7, 7, 8)),
                              keras.layers.Conv2DTranspose(1, 4, strides=4, padding="same",
                                                           activation="tanh")])
    expect(ex.check_dcgan_generator(no_bn), ex.WRONG, "no BatchNormalization")
    bn_last = keras.Sequential([*generator.layers, keras.layers.BatchNormalization()])
    expect(ex.check_dcgan_generator(bn_last), ex.WRONG, "output goes through BatchNormalization")
    expect(ex.check_dcgan_generator(None), ex.NOT_ANSWERED)
    # Small untrained weights keep a linear output inside [-1, 1]: larger ones do not.
    linear = keras.Sequential([*generator.layers[:-1], keras.layers.Conv2DTranspose(
        1, 4, strides=2, padding="same")])
    expect(ex.check_dcgan_generator(linear), ex.WRONG, "tanh")
    expect(ex.check_dcgan_generator(np.zeros((3, 28, 28, 1))), ex.WRONG, "its predictions")
    discriminator = keras.Sequential([
        keras.Input((28, 28, 1)), keras.layers.Conv2D(8, 4, strides=2, padding="same"),
        keras.layers.LeakyReLU(0.2), keras.layers.Flatten(),
        keras.layers.Dense(1, activation="sigmoid")])
    expect(ex.check_dcgan_discriminator(discriminator), ex.CORRECT)
    pooled = keras.Sequential([
        keras.Input((28, 28, 1)), keras.layers.Conv2D(8, 4, padding="same"),
        keras.layers.LeakyReLU(0.2), keras.layers.MaxPool2D(), keras.layers.Flatten(),
        keras.layers.Dense(1, activation="sigmoid")])
    expect(ex.check_dcgan_discriminator(pooled), ex.WRONG, "pooling")
    relu = keras.Sequential([
        keras.Input((28, 28, 1)), keras.layers.Conv2D(8, 4, strides=2, activation="relu"),
        keras.layers.Flatten(), keras.layers.Dense(1, activation="sigmoid")])
    expect(ex.check_dcgan_discriminator(relu), ex.WRONG, "leaky ReLU")
    no_sigmoid = keras.Sequential([*discriminator.layers[:-1], keras.layers.Dense(1)])
    expect(ex.check_dcgan_discriminator(no_sigmoid), ex.WRONG, "sigmoid")
    clipped = keras.Sequential([*discriminator.layers[:-1], keras.layers.Dense(1, activation="relu")])
    expect(ex.check_dcgan_discriminator(clipped), ex.WRONG, "sigmoid")


def test_mapping_network():
    def mapping(n_layers, activation="leaky_relu"):
        return keras.Sequential([keras.Input((32,))] + [
            keras.layers.Dense(32, activation=activation) for _ in range(n_layers)])

    expect(ex.check_mapping_network(mapping(8)), ex.CORRECT)
    expect(ex.check_mapping_network(mapping(3)), ex.WRONG, "3 dense layers")
    expect(ex.check_mapping_network(mapping(8, None)), ex.WRONG, "affine")
    expect(ex.check_mapping_network(None), ex.NOT_ANSWERED)


def test_committed_blanks_are_made_from_the_solutions():
    completed = subprocess.run([sys.executable, str(ROOT / "tools" / "make_exercises.py"),
                                "--check"], capture_output=True, text=True)
    assert completed.returncode == 0, completed.stdout + completed.stderr


def test_blanking():
    sys.path.insert(0, str(ROOT / "tools"))
    import make_exercises

    source = ("def f(x):\n    # BEGIN SOLUTION\n    return x\n    # END SOLUTION\n"
              "y = None\n# BEGIN SOLUTION\ny = 1\n# END SOLUTION\nassert ex.check_f(f)")
    assert make_exercises.blank_code(source) == (
        "def f(x):\n    ...  # your code here\ny = None\n# your code here\nex.check_f(f)")
    with pytest.raises(ValueError):
        make_exercises.blank_code("# BEGIN SOLUTION\nx = 1")
    markdown = ("# T (worked solutions)\n<!-- BEGIN SOLUTION -->\nsecret\n<!-- END SOLUTION -->"
                "\n\n<!-- BLANK:\nsee [s](solutions/a.ipynb)\n-->\n[n](../01_a.ipynb)")
    assert make_exercises.blank_markdown(markdown) == (
        "# T\n\nsee [s](solutions/a.ipynb)\n[n](01_a.ipynb)")
