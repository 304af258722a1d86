"""Draft builder of notebooks/15_diffusion_models.ipynb (issue 24). Run, then run the
notebook with tools/run_notebooks.py. Prose numbers marked {{...}} are filled after a run."""
import sys
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

cells = []


def md(text):
    cells.append(new_markdown_cell(text.strip("\n")))


def code(text):
    cells.append(new_code_cell(text.strip("\n")))


md(r"""
# Diffusion models

The generators of notebooks 08 to 14 make an image in one pass: a coding goes
in, an image comes out. A **diffusion model** (Sohl-Dickstein et al., 2015;
Ho, Jain and Abbeel, 2020, "DDPM") makes it in many small passes. Training
starts from the other end: take a real image and destroy it by adding a little
Gaussian noise, again and again, until nothing of it is left. That **forward
process** needs no learning. The model learns only to undo one small step of
it: given a noisy image and how noisy it is, predict the noise that was added.
To generate, start from pure noise and apply the learned denoiser step after
step: the **reverse process** ends on an image that looks like the data.

Why this works so well is the subject of this notebook and the next:

- the training objective is a plain regression (mean squared error on the
  noise), with no adversary to balance and so none of the GAN difficulties of
  notebook 12;
- every step is small, so the denoiser can be a modest network, and it is one
  network for every noise level, told the level through an embedding;
- the sampler is a separate choice from the model: the same trained network
  samples with the original thousand-ish small random steps (DDPM) or with a
  few dozen deterministic ones (DDIM, Song, Meng and Ermon, 2021).

The price is sampling time: tens of network calls per image instead of one.
This notebook trains an unconditional model on Fashion-MNIST and samples it both
ways; notebook 16 adds the class and classifier-free guidance.
""")

code(r"""
import helpers  # first: it imports TensorFlow quietly

import time

import keras
import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf  # GradientTape, in the training step
from keras import ops

settings = helpers.setup("diffusion")
""")

md(r"""
## Prepare the data

Fashion-MNIST in the book's split. The model works on pixels in $[-1, 1]$, the
range of the noise it adds (its `train_step` rescales the $[0, 1]$ images, and
the samplers scale their results back).
""")

code(r"""
data = helpers.load_fashion_mnist(train_size=settings.train_size)
X_train = data.X_train[..., np.newaxis]
print("training images:", X_train.shape)
""")

md(r"""
## The forward process

Pick a number of steps $T$ and a **noise schedule** $\beta_1, \dots, \beta_T$,
small numbers in $(0, 1)$. One step of the forward process shrinks the image a
little and adds a little noise:

$$
q(\mathbf{x}_t \mid \mathbf{x}_{t-1}) = \mathcal{N}\big(\sqrt{1 - \beta_t}\,\mathbf{x}_{t-1},\ \beta_t \mathbf{I}\big),
\qquad\text{that is}\qquad
\mathbf{x}_t = \sqrt{\alpha_t}\,\mathbf{x}_{t-1} + \sqrt{1 - \alpha_t}\,\boldsymbol{\epsilon}_t
\quad\text{with } \alpha_t = 1 - \beta_t,\ \boldsymbol{\epsilon}_t \sim \mathcal{N}(\mathbf{0}, \mathbf{I}).
$$

The shrinking keeps the variance in check: if $\mathbf{x}_{t-1}$ has unit
variance, so has $\mathbf{x}_t$. Training needs noisy images at any step $t$,
and iterating $t$ steps for each would be slow. It is not necessary, because a
sum of independent Gaussians is Gaussian. Two steps:

$$
\mathbf{x}_t = \sqrt{\alpha_t}\big(\sqrt{\alpha_{t-1}}\,\mathbf{x}_{t-2} + \sqrt{1 - \alpha_{t-1}}\,\boldsymbol{\epsilon}_{t-1}\big) + \sqrt{1 - \alpha_t}\,\boldsymbol{\epsilon}_t
= \sqrt{\alpha_t \alpha_{t-1}}\,\mathbf{x}_{t-2} + \underbrace{\sqrt{\alpha_t (1 - \alpha_{t-1})}\,\boldsymbol{\epsilon}_{t-1} + \sqrt{1 - \alpha_t}\,\boldsymbol{\epsilon}_t}_{\text{variance } \alpha_t - \alpha_t\alpha_{t-1} + 1 - \alpha_t \;=\; 1 - \alpha_t\alpha_{t-1}} .
$$

The noise terms merge into one with variance $1 - \alpha_t \alpha_{t-1}$, and by
induction, with $\bar\alpha_t = \prod_{s=1}^{t} \alpha_s$,

$$
q(\mathbf{x}_t \mid \mathbf{x}_0) = \mathcal{N}\big(\sqrt{\bar\alpha_t}\,\mathbf{x}_0,\ (1 - \bar\alpha_t)\,\mathbf{I}\big),
\qquad
\mathbf{x}_t = \sqrt{\bar\alpha_t}\,\mathbf{x}_0 + \sqrt{1 - \bar\alpha_t}\,\boldsymbol{\epsilon} .
$$

$\bar\alpha_t$ is the share of the image's variance left at step $t$. It falls
from almost 1 to almost 0, and the schedule decides how. Two are common: DDPM's
$\beta_t$ rising **linearly** (from $10^{-4}$ to $0.02$ over $T = 1000$ steps),
and the **cosine** schedule of Nichol and Dhariwal (2021), which sets
$\bar\alpha_t$ directly to
$f(t) / f(0)$ with $f(t) = \cos^2\!\big(\tfrac{\pi}{2}\,\tfrac{t/T + s}{1 + s}\big)$
and a small offset $s = 0.008$. Steps are counted from 0 in the code.
""")

