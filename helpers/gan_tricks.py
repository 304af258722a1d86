"""Remedies for the difficulties of training GANs, taught in notebook 11: experience
replay (a buffer of past fakes mixed into the discriminator's batches) and WGAN-GP
(a critic with a Wasserstein loss and a gradient penalty). Both are subclasses of
``helpers.gan.GAN`` whose ``train_step`` does the work, so ``fit`` trains them.

Each definition is also shown in notebook 11 in a cell marked ``#@save``;
``tests/test_saved_cells.py`` keeps the copies identical. Importing ``helpers``
registers the classes, so ``keras.models.load_model`` reloads them in safe mode.
(The minibatch discrimination layer lives in ``helpers/layers.py``.)

Usage::

    replay_gan = ReplayGAN(generator, discriminator, codings_size=30, buffer_size=1024,
                           replay_share=0.5, seed=42)
    wgan = WGANGP(generator, critic, codings_size=30, n_critic=5, gp_weight=10.0, seed=42)
"""
from __future__ import annotations

import keras
import tensorflow as tf
from keras import ops

from helpers.gan import GAN


@keras.saving.register_keras_serializable(package="helpers")
class ReplayBuffer(keras.layers.Layer):
    """The ``capacity`` newest images it was given, in non-trainable variables (a ring
    buffer), so that it works inside a compiled ``train_step`` and is saved with the model.

    Usage: ``buffer.add(fakes)``; ``mixed = buffer.mix(fakes, share=0.5, seed=seed_generator)``
    """

    def __init__(self, capacity, **kwargs):
        super().__init__(**kwargs)
        self.capacity = capacity

    def build(self, image_shape):
        self.images = self.add_weight(name="images", shape=(self.capacity, *image_shape[1:]),
                                      initializer="zeros", trainable=False)
        self.count = self.add_weight(name="count", shape=(), dtype="int32",
                                     initializer="zeros", trainable=False)
        self.position = self.add_weight(name="position", shape=(), dtype="int32",
                                        initializer="zeros", trainable=False)

    def add(self, new_images):
        """Store ``new_images``, overwriting the oldest ones once the buffer is full."""
        n_new = ops.shape(new_images)[0]
        slots = (self.position + ops.arange(n_new, dtype="int32")) % self.capacity
        self.images.assign(ops.scatter_update(self.images, ops.expand_dims(slots, 1),
                                              ops.cast(new_images, self.images.dtype)))
        self.position.assign((self.position + n_new) % self.capacity)
        self.count.assign(ops.minimum(self.count + n_new, self.capacity))

    def mix(self, fresh_images, share, seed=None):
        """``fresh_images`` with the first ``share`` of them replaced by images drawn at
        random from the buffer (none while the buffer is still empty)."""
        batch_size = ops.shape(fresh_images)[0]
        uniform = keras.random.uniform((batch_size,), seed=seed)
        picks = ops.cast(uniform * ops.cast(ops.maximum(self.count, 1), "float32"), "int32")
        replayed = ops.take(self.images, ops.minimum(picks, self.capacity - 1), axis=0)
        rows = ops.cast(ops.arange(batch_size), "float32")
        use_replay = ops.logical_and(rows < share * ops.cast(batch_size, "float32"),
                                     self.count > 0)
        use_replay = ops.reshape(use_replay, (-1,) + (1,) * (len(fresh_images.shape) - 1))
        return ops.where(use_replay, ops.cast(replayed, fresh_images.dtype), fresh_images)

    def call(self, inputs):
        return inputs

    def get_config(self):
        return {**super().get_config(), "capacity": self.capacity}


@keras.saving.register_keras_serializable(package="helpers")
class ReplayGAN(GAN):
    """A GAN whose discriminator sees, in each batch of fakes, a ``replay_share`` of
    older fakes drawn from a buffer of the ``buffer_size`` newest ones."""

    def __init__(self, generator, discriminator, codings_size, buffer_size=1024,
                 replay_share=0.5, **kwargs):
        super().__init__(generator, discriminator, codings_size, **kwargs)
        self.buffer_size, self.replay_share = buffer_size, replay_share
        self.replay_buffer = ReplayBuffer(buffer_size, name="replay_buffer")
        self.replay_buffer.build(generator.output_shape)

    def discriminator_step(self, real_images):
        batch_size = ops.shape(real_images)[0]
        fresh_images = self.generator(self.sample_codings(batch_size), training=True)
        fake_images = self.replay_buffer.mix(fresh_images, self.replay_share,
                                             seed=self.seed_generator)
        self.replay_buffer.add(fresh_images)  # after mixing: replayed fakes are older ones
        images = ops.concatenate([fake_images, ops.cast(real_images, fake_images.dtype)], axis=0)
        labels = ops.concatenate([ops.zeros((batch_size, 1)), ops.ones((batch_size, 1))], axis=0)
        with tf.GradientTape() as tape:
            d_loss = self.bce(labels, self.discriminator(images, training=True))
        weights = self.discriminator.trainable_weights
        self.d_optimizer.apply_gradients(zip(tape.gradient(d_loss, weights), weights))
        return d_loss

    def get_config(self):
        return {**super().get_config(), "buffer_size": self.buffer_size,
                "replay_share": self.replay_share}


