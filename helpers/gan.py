"""The generative adversarial network of notebook 08: a ``keras.Model`` subclass
whose ``train_step`` runs the two training phases, and a callback that draws
samples from the same latent vectors every few epochs.

The class is shown in the notebook in cells marked ``#@save``, built up over
several cells (its body, then methods added with ``@helpers.add_to_class(GAN)``),
in the order of this file; ``tests/test_saved_cells.py`` keeps the copies
identical. Importing ``helpers`` registers ``GAN``, so
``keras.models.load_model("gan.keras")`` works in safe mode from any kernel.

Usage::

    gan = GAN(generator, discriminator, codings_size=30, seed=42)
    gan.compile(d_optimizer=keras.optimizers.RMSprop(), g_optimizer=keras.optimizers.RMSprop())
    gan.fit(X_train, batch_size=32, epochs=10, callbacks=[SampleGrid(fixed_codings, every=2)])
"""
from __future__ import annotations

import keras
import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf
from keras import ops

from helpers.plotting import plot_image_grid


@keras.saving.register_keras_serializable(package="helpers")
class GAN(keras.Model):
    """Generator and discriminator trained in two alternating phases, each with its optimizer."""

    def __init__(self, generator, discriminator, codings_size, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.generator, self.discriminator = generator, discriminator
        self.codings_size, self.seed = codings_size, seed
        self.seed_generator = keras.random.SeedGenerator(seed)  # new codings at every step
        self.d_loss_tracker = keras.metrics.Mean(name="d_loss")
        self.g_loss_tracker = keras.metrics.Mean(name="g_loss")
        self.built = True  # both sub-models are built: so saving keeps the optimizers' state

    def call(self, codings, training=False):
        return self.generator(codings, training=training)

    @property
    def metrics(self):
        return [self.d_loss_tracker, self.g_loss_tracker]  # so that fit resets them each epoch

    def compile(self, d_optimizer="rmsprop", g_optimizer="rmsprop", **kwargs):
        super(GAN, self).compile(optimizer=None, **kwargs)  # no third optimizer: two of our own
        self.d_optimizer = keras.optimizers.get(d_optimizer)
        self.g_optimizer = keras.optimizers.get(g_optimizer)
        # Built now, so that a backup or a saved file can restore their state into them.
        self.d_optimizer.build(self.discriminator.trainable_variables)
        self.g_optimizer.build(self.generator.trainable_variables)
        self.bce = keras.losses.BinaryCrossentropy()

    def get_compile_config(self):
        return {"d_optimizer": keras.optimizers.serialize(self.d_optimizer),
                "g_optimizer": keras.optimizers.serialize(self.g_optimizer)}

    def compile_from_config(self, config):
        self.compile(d_optimizer=keras.optimizers.deserialize(config["d_optimizer"]),
                     g_optimizer=keras.optimizers.deserialize(config["g_optimizer"]))

    def sample_codings(self, batch_size):
        return keras.random.normal((batch_size, self.codings_size), seed=self.seed_generator)

    def discriminator_step(self, real_images):
        batch_size = ops.shape(real_images)[0]
        fake_images = self.generator(self.sample_codings(batch_size), training=True)
        images = ops.concatenate([fake_images, ops.cast(real_images, fake_images.dtype)], axis=0)
        labels = ops.concatenate([ops.zeros((batch_size, 1)), ops.ones((batch_size, 1))], axis=0)
        with tf.GradientTape() as tape:
            d_loss = self.bce(labels, self.discriminator(images, training=True))
        weights = self.discriminator.trainable_weights
        self.d_optimizer.apply_gradients(zip(tape.gradient(d_loss, weights), weights))
        return d_loss

    def generator_step(self, batch_size):
        codings = self.sample_codings(batch_size)
        with tf.GradientTape() as tape:
            judgements = self.discriminator(self.generator(codings, training=True), training=True)
            g_loss = self.bce(ops.ones((batch_size, 1)), judgements)  # "these are real"
        weights = self.generator.trainable_weights
        self.g_optimizer.apply_gradients(zip(tape.gradient(g_loss, weights), weights))
        return g_loss

    def train_step(self, data):
        real_images, _, _ = keras.utils.unpack_x_y_sample_weight(data)
        self.d_loss_tracker.update_state(self.discriminator_step(real_images))
        self.g_loss_tracker.update_state(self.generator_step(ops.shape(real_images)[0]))
        return {"d_loss": self.d_loss_tracker.result(), "g_loss": self.g_loss_tracker.result()}

    def get_config(self):
        return {**super(GAN, self).get_config(),  # works outside a class body too
                "generator": keras.saving.serialize_keras_object(self.generator),
                "discriminator": keras.saving.serialize_keras_object(self.discriminator),
                "codings_size": self.codings_size, "seed": self.seed}

    @classmethod
    def from_config(cls, config):
        generator = keras.saving.deserialize_keras_object(config.pop("generator"))
        discriminator = keras.saving.deserialize_keras_object(config.pop("discriminator"))
        return cls(generator, discriminator, **config)


class SampleGrid(keras.callbacks.Callback):
    """Every ``every`` epochs (and after the last), decode the same ``codings`` with the
    generator and draw them as a grid; the figures are kept in ``self.figures``.

    Usage: ``gan.fit(X, callbacks=[SampleGrid(fixed_codings, every=2)])``
    """

    def __init__(self, codings, every: int = 1, n_cols: int = 8, show: bool = True):
        super().__init__()
        if every < 1:
            raise ValueError(f"every must be a positive number of epochs, got {every}")
        self.codings = np.asarray(codings, dtype="float32")
        self.every, self.n_cols, self.show = every, n_cols, show
        self.figures: dict[int, plt.Figure] = {}
        self.epochs: int | None = None

    def on_train_begin(self, logs=None):
        self.epochs = self.params.get("epochs") if self.params else None

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every and epoch + 1 != self.epochs:
            return
        images = ops.convert_to_numpy(self.model.generator(self.codings, training=False))
        figure = plot_image_grid(images, n_cols=self.n_cols, size=0.8,
                                 title=f"Samples after epoch {epoch + 1} (same codings each time)")
        self.figures[epoch + 1] = figure
        if self.show:
            plt.show()
        else:
            plt.close(figure)