code(r"""
#@save
def linear_betas(n_steps, beta_start=1e-4, beta_end=0.02):
    \"\"\"DDPM's schedule: beta_t rising linearly (1e-4 to 0.02 for T = 1,000, rescaled so
    that other step counts add the same total noise).\"\"\"
    scale = 1_000 / n_steps
    return np.linspace(scale * beta_start, scale * beta_end, n_steps, dtype="float64")


def cosine_betas(n_steps, offset=0.008, max_beta=0.999):
    \"\"\"Nichol & Dhariwal's schedule: the betas that make alpha-bar_t = f(t) / f(0), with
    f(t) = cos^2(pi/2 (t/T + s) / (1 + s)); each beta at most ``max_beta``.\"\"\"
    f = np.cos((np.arange(n_steps + 1) / n_steps + offset) / (1 + offset) * np.pi / 2) ** 2
    alpha_bars = f / f[0]
    return np.minimum(1 - alpha_bars[1:] / alpha_bars[:-1], max_beta)
""")

md(r"""
A useful way to read a schedule is the **signal-to-noise ratio**
$\mathrm{SNR}(t) = \bar\alpha_t / (1 - \bar\alpha_t)$, the variance of the image
part over the variance of the noise part, on a log scale:
""")

code(r"""
n_steps = settings.n_steps  # T
schedules = {"linear": linear_betas(n_steps), "cosine": cosine_betas(n_steps)}
alpha_bars = {name: np.cumprod(1 - betas) for name, betas in schedules.items()}
fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.2))
for name, values in alpha_bars.items():
    left.plot(values, label=name)
    right.plot(np.log(values / (1 - values)), label=name)
left.set(title=r"$\bar\alpha_t$: share of the image left", xlabel="step t")
right.axhline(0, color="gray", ls=":", lw=1)
right.set(title=r"log SNR = log $\bar\alpha_t / (1 - \bar\alpha_t)$", xlabel="step t")
for ax in (left, right):
    ax.grid(alpha=0.3)
    ax.legend()
plt.show()
for name, values in alpha_bars.items():
    print(f"{name:>6}: steps with log SNR below -5 (essentially pure noise): "
          f"{np.mean(np.log(values / (1 - values)) < -5):.0%}")
""")

md(r"""
The linear schedule was designed for $256 \times 256$ images with $T = 1000$.
On small images it destroys the signal early: its log SNR plunges, and a large
share of its steps (printed above) see essentially pure noise, where the model
has nothing left to learn and the sampler spends time for nothing. The cosine
schedule lowers the log SNR almost linearly through the middle of the range,
so the noise levels where the image's structure appears get their fair share
of training and of sampling steps. We use the cosine schedule, with $T$ =
`settings.n_steps`; the figure below shows one image along both.
""")

code(r"""
image = X_train[1] * 2 - 1  # in [-1, 1]
shown_steps = np.linspace(0, n_steps - 1, 8).round().astype(int)
noise = np.random.default_rng(0).standard_normal(image.shape)
rows = {}
for name, values in alpha_bars.items():
    noisy = [np.sqrt(values[t]) * image + np.sqrt(1 - values[t]) * noise for t in shown_steps]
    rows[name] = np.clip((np.array(noisy) + 1) / 2, 0, 1)  # back to [0, 1] to show
helpers.plot_image_rows(rows, title=f"One image noised in one go to steps {list(shown_steps)}",
                        size=1.1)
plt.show()
""")

md(r"""
The closed form is what training uses, so it had better agree with the step
by step process. Run the one-step process for many copies of one image (each
with its own noise) and compare each pixel's mean and spread at step $t$ with
$\sqrt{\bar\alpha_t}\,x_0$ and $\sqrt{1 - \bar\alpha_t}$:
""")

code(r"""
betas = schedules["cosine"]
rng = np.random.default_rng(1)
n_chains, t_check = 20_000, n_steps // 3
pixels = (X_train[0].reshape(-1)[300:400] * 2 - 1)  # 100 pixels of one image, in [-1, 1]
chains = np.repeat(pixels[None], n_chains, axis=0)
for t in range(t_check + 1):  # steps 0 .. t_check, one at a time
    chains = np.sqrt(1 - betas[t]) * chains + np.sqrt(betas[t]) * rng.standard_normal(chains.shape)
alpha_bar = alpha_bars["cosine"][t_check]
mean_gap = np.abs(chains.mean(axis=0) - np.sqrt(alpha_bar) * pixels).max()
std_gap = np.abs(chains.std(axis=0) - np.sqrt(1 - alpha_bar)).max()
print(f"t = {t_check}: alpha-bar = {alpha_bar:.3f}; over {n_chains:,} chains the largest "
      f"gap in a pixel's mean is {mean_gap:.4f}, in its spread {std_gap:.4f}")
assert mean_gap < 0.03 and std_gap < 0.03, "the closed form does not match the process"
""")

md(r"""
## The denoiser: a small U-Net

The network $\boldsymbol{\epsilon}_\theta(\mathbf{x}_t, t)$ takes a noisy image
and its step and returns an image-sized prediction of the noise. The usual
architecture is a **U-Net** (Ronneberger et al., 2015): a convolutional encoder
that halves the resolution twice (28, 14, 7), a middle block, and a decoder that
mirrors it, each of its levels fed the encoder's features at the same
resolution through a **skip connection**. The skips carry the fine detail that
the downsampling loses; the low resolutions see the whole garment.

**Telling the network the step.** One network serves every $t$, so $t$ is an
input, encoded like the positions of a transformer (chapter 16): half the
features $\sin(t f_i)$, half $\cos(t f_i)$, with frequencies $f_i$ spread
geometrically from 1 down to $1/10\,000$. Nearby steps get nearby vectors, and
a dense layer can read both coarse and fine differences.
""")

