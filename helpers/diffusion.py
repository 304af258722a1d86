"""Denoising diffusion (the chapter's closing section, in the book's current edition):
noise schedules, the step embedding, a small U-Net, the ``Diffusion`` model that
trains to predict the noise (with a moving average of its weights), and the DDPM
and DDIM samplers with classifier-free guidance.

Written by hand for now, measured and unit-tested (tests/test_diffusion.py); once
its notebook exists, this module is generated from that notebook's ``#@save``
cells like the other lesson modules.

Usage::

    model = Diffusion(build_unet(), cosine_betas(200), seed=42)
    model.compile(optimizer=keras.optimizers.Adam(2e-3))
    model.fit(images, epochs=2, batch_size=128)
    samples = ddim_sample(model.ema_network, model.betas, noise, n_sampling_steps=25)
"""
import math

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from helpers.support.classes import add_to_class


def linear_betas(n_steps: int, beta_start: float = 1e-4, beta_end: float = 0.02) -> np.ndarray:
    """Ho et al. (2020): beta_t rising linearly (their 1e-4 to 0.02 for T = 1,000,
    rescaled so that other T give the same total noise)."""
    scale = 1_000 / n_steps
    return np.linspace(scale * beta_start, scale * beta_end, n_steps, dtype="float64")


def cosine_betas(n_steps: int, offset: float = 0.008, max_beta: float = 0.999) -> np.ndarray:
    """Nichol & Dhariwal (2021): the betas that make alpha-bar_t = f(t) / f(0), with
    f(t) = cos^2(pi/2 (t/T + s) / (1 + s)), each at most ``max_beta``."""
    f = np.cos((np.arange(n_steps + 1) / n_steps + offset) / (1 + offset) * np.pi / 2) ** 2
    alpha_bars = f / f[0]
    return np.minimum(1 - alpha_bars[1:] / alpha_bars[:-1], max_beta)


@keras.saving.register_keras_serializable(package="helpers")
class SinusoidalEmbedding(keras.layers.Layer):
    """The transformer's position encoding applied to the diffusion step t: half the
    features sin(t f_i), half cos(t f_i), frequencies f_i from 1 down to 1 / max_period.

    Usage: ``embedding = SinusoidalEmbedding(32)(steps)  # (n,) or (n, 1) -> (n, 32)``
    """

    def __init__(self, dim: int, max_period: float = 10_000.0, **kwargs):
        super().__init__(**kwargs)
        if dim % 2:
            raise ValueError(f"dim must be even (half sines, half cosines), got {dim}")
        self.dim, self.max_period = dim, max_period

    def call(self, steps):
        steps = ops.reshape(ops.cast(steps, "float32"), (-1, 1))
        half = self.dim // 2
        frequencies = ops.exp(-math.log(self.max_period) * ops.arange(half, dtype="float32") / half)
        angles = steps * frequencies[None, :]
        return ops.concatenate([ops.sin(angles), ops.cos(angles)], axis=-1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.dim)

    def get_config(self):
        return {**super().get_config(), "dim": self.dim, "max_period": self.max_period}


def residual_block(features, time_features, channels, name):
    """Two 3x3 convolutions (group norm and swish before each) with the step's embedding
    added between them, one shift per channel, and a residual connection."""
    skip = features
    if features.shape[-1] != channels:
        skip = keras.layers.Conv2D(channels, 1, name=f"{name}_skip")(features)
    x = keras.layers.GroupNormalization(groups=8, name=f"{name}_norm1")(features)
    x = keras.layers.Activation("swish")(x)
    x = keras.layers.Conv2D(channels, 3, padding="same", name=f"{name}_conv1")(x)
    shift = keras.layers.Dense(channels, name=f"{name}_time")(time_features)
    x = keras.layers.Add()([x, keras.layers.Reshape((1, 1, channels))(shift)])
    x = keras.layers.GroupNormalization(groups=8, name=f"{name}_norm2")(x)
    x = keras.layers.Activation("swish")(x)
    x = keras.layers.Conv2D(channels, 3, padding="same", name=f"{name}_conv2")(x)
    return keras.layers.Add(name=name)([skip, x])