def critic_gradient_norms(critic, images):
    """||grad_x critic(x)|| for each image x (the critic judges each image on its own,
    so the gradient of the summed scores holds each image's own gradient).

    Usage: ``critic_gradient_norms(critic, interpolates)  # shape (m,)``
    """
    images = ops.cast(images, "float32")
    with tf.GradientTape() as tape:
        tape.watch(images)
        scores = critic(images)
    gradients = tape.gradient(scores, images)
    squares = ops.sum(ops.square(gradients), axis=tuple(range(1, len(gradients.shape))))
    return ops.sqrt(squares + 1e-12)  # the epsilon keeps the norm differentiable at 0


def gradient_penalty(critic, real_images, fake_images, epsilon):
    """WGAN-GP's penalty: the mean of (||grad_x critic(x)|| - 1)^2 over the points
    x = epsilon * real + (1 - epsilon) * fake, one epsilon in [0, 1] per image.

    Usage: ``gradient_penalty(critic, real_images, fake_images, keras.random.uniform((m,)))``
    """
    real_images, fake_images = ops.cast(real_images, "float32"), ops.cast(fake_images, "float32")
    epsilon = ops.reshape(epsilon, (-1,) + (1,) * (len(real_images.shape) - 1))
    interpolates = epsilon * real_images + (1.0 - epsilon) * fake_images
    return ops.mean(ops.square(critic_gradient_norms(critic, interpolates) - 1.0))


@keras.saving.register_keras_serializable(package="helpers")
class WGANGP(GAN):
    """Wasserstein GAN with gradient penalty: a critic with unbounded scores (no sigmoid),
    ``n_critic`` critic steps per generator step, each on its own slice of the batch."""

    def __init__(self, generator, critic, codings_size, n_critic=5, gp_weight=10.0, **kwargs):
        super().__init__(generator, critic, codings_size, **kwargs)
        self.n_critic, self.gp_weight = n_critic, gp_weight

    def discriminator_step(self, real_images):
        batch_size = ops.shape(real_images)[0]
        fake_images = self.generator(self.sample_codings(batch_size), training=True)
        epsilon = keras.random.uniform((batch_size,), seed=self.seed_generator)
        with tf.GradientTape() as tape:
            wasserstein = (ops.mean(self.discriminator(fake_images, training=True))
                           - ops.mean(self.discriminator(real_images, training=True)))
            penalty = gradient_penalty(self.discriminator, real_images, fake_images, epsilon)
            critic_loss = wasserstein + self.gp_weight * penalty
        weights = self.discriminator.trainable_weights
        self.d_optimizer.apply_gradients(zip(tape.gradient(critic_loss, weights), weights))
        return critic_loss

    def generator_step(self, batch_size):
        codings = self.sample_codings(batch_size)
        with tf.GradientTape() as tape:
            g_loss = -ops.mean(self.discriminator(self.generator(codings, training=True),
                                                  training=True))
        weights = self.generator.trainable_weights
        self.g_optimizer.apply_gradients(zip(tape.gradient(g_loss, weights), weights))
        return g_loss

    def train_step(self, data):
        real_images, _, _ = keras.utils.unpack_x_y_sample_weight(data)
        slice_size = ops.shape(real_images)[0] // self.n_critic
        for step in range(self.n_critic):  # fit's batch holds n_critic critic batches
            real_slice = real_images[step * slice_size:(step + 1) * slice_size]
            self.d_loss_tracker.update_state(self.discriminator_step(real_slice))
        self.g_loss_tracker.update_state(self.generator_step(slice_size))
        return {"d_loss": self.d_loss_tracker.result(), "g_loss": self.g_loss_tracker.result()}

    def get_config(self):
        return {**super().get_config(), "n_critic": self.n_critic, "gp_weight": self.gp_weight}