code(r"""
#@save
@keras.saving.register_keras_serializable(package="helpers")
class SinusoidalEmbedding(keras.layers.Layer):
    \"\"\"The transformer's position encoding applied to the diffusion step t: half the
    features sin(t f_i), half cos(t f_i), frequencies f_i from 1 down to 1 / max_period.

    Usage: ``embedding = SinusoidalEmbedding(32)(steps)  # (n,) or (n, 1) -> (n, 32)``
    \"\"\"

    def __init__(self, dim, max_period=10_000.0, **kwargs):
        super().__init__(**kwargs)
        if dim % 2:
            raise ValueError(f"dim must be even (half sines, half cosines), got {dim}")
        self.dim, self.max_period = dim, max_period

    def call(self, steps):
        steps = ops.reshape(ops.cast(steps, "float32"), (-1, 1))
        half = self.dim // 2
        frequencies = ops.exp(-np.log(self.max_period) * ops.arange(half, dtype="float32") / half)
        angles = steps * frequencies[None, :]
        return ops.concatenate([ops.sin(angles), ops.cos(angles)], axis=-1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.dim)

    def get_config(self):
        return {**super().get_config(), "dim": self.dim, "max_period": self.max_period}
""")

code(r"""
embedding = ops.convert_to_numpy(SinusoidalEmbedding(settings.embedding_dim)(np.arange(n_steps)))
fig, ax = plt.subplots(figsize=(8, 2.6))
ax.imshow(embedding.T, aspect="auto", cmap="RdBu", vmin=-1, vmax=1)
ax.set(title="Step embedding: one column per step t (sines above, cosines below)",
       xlabel="step t", ylabel="feature")
plt.show()
# Every row has length sqrt(dim / 2) (one sin^2 + cos^2 = 1 per frequency).
similarity = embedding @ embedding.T / (settings.embedding_dim / 2)
print("cosine similarity of step 50 with steps 51, 60 and 150: "
      f"{similarity[50, 51]:.3f}, {similarity[50, 60]:.3f}, {similarity[50, 150]:.3f}")
""")

md(r"""
**A residual block** is the U-Net's unit: group normalization and the swish
activation before each of two $3 \times 3$ convolutions, the step's features
added between them (one learned shift per channel, so every block can act
differently at every noise level), and a residual connection around it all.
Group normalization, not batch normalization: a batch mixes images at very
different noise levels, whose statistics should not be pooled.
""")

code(r"""
#@save
def residual_block(features, time_features, channels, name):
    \"\"\"Two 3x3 convolutions (group norm and swish before each) with the step's embedding
    added between them, one shift per channel, and a residual connection.\"\"\"
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
""")

md(r"""
The U-Net, as named steps: the step embedding and a small MLP on it; a stem
convolution; **down** blocks at 28, 14 and 7 pixels (average pooling between
them); a **middle** block; **up** blocks at 7, 14 and 28, each fed the
upsampled features concatenated with the down path's features at its
resolution (the skips); and a last convolution to one channel, the predicted
noise, started at zero so that the untrained network predicts "no noise".
`n_classes` adds a class input for notebook 16.
""")

code(r"""
#@save
def build_unet(widths=(32, 64, 64), embedding_dim=64, n_classes=None, name="unet"):
    \"\"\"A U-Net for 28x28x1 images: predicts the noise in x_t given t (and a class, when
    ``n_classes`` is given: class n_classes means "no class", for guidance).\"\"\"
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
""")

code(r"""
# NBVAL_CHECK_OUTPUT
keras.utils.set_random_seed(helpers.SEED)
network = build_unet(settings.widths, settings.embedding_dim)
print(f"U-Net channels at 28, 14, 7 pixels: {settings.widths}; "
      f"parameters: {network.count_params():,}")
for block in ("stem", "down0", "down1", "down2", "middle", "up2", "up1", "up0", "predicted_noise"):
    print(f"  {block:<16}{str(network.get_layer(block).output.shape):>20}")
predicted = network([np.zeros((2, 28, 28, 1), "float32"), np.array([0, n_steps - 1])])
assert predicted.shape == (2, 28, 28, 1), "the noise prediction must have the image's shape"
""")

md(r"""
## The training objective

Ho et al. derive the loss from a variational bound on the data's likelihood
(like the VAE's ELBO of notebook 08) and then simplify it to a regression:
draw an image $\mathbf{x}_0$, a step $t$ uniformly and a noise
$\boldsymbol{\epsilon}$, make $\mathbf{x}_t$ with the closed form, and ask the
network for $\boldsymbol{\epsilon}$:

$$
\mathcal{L}_\text{simple} = \mathbb{E}_{\mathbf{x}_0,\, t,\, \boldsymbol{\epsilon}}
\Big[\big\lVert \boldsymbol{\epsilon} - \boldsymbol{\epsilon}_\theta\big(\sqrt{\bar\alpha_t}\,\mathbf{x}_0 + \sqrt{1 - \bar\alpha_t}\,\boldsymbol{\epsilon},\ t\big)\big\rVert^2\Big].
$$

Predicting the noise rather than the clean image keeps the target at unit
scale for every $t$, and knowing $\boldsymbol{\epsilon}$ is knowing
$\mathbf{x}_0$: $\hat{\mathbf{x}}_0 = (\mathbf{x}_t - \sqrt{1 - \bar\alpha_t}\,
\hat{\boldsymbol{\epsilon}}) / \sqrt{\bar\alpha_t}$.

The model also keeps an **exponential moving average** (EMA) of the network's
weights, $\bar\theta \leftarrow \mu \bar\theta + (1 - \mu)\,\theta$ after every
step, and samples with it: the average smooths out the noise of the last
updates, which matters more for a sampler that applies the network dozens of
times than for a single prediction. Its decay $\mu$ warms up, as in the
authors' code, $\min(\mu, (1 + n) / (10 + n))$ after $n$ steps, so that a short
run is not averaged mostly with its random starting weights.

`Diffusion` is a `keras.Model` subclass like notebook 08's VAE and notebook
09's GAN: it holds the network, its average and the schedule, and its own
`train_step` computes the loss. The class-related arguments are for notebook 16.
""")