def build_unet(widths=(32, 64, 64), embedding_dim=64, n_classes=None, name="unet"):
    """A U-Net for 28x28x1 images: predicts the noise in x_t given t (and a class, when
    ``n_classes`` is given: class n_classes means "no class", for guidance).

    Down: a residual block at each resolution 28, 14, 7 (downsampling between them);
    middle: a residual block at 7x7; up: the mirror image, each block fed the
    upsampled features concatenated with the down path's at that resolution (skips).
    """
    noisy_images = keras.Input((28, 28, 1), name="noisy_images")
    steps = keras.Input((), dtype="int32", name="steps")
    inputs = [noisy_images, steps]
    time_features = SinusoidalEmbedding(embedding_dim, name="step_embedding")(steps)
    if n_classes is not None:
        labels = keras.Input((), dtype="int32", name="labels")
        inputs.append(labels)
        class_features = keras.layers.Embedding(n_classes + 1, embedding_dim,
                                                name="class_embedding")(labels)
        time_features = keras.layers.Add()([time_features, class_features])
    time_features = keras.layers.Dense(embedding_dim * 2, activation="swish",
                                       name="time_mlp1")(time_features)
    time_features = keras.layers.Dense(embedding_dim * 2, activation="swish",
                                       name="time_mlp2")(time_features)

    x = keras.layers.Conv2D(widths[0], 3, padding="same", name="stem")(noisy_images)
    skips = []
    for level, channels in enumerate(widths):            # down blocks: 28, 14, 7
        x = residual_block(x, time_features, channels, f"down{level}")
        skips.append(x)
        if level < len(widths) - 1:
            x = keras.layers.AveragePooling2D(2, name=f"downsample{level}")(x)
    x = residual_block(x, time_features, widths[-1], "middle")
    for level in reversed(range(len(widths))):           # up blocks: 7, 14, 28
        if level < len(widths) - 1:
            x = keras.layers.UpSampling2D(2, name=f"upsample{level}")(x)
        x = keras.layers.Concatenate(name=f"skip{level}")([x, skips[level]])
        x = residual_block(x, time_features, widths[level], f"up{level}")
    x = keras.layers.GroupNormalization(groups=8, name="head_norm")(x)
    x = keras.layers.Activation("swish")(x)
    noise = keras.layers.Conv2D(1, 3, padding="same", kernel_initializer="zeros",
                                name="predicted_noise")(x)
    return keras.Model(inputs, noise, name=name)


@keras.saving.register_keras_serializable(package="helpers")
class Diffusion(keras.Model):
    """A denoising diffusion model (Ho et al., 2020) trained to predict the noise:
    L = E_{x0, t, eps} || eps - eps_theta(sqrt(abar_t) x0 + sqrt(1 - abar_t) eps, t) ||^2,
    with an exponential moving average of the network's weights for sampling.

    With ``class_dropout`` > 0 the network takes labels too, and that share of each
    batch gets the null class (n_classes), which is what classifier-free guidance needs.

    Usage: ``model = Diffusion(build_unet(), cosine_betas(200)); model.compile(...);
    model.fit(images)`` (or ``fit((images, labels))`` when conditional).
    """

    def __init__(self, network, betas, ema_decay=0.999, class_dropout=0.0, n_classes=None,
                 seed=None, **kwargs):
        super().__init__(**kwargs)
        self.network = network
        self.betas = [float(beta) for beta in betas]
        self.n_steps = len(self.betas)
        self.alpha_bars = ops.convert_to_tensor(np.cumprod(1 - np.array(self.betas)), "float32")
        self.ema_decay, self.class_dropout, self.n_classes = ema_decay, class_dropout, n_classes
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.ema_network = keras.models.clone_model(network)
        self.ema_network.set_weights(network.get_weights())
        self.loss_tracker = keras.metrics.Mean(name="loss")
        self.built = True  # the networks are built: so saving keeps the optimizer's state

    def compile(self, optimizer="adam", **kwargs):
        super().compile(optimizer=optimizer, **kwargs)
        self.optimizer.build(self.network.trainable_variables)  # its state then reloads

    def get_compile_config(self):
        return {"optimizer": keras.optimizers.serialize(self.optimizer)}

    def compile_from_config(self, config):
        self.compile(optimizer=keras.optimizers.deserialize(config["optimizer"]))

    @property
    def metrics(self):
        return [self.loss_tracker]

    def get_config(self):
        return {**super().get_config(),
                "network": keras.saving.serialize_keras_object(self.network),
                "betas": self.betas, "ema_decay": self.ema_decay,
                "class_dropout": self.class_dropout, "n_classes": self.n_classes, "seed": self.seed}

    @classmethod
    def from_config(cls, config):
        config["network"] = keras.saving.deserialize_keras_object(config["network"])
        return cls(**config)

    def call(self, inputs, training=False):
        return self.network(inputs, training=training)