code(r"""
#@save
@keras.saving.register_keras_serializable(package="helpers")
class Diffusion(keras.Model):
    \"\"\"A denoising diffusion model (Ho et al., 2020) trained to predict the noise, with an
    exponential moving average of the network's weights (``ema_network``) for sampling.

    With ``n_classes``, the network also takes labels, and a share ``class_dropout`` of
    each batch gets the null class (n_classes): what classifier-free guidance needs.

    Usage: ``model = Diffusion(build_unet(), cosine_betas(200)); model.compile(...);
    model.fit(images)`` (or ``fit(images, labels)`` when conditional).
    \"\"\"

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

    def call(self, inputs, training=False):
        return self.network(inputs, training=training)

    @property
    def metrics(self):
        return [self.loss_tracker]
""")

md(r"""
Saving and reloading: the config rebuilds the network from its own config, and
the optimizer is built at `compile`, so a saved model reloads with its
optimizer's state and training can resume.
""")

code(r"""
#@save
@helpers.add_to_class(Diffusion)
def compile(self, optimizer="adam", **kwargs):
    super(Diffusion, self).compile(optimizer=optimizer, **kwargs)
    self.optimizer.build(self.network.trainable_variables)  # its state then reloads


@helpers.add_to_class(Diffusion)
def get_compile_config(self):
    return {"optimizer": keras.optimizers.serialize(self.optimizer)}


@helpers.add_to_class(Diffusion)
def compile_from_config(self, config):
    self.compile(optimizer=keras.optimizers.deserialize(config["optimizer"]))


@helpers.add_to_class(Diffusion)
def get_config(self):
    return {**super(Diffusion, self).get_config(),
            "network": keras.saving.serialize_keras_object(self.network),
            "betas": self.betas, "ema_decay": self.ema_decay,
            "class_dropout": self.class_dropout, "n_classes": self.n_classes, "seed": self.seed}


@helpers.add_to_class(Diffusion)
@classmethod
def from_config(cls, config):
    config["network"] = keras.saving.deserialize_keras_object(config["network"])
    return cls(**config)
""")

md(r"""
The forward process in closed form, and the training step: the loss above,
line for line, then the moving average.
""")

code(r"""
#@save
@helpers.add_to_class(Diffusion)
def add_noise(self, clean, steps, noise):
    \"\"\"x_t = sqrt(abar_t) x_0 + sqrt(1 - abar_t) eps: any step t in one go (the closed form).\"\"\"
    alpha_bar = ops.reshape(ops.take(self.alpha_bars, steps), (-1, 1, 1, 1))
    return ops.sqrt(alpha_bar) * clean + ops.sqrt(1 - alpha_bar) * noise


@helpers.add_to_class(Diffusion)
def train_step(self, data):
    images, labels, _ = keras.utils.unpack_x_y_sample_weight(data)
    clean = images * 2.0 - 1.0                      # [0, 1] -> [-1, 1], the noise's scale
    n = ops.shape(clean)[0]
    steps = keras.random.randint((n,), 0, self.n_steps, seed=self.seed_generator)  # t
    noise = keras.random.normal(ops.shape(clean), seed=self.seed_generator)        # eps
    inputs = [self.add_noise(clean, steps, noise), steps]                          # x_t, t
    if self.n_classes is not None:                  # some labels hidden: the null class
        hidden = keras.random.uniform((n,), seed=self.seed_generator) < self.class_dropout
        inputs.append(ops.where(hidden, self.n_classes, ops.cast(labels, "int32")))
    with tf.GradientTape() as tape:
        loss = ops.mean(ops.square(noise - self.network(inputs, training=True)))
    weights = self.network.trainable_weights
    self.optimizer.apply_gradients(zip(tape.gradient(loss, weights), weights))
    n_updates = ops.cast(self.optimizer.iterations, "float32")
    decay = ops.minimum(self.ema_decay, (1 + n_updates) / (10 + n_updates))  # warm-up
    for average, weight in zip(self.ema_network.weights, self.network.weights):
        average.assign(decay * average + (1 - decay) * weight)
    self.loss_tracker.update_state(loss)
    return {"loss": self.loss_tracker.result()}
""")

md(r"""
## Training

Adam with a learning rate that decays to zero along a cosine over the run
(what notebook 10 found for the DCGAN: the last, small steps clean up the
weights), batches of `settings.batch_size`, and the training images in
`settings.epochs` passes. The model is saved under `models/<preset>/` and
reloaded on a re-run, like every model of the collection.
""")

code(r"""
keras.utils.set_random_seed(helpers.SEED)
model = Diffusion(network, cosine_betas(n_steps), ema_decay=settings.ema_decay,
                  seed=helpers.SEED, name="diffusion")
total_steps = settings.epochs * int(np.ceil(len(X_train) / settings.batch_size))
schedule = keras.optimizers.schedules.CosineDecay(settings.learning_rate, decay_steps=total_steps)
model.compile(optimizer=keras.optimizers.Adam(schedule))
print(f"{settings.epochs} epochs of {len(X_train):,} images, batch {settings.batch_size}: "
      f"{total_steps:,} steps, learning rate {settings.learning_rate:g} decayed to 0")
history = helpers.fit_or_load(model, settings, "diffusion", X_train, epochs=settings.epochs,
                              batch_size=settings.batch_size)
""")

code(r"""
print("loss per epoch:", ", ".join(f"{loss:.4f}" for loss in history["loss"]))
assert np.isfinite(history["loss"]).all()
assert history["loss"][-1] < 0.5, "the network predicts the noise little better than zeros"
""")

md(r"""
### Does the network predict the noise at every step?

Predicting zeros scores a mean squared error of 1 (the noise's variance) at
every step. On validation images the trained network (its moving average)
must do better at every step, including the smallest $t$, where the noise is
faint and hard to tell from the garment's texture, and the largest, where
$\mathbf{x}_t$ is almost all noise. Fed the wrong step (always $t = 0$), it
should do worse wherever the noise is strong: the step input is used.
""")

code(r"""
check_steps = np.linspace(0, n_steps - 1, 11).round().astype(int)
X_check = data.X_valid[:settings.n_check_images, ..., np.newaxis] * 2 - 1
check_noise = np.random.default_rng(2).standard_normal(X_check.shape).astype("float32")


def noise_error(step_input):
    errors = []
    for t in check_steps:
        noisy = model.add_noise(X_check, np.full(len(X_check), t), check_noise)
        predicted = model.ema_network.predict([noisy, np.full(len(X_check), step_input(t))],
                                              batch_size=500, verbose=0)
        errors.append(float(np.mean((predicted - check_noise) ** 2)))
    return np.array(errors)


right_step, step_zero = noise_error(lambda t: t), noise_error(lambda t: 0)
fig, ax = plt.subplots(figsize=(6, 3))
ax.plot(check_steps, right_step, marker="o", label="the right step t")
ax.plot(check_steps, step_zero, marker="o", label="always told t = 0")
ax.axhline(1.0, color="gray", ls=":", label="predicting zeros")
ax.set(xlabel="step t", ylabel="noise MSE", yscale="log", title="Predicted noise, validation images")
ax.grid(alpha=0.3)
ax.legend()
plt.show()
print("MSE at steps", list(check_steps), ":", np.round(right_step, 3))
assert (right_step < 1.0).all(), "at some step the network does no better than predicting zeros"
assert step_zero[-1] > 2 * right_step[-1], "the step input makes no difference"
""")

md(r"""
## Sampling with DDPM

The forward step is Gaussian, and for small $\beta_t$ so is its reverse. Given
$\mathbf{x}_0$ it is known exactly (Bayes' rule on two Gaussians):

$$
q(\mathbf{x}_{t-1} \mid \mathbf{x}_t, \mathbf{x}_0) = \mathcal{N}\big(\tilde{\boldsymbol\mu}_t,\ \tilde\beta_t \mathbf{I}\big),
\qquad \tilde\beta_t = \frac{1 - \bar\alpha_{t-1}}{1 - \bar\alpha_t}\,\beta_t .
$$

Writing $\mathbf{x}_0$ through the noise the network predicts gives the mean,
and the **ancestral sampler** of DDPM: start from
$\mathbf{x}_T \sim \mathcal{N}(\mathbf{0}, \mathbf{I})$ and, for $t = T, \dots, 1$,

$$
\mathbf{x}_{t-1} = \frac{1}{\sqrt{\alpha_t}}\Big(\mathbf{x}_t - \frac{\beta_t}{\sqrt{1 - \bar\alpha_t}}\,\boldsymbol{\epsilon}_\theta(\mathbf{x}_t, t)\Big) + \sqrt{\tilde\beta_t}\,\mathbf{z},
\qquad \mathbf{z} \sim \mathcal{N}(\mathbf{0}, \mathbf{I}),
$$

with no noise added at the last step. Every step calls the network once, so a
batch of images costs $T$ calls. `predict_noise` makes those calls in batches;
its `labels` and `guidance` arguments serve the conditional model of notebook
16, where `null_class` and `guided_noise` are explained.
""")

code(r"""
#@save
def null_class(network):
    \"\"\"The label that means "no class" for a conditional network (None if unconditional).\"\"\"
    if "class_embedding" not in [layer.name for layer in network.layers]:
        return None
    return network.get_layer("class_embedding").input_dim - 1


def guided_noise(noise_unconditional, noise_conditional, guidance):
    \"\"\"Classifier-free guidance (notebook 16): eps_uncond + w (eps_cond - eps_uncond).\"\"\"
    return noise_unconditional + guidance * (noise_conditional - noise_unconditional)


def predict_noise(network, images, step, labels=None, guidance=1.0, batch_size=500):
    \"\"\"eps_theta(x_t, t) for every image at one step t, in batches; given labels, guided
    by ``guidance`` (one network call per batch for the class and one for the null class).\"\"\"
    outputs = []
    for start in range(0, len(images), batch_size):
        x = images[start:start + batch_size]
        steps = np.full(len(x), step, "int32")
        if labels is None:
            outputs.append(network.predict_on_batch([x, steps]))
            continue
        y = np.asarray(labels[start:start + batch_size], "int32")
        if guidance == 1.0:
            outputs.append(network.predict_on_batch([x, steps, y]))
            continue
        null = np.full_like(y, null_class(network))
        both = network.predict_on_batch([np.concatenate([x, x]), np.concatenate([steps, steps]),
                                         np.concatenate([null, y])])
        outputs.append(guided_noise(both[:len(x)], both[len(x):], guidance))
    return np.concatenate(outputs).astype("float32")
""")