@add_to_class(Diffusion)
def add_noise(self, clean, steps, noise):
    """x_t = sqrt(abar_t) x_0 + sqrt(1 - abar_t) eps: any step t in one go (the closed form)."""
    alpha_bar = ops.reshape(ops.take(self.alpha_bars, steps), (-1, 1, 1, 1))
    return ops.sqrt(alpha_bar) * clean + ops.sqrt(1 - alpha_bar) * noise


@add_to_class(Diffusion)
def train_step(self, data):
    images, labels, _ = keras.utils.unpack_x_y_sample_weight(data)
    clean = images * 2.0 - 1.0                      # [0, 1] -> [-1, 1], the data's scale
    n = ops.shape(clean)[0]
    steps = keras.random.randint((n,), 0, self.n_steps, seed=self.seed_generator)
    noise = keras.random.normal(ops.shape(clean), seed=self.seed_generator)
    inputs = [self.add_noise(clean, steps, noise), steps]
    if self.n_classes is not None:                  # some labels hidden: the null class
        hidden = keras.random.uniform((n,), seed=self.seed_generator) < self.class_dropout
        inputs.append(ops.where(hidden, self.n_classes, ops.cast(labels, "int32")))
    with tf.GradientTape() as tape:
        loss = ops.mean(ops.square(noise - self.network(inputs, training=True)))
    weights = self.network.trainable_weights
    self.optimizer.apply_gradients(zip(tape.gradient(loss, weights), weights))
    # The average's decay warms up, (1 + n) / (10 + n) after n steps, so that a short run
    # is not averaged mostly with the random initial weights.
    n = ops.cast(self.optimizer.iterations, "float32")
    decay = ops.minimum(self.ema_decay, (1 + n) / (10 + n))
    for average, weight in zip(self.ema_network.weights, self.network.weights):
        average.assign(decay * average + (1 - decay) * weight)
    self.loss_tracker.update_state(loss)
    return {"loss": self.loss_tracker.result()}


def null_class(network):
    """The label that means "no class" for a conditional network (None if unconditional)."""
    if "class_embedding" not in [layer.name for layer in network.layers]:
        return None
    return network.get_layer("class_embedding").input_dim - 1


def guided_noise(noise_unconditional, noise_conditional, guidance):
    """Classifier-free guidance: eps_uncond + w (eps_cond - eps_uncond). w = 0 ignores the
    class, w = 1 is the plain conditional model, w > 1 pushes further toward the class."""
    return noise_unconditional + guidance * (noise_conditional - noise_unconditional)