code(r"""
#@save
def ddpm_sample(network, betas, noise, seed=0, labels=None, guidance=1.0, keep_every=None):
    \"\"\"Ancestral sampling (Ho et al., 2020), from x_T = ``noise`` down to x_0, every step:
    x_{t-1} = (x_t - beta_t / sqrt(1 - abar_t) eps) / sqrt(alpha_t) + sqrt(beta~_t) z.
    Returns images in [0, 1] (and [(t, x_t in [0, 1])] every ``keep_every`` steps).\"\"\"
    betas = np.asarray(betas, "float64")
    alphas, alpha_bars = 1 - betas, np.cumprod(1 - betas)
    rng = np.random.default_rng(seed)
    x, path = np.asarray(noise, "float32"), []
    for t in reversed(range(len(betas))):
        eps = predict_noise(network, x, t, labels, guidance)
        x = (x - betas[t] / np.sqrt(1 - alpha_bars[t]) * eps) / np.sqrt(alphas[t])
        if t > 0:  # beta~_t: the variance of q(x_{t-1} | x_t, x_0)
            variance = betas[t] * (1 - alpha_bars[t - 1]) / (1 - alpha_bars[t])
            x = x + np.sqrt(variance) * rng.standard_normal(x.shape)
        x = x.astype("float32")
        if keep_every and t % keep_every == 0:
            path.append((t, np.clip((x + 1) / 2, 0, 1)))
    images = np.clip((x + 1) / 2, 0, 1)
    return (images, path) if keep_every else images
""")

md(r"""
The reverse process of eight images, from pure noise (left) to the result
(right), every $T/8$ steps:
""")

code(r"""
start_noise = np.random.default_rng(helpers.SEED).standard_normal((8, 28, 28, 1)).astype("float32")
keep_every = n_steps // 8
ddpm_images, ddpm_path = ddpm_sample(model.ema_network, model.betas, start_noise, seed=0,
                                     keep_every=keep_every)
columns = [np.clip((start_noise + 1) / 2, 0, 1)] + [state for _, state in ddpm_path]
grid = np.stack(columns, axis=1).reshape(-1, 28, 28)
helpers.plot_image_grid(grid, n_cols=len(columns), size=0.9,
                        title="DDPM: x_T (noise), then x_t every "
                              f"{keep_every} steps down to x_0")
plt.show()
""")

md(r"""
## Sampling with DDIM

Song, Meng and Ermon (2021) noticed that the training loss only involves the
marginals $q(\mathbf{x}_t \mid \mathbf{x}_0)$, never the one-step process: any
process with the same marginals is served by the same network. Among them is a
**deterministic** one. From $\mathbf{x}_t$, predict the noise, deduce the
clean image, and put it back at a lower noise level $s < t$ **with the same
noise**:

$$
\hat{\mathbf{x}}_0 = \frac{\mathbf{x}_t - \sqrt{1 - \bar\alpha_t}\,\boldsymbol{\epsilon}_\theta(\mathbf{x}_t, t)}{\sqrt{\bar\alpha_t}},
\qquad
\mathbf{x}_s = \sqrt{\bar\alpha_s}\,\hat{\mathbf{x}}_0 + \sqrt{1 - \bar\alpha_s}\,\boldsymbol{\epsilon}_\theta(\mathbf{x}_t, t).
$$

Nothing random enters after $\mathbf{x}_T$, and $s$ need not be $t - 1$: DDIM
visits a few dozen evenly spaced steps instead of all $T$. The prediction
$\hat{\mathbf{x}}_0$ is clipped to the data's range $[-1, 1]$ (and the noise
recomputed to match), which keeps the first, very uncertain steps from
overshooting.
""")

code(r"""
#@save
def ddim_steps(n_steps, n_sampling_steps):
    \"\"\"The steps DDIM visits, evenly spaced from T - 1 down to 0.\"\"\"
    return np.unique(np.linspace(0, n_steps - 1, n_sampling_steps).round().astype(int))[::-1]


def ddim_sample(network, betas, noise, n_sampling_steps, labels=None, guidance=1.0,
                keep_path=False):
    \"\"\"Deterministic DDIM sampling (Song et al., 2021, eta = 0) over ``n_sampling_steps``
    of the T steps: x0 = (x_t - sqrt(1 - abar_t) eps) / sqrt(abar_t), clipped to [-1, 1],
    then x_s = sqrt(abar_s) x0 + sqrt(1 - abar_s) eps at the next visited step s. The same
    noise always gives the same images, in [0, 1]. With ``keep_path``, also returns
    [(t, x_t in [0, 1])] for every visited step t, the state the step starts from.\"\"\"
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
""")

md(r"""
The same eight starting noises through DDIM with `settings.sampling_steps`
steps; the second row runs it again: with DDIM the starting noise alone decides
the image.
""")

code(r"""
first = ddim_sample(model.ema_network, model.betas, start_noise, settings.sampling_steps)
again = ddim_sample(model.ema_network, model.betas, start_noise, settings.sampling_steps)
helpers.plot_image_rows({"DDPM": ddpm_images, "DDIM": first, "DDIM again": again}, size=1.0,
                        title="The same starting noises")
plt.show()
assert np.array_equal(first, again), "DDIM is not deterministic"
other_draw = ddpm_sample(model.ema_network, model.betas, start_noise, seed=1)
print(f"DDPM, same starting noise, other random steps: mean pixel change "
      f"{np.abs(other_draw - ddpm_images).mean():.3f}; DDIM run twice: "
      f"{np.abs(again - first).mean():.3f}")
""")