def predict_noise(network, images, step, labels=None, guidance=1.0, batch_size=500):
    """eps_theta(x_t, t) for every image at one step t, in batches; given labels, guided
    by ``guidance`` (one network call per batch for the class and one for the null class)."""
    outputs = []
    for start in range(0, len(images), batch_size):
        x = images[start:start + batch_size]
        steps = np.full(len(x), step, "int32")
        if labels is None:
            outputs.append(network.predict_on_batch([x, steps]))
            continue
        y = np.asarray(labels[start:start + batch_size], "int32")
        null = np.full_like(y, null_class(network))
        if guidance == 1.0:
            outputs.append(network.predict_on_batch([x, steps, y]))
            continue
        both = network.predict_on_batch([np.concatenate([x, x]), np.concatenate([steps, steps]),
                                         np.concatenate([null, y])])
        outputs.append(guided_noise(both[:len(x)], both[len(x):], guidance))
    return np.concatenate(outputs).astype("float32")


def ddpm_sample(network, betas, noise, seed=0, labels=None, guidance=1.0, keep_every=None):
    """Ancestral sampling (Ho et al., 2020), every step from t = T - 1 down to 0:
    x_{t-1} = (x_t - beta_t / sqrt(1 - abar_t) eps) / sqrt(alpha_t) + sigma_t z,
    with sigma_t^2 = beta_t (1 - abar_{t-1}) / (1 - abar_t) and no noise at the last step.
    Returns the images in [0, 1] (and the path x_t every ``keep_every`` steps if asked)."""
    betas = np.asarray(betas, "float64")
    alphas, alpha_bars = 1 - betas, np.cumprod(1 - betas)
    rng = np.random.default_rng(seed)
    x, path = np.asarray(noise, "float32"), []
    for t in reversed(range(len(betas))):
        eps = predict_noise(network, x, t, labels, guidance)
        x = (x - betas[t] / np.sqrt(1 - alpha_bars[t]) * eps) / np.sqrt(alphas[t])
        if t > 0:
            variance = betas[t] * (1 - alpha_bars[t - 1]) / (1 - alpha_bars[t])
            x = x + np.sqrt(variance) * rng.standard_normal(x.shape)
        x = x.astype("float32")
        if keep_every and t % keep_every == 0:
            path.append((t, np.clip((x + 1) / 2, 0, 1)))
    images = np.clip((x + 1) / 2, 0, 1)
    return (images, path) if keep_every else images


def ddim_steps(n_steps, n_sampling_steps):
    """The steps DDIM visits, evenly spaced from T - 1 down to 0."""
    return np.unique(np.linspace(0, n_steps - 1, n_sampling_steps).round().astype(int))[::-1]


def ddim_sample(network, betas, noise, n_sampling_steps, labels=None, guidance=1.0,
                keep_path=False):
    """Deterministic DDIM sampling (Song et al., 2021, eta = 0) over ``n_sampling_steps``
    of the T steps: from x_t, predict x_0 = (x_t - sqrt(1 - abar_t) eps) / sqrt(abar_t),
    then jump to the next visited step s: x_s = sqrt(abar_s) x_0 + sqrt(1 - abar_s) eps.
    The same noise always gives the same images. With ``keep_path``, also returns
    [(t, x_t in [0, 1])] for every visited step t, the state the step starts from."""
    alpha_bars = np.cumprod(1 - np.asarray(betas, "float64"))
    steps = ddim_steps(len(alpha_bars), n_sampling_steps)
    x, path = np.asarray(noise, "float32"), []
    for index, t in enumerate(steps):
        if keep_path:
            path.append((int(t), np.clip((x + 1) / 2, 0, 1)))
        eps = predict_noise(network, x, t, labels, guidance)
        clean = np.clip((x - np.sqrt(1 - alpha_bars[t]) * eps) / np.sqrt(alpha_bars[t]), -1, 1)
        eps = (x - np.sqrt(alpha_bars[t]) * clean) / np.sqrt(1 - alpha_bars[t])  # after clipping
        alpha_bar_next = alpha_bars[steps[index + 1]] if index + 1 < len(steps) else 1.0
        x = (np.sqrt(alpha_bar_next) * clean + np.sqrt(1 - alpha_bar_next) * eps).astype("float32")
    images = np.clip((x + 1) / 2, 0, 1)
    return (images, path) if keep_path else images