md(r"""
## By the numbers

The metric of notebook 09 (a classifier's features, Fréchet distance to real
images, class histogram) on `n_samples` DDIM samples, beside an **untrained**
network of the same shape sampled the same way, and the model's raw weights
against their moving average.
""")

code(r"""
classifier = helpers.load_or_train_classifier(data=data)
n_samples = helpers.preset_settings("sample_quality").n_samples
sample_noise = np.random.default_rng(helpers.SEED + 2).standard_normal(
    (n_samples, 28, 28, 1)).astype("float32")
start = time.perf_counter()
samples = ddim_sample(model.ema_network, model.betas, sample_noise, settings.sampling_steps)
sampling_seconds = time.perf_counter() - start
print(f"{n_samples:,} samples, {settings.sampling_steps} DDIM steps: {sampling_seconds:.0f} s")
diffusion_report = helpers.sample_quality_report(samples, classifier, data,
                                                 label="diffusion samples (DDIM)")
""")

code(r"""
helpers.plot_image_grid(samples[:32], n_cols=8, title="Diffusion samples (DDIM, moving average)")
plt.show()
helpers.plot_class_histogram(diffusion_report.histogram, "Diffusion samples")
plt.show()
""")

code(r"""
n_check = settings.n_check_samples
keras.utils.set_random_seed(1)
untrained = build_unet(settings.widths, settings.embedding_dim)  # fresh random weights ...
# ... the last layer's too: it starts at zero, which would predict "no noise" everywhere
for weight in untrained.get_layer("predicted_noise").weights[:1]:
    weight.assign(keras.random.normal(weight.shape, stddev=0.05, seed=1))
reports = {}
for name, net in (("moving average", model.ema_network), ("raw weights", model.network),
                  ("untrained network", untrained)):
    images = ddim_sample(net, model.betas, sample_noise[:n_check], settings.sampling_steps)
    reports[name] = helpers.sample_quality_report(images, classifier, data, n_samples=n_check,
                                                  verbose=False)
helpers.show_table([f"{n_check:,} samples, {settings.sampling_steps} DDIM steps",
                    "Fréchet distance", "class entropy (nats)"],
                   [(name, f"{r.distance:.2f}", f"{r.entropy:.2f}") for name, r in reports.items()])
ratio = reports["moving average"].distance / reports["untrained network"].distance
print(f"trained / untrained: {ratio:.3f} (must be below {settings.max_ratio_to_untrained})")
assert ratio < settings.max_ratio_to_untrained, "the diffusion model is no better than random weights"
""")

md(r"""
### Break the sampler, see the number move

Two mistakes that leave the code running and the images image-like: the
update's noise term subtracted with the wrong sign (the sampler then walks
away from the data instead of toward it), and the network told $t = 0$ at
every step (it then treats heavy noise as faint texture). Each must score
clearly worse than the right sampler on the same starting noise (at least
`settings.min_broken_ratio` times its distance):
""")

code(r"""
def broken_ddim(network, noise, n_sampling_steps, flip_sign=False, zero_step=False):
    alpha_bars = np.cumprod(1 - np.asarray(model.betas))
    steps = ddim_steps(len(alpha_bars), n_sampling_steps)
    x = noise
    for index, t in enumerate(steps):
        eps = predict_noise(network, x, 0 if zero_step else t)
        eps = -eps if flip_sign else eps
        clean = np.clip((x - np.sqrt(1 - alpha_bars[t]) * eps) / np.sqrt(alpha_bars[t]), -1, 1)
        eps = (x - np.sqrt(alpha_bars[t]) * clean) / np.sqrt(1 - alpha_bars[t])
        alpha_bar_next = alpha_bars[steps[index + 1]] if index + 1 < len(steps) else 1.0
        x = (np.sqrt(alpha_bar_next) * clean + np.sqrt(1 - alpha_bar_next) * eps).astype("float32")
    return np.clip((x + 1) / 2, 0, 1)


right = reports["moving average"].distance
for mistake, kwargs in (("noise subtracted with the wrong sign", {"flip_sign": True}),
                        ("network always told t = 0", {"zero_step": True})):
    images = broken_ddim(model.ema_network, sample_noise[:n_check], settings.sampling_steps, **kwargs)
    distance = helpers.sample_quality_report(images, classifier, data, n_samples=n_check,
                                             verbose=False).distance
    print(f"{mistake}: {distance:.2f} against {right:.2f}")
    assert distance > settings.min_broken_ratio * right, f"the metric misses the mistake: {mistake}"
""")

md(r"""
### How many steps?

DDIM trades quality for time through its number of steps. The same starting
noise at several step counts, and DDPM's full $T$ for comparison (on
`settings.n_table_samples` images each, so the distances compare with each
other, not with the table above: fewer samples give a larger distance):
""")

code(r"""
n_table = settings.n_table_samples
rows = []
for n_sampling in settings.table_steps:
    start = time.perf_counter()
    images = ddim_sample(model.ema_network, model.betas, sample_noise[:n_table], n_sampling)
    seconds = time.perf_counter() - start
    report = helpers.sample_quality_report(images, classifier, data, n_samples=n_table,
                                           verbose=False)
    rows.append((f"DDIM, {n_sampling} steps", seconds, report.distance, report.entropy))
start = time.perf_counter()
images = ddpm_sample(model.ema_network, model.betas, sample_noise[:n_table], seed=0)
seconds = time.perf_counter() - start
report = helpers.sample_quality_report(images, classifier, data, n_samples=n_table, verbose=False)
rows.append((f"DDPM, all {n_steps} steps", seconds, report.distance, report.entropy))
helpers.show_table(["sampler", f"seconds for {n_table:,} images", "Fréchet distance",
                    "class entropy (nats)"],
                   [(name, f"{s:.0f}", f"{d:.2f}", f"{h:.2f}") for name, s, d, h in rows])
""")

md(r"""
{{STEPS_PROSE}}

## Walking between starting noises

Since DDIM maps each starting noise to one image, moving the noise moves the
image. Linear interpolation between two Gaussian samples would pass through
vectors of too small a norm (halfway, the average of two independent noises
has $1/\sqrt 2$ of their length): the model never saw such inputs. **Spherical
interpolation** keeps the norm, turning from one to the other along a great
circle:

$$
\operatorname{slerp}(\mathbf{a}, \mathbf{b}; \lambda) = \frac{\sin((1 - \lambda)\,\Omega)}{\sin \Omega}\,\mathbf{a} + \frac{\sin(\lambda \Omega)}{\sin \Omega}\,\mathbf{b},
\qquad \cos \Omega = \frac{\mathbf{a} \cdot \mathbf{b}}{\lVert\mathbf{a}\rVert \lVert\mathbf{b}\rVert}.
$$
""")

code(r"""
def slerp(a, b, fraction):
    \"\"\"Spherical interpolation between two noise arrays of the same shape.\"\"\"
    a_flat, b_flat = a.reshape(-1), b.reshape(-1)
    omega = np.arccos(np.clip(a_flat @ b_flat / np.linalg.norm(a_flat) / np.linalg.norm(b_flat),
                              -1, 1))
    return (np.sin((1 - fraction) * omega) * a + np.sin(fraction * omega) * b) / np.sin(omega)


n_frames = 9
ends = np.random.default_rng(helpers.SEED + 3).standard_normal((4, 2, 28, 28, 1)).astype("float32")
fractions = np.linspace(0, 1, n_frames)
walk_noise = np.concatenate([[slerp(a, b, f) for f in fractions] for a, b in ends]).astype("float32")
walk = ddim_sample(model.ema_network, model.betas, walk_noise, settings.sampling_steps)
helpers.plot_image_grid(walk, n_cols=n_frames, size=1.0,
                        title="Each row: DDIM from starting noises on a great circle")
plt.show()
rows_ = walk.reshape(len(ends), n_frames, -1)
step_changes = np.abs(np.diff(rows_, axis=1)).mean(axis=2)
end_changes = np.abs(rows_[:, -1] - rows_[:, 0]).mean(axis=1)
largest_share = (step_changes.max(axis=1) / end_changes).max()
norms = np.linalg.norm(walk_noise.reshape(len(walk_noise), -1), axis=1)
print(f"starting-noise norms along the walks: {norms.min():.1f} to {norms.max():.1f} "
      f"(a fresh noise: about {np.sqrt(28 * 28):.0f})")
print(f"largest single step: {largest_share:.0%} of its row's end-to-end change "
      f"(an even walk: {1 / (n_frames - 1):.0%})")
assert largest_share < settings.max_walk_step, "a walk jumps"
""")

md(r"""
{{WALK_PROSE}}

## Beside the other generators

Notebooks 08, 10 and 14 save their models under `models/<preset>/`; their
samples measured with the same classifier, real images and sample count:
""")

code(r"""
rows = [("diffusion (this notebook)", diffusion_report.distance, diffusion_report.entropy)]
others = (("VAE (notebook 08)", "vae", lambda m: m.decoder, lambda m: m.decoder.input_shape[-1]),
          ("DCGAN (notebook 10)", "dcgan", lambda m: m.generator, lambda m: m.codings_size),
          ("StyleGAN (notebook 14)", "stylegan", lambda m: m.generator, lambda m: m.codings_size))
for label, name, generator_of, codings_size_of in others:
    saved = helpers.load_saved(helpers.preset_settings(name), name)
    if saved is None:
        print(f"No saved {label} for this preset: run its notebook first.")
        continue
    codings = keras.random.normal((n_samples, codings_size_of(saved)), seed=helpers.SEED + 2)
    report = helpers.sample_quality_report(generator_of(saved).predict(codings, verbose=0,
                                                                       batch_size=250),
                                           classifier, data, verbose=False)
    rows.append((label, report.distance, report.entropy))
noise_reference = diffusion_report.references[helpers.evaluation.NOISE]
rows.append(("real images with σ = 0.1 noise", noise_reference, float("nan")))
helpers.show_table(["", "Fréchet distance", "class entropy (nats)"],
                   [(name, f"{d:.2f}", "" if np.isnan(h) else f"{h:.2f}") for name, d, h in rows])
vae_rows = [d for name, d, _ in rows if name.startswith("VAE")]
if vae_rows:
    assert diffusion_report.distance < vae_rows[0], "the diffusion model does not beat the VAE"
""")

md(r"""
{{COMPARISON_PROSE}}

The model reloads from its file in safe mode, with its moving average:
""")

code(r"""
reloaded = keras.models.load_model(helpers.model_path(settings, "diffusion"))
check = ddim_sample(reloaded.ema_network, reloaded.betas, start_noise, settings.sampling_steps)
assert np.array_equal(check, first), "the reloaded model samples other images"
print("reloaded", type(reloaded).__name__, "samples the same images")
""")

md(r"""
## What we saw

{{SUMMARY}}

With a GPU, the `full` preset (`NOTEBOOK_PRESET=full`) trains a wider U-Net
for longer with $T = 1000$ steps; those settings are a suggestion that has not
been run here.
""")

nb = new_notebook(cells=cells)
nb.metadata = {"kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python",
                              "name": "python3"},
               "language_info": {"name": "python"}}
out = Path(sys.argv[1] if len(sys.argv) > 1 else "notebooks/15_diffusion_models.ipynb")
nbformat.write(nb, out)
print("wrote", out, len(cells), "cells")
