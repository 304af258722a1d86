"""The conditional GAN of notebook 10: a ``GAN`` (notebook 08) whose generator and
discriminator both receive the class as an extra input, and the measure of
whether the generator obeys it (the sample-quality classifier's agreement
with the requested class).

The class is shown in the notebook in cells marked ``#@save``;
``tests/test_saved_cells.py`` keeps the copies identical. Importing
``helpers`` registers ``ConditionalGAN``, so ``keras.models.load_model`` works
in safe mode from any kernel.

Both networks take two inputs: the generator ``[codings, one_hot_classes]``, the
discriminator ``[images, one_hot_classes]``. The model itself takes integer
class labels and one-hot encodes them.

Usage::

    cgan = ConditionalGAN(generator, discriminator, codings_size=30, n_classes=10, seed=42)
    cgan.compile(d_optimizer="rmsprop", g_optimizer="rmsprop")
    cgan.fit(X_train, y_train, batch_size=64, epochs=10)
    images = cgan.generate(codings, labels)
"""
from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from helpers.gan import GAN
import helpers.sample_quality


@keras.saving.register_keras_serializable(package="helpers")
class ConditionalGAN(GAN):
    """A GAN whose two networks both see the class: G(z, y) and D(x, y)."""

    def __init__(self, generator, discriminator, codings_size, n_classes=10, seed=None,
                 **kwargs):
        super().__init__(generator, discriminator, codings_size, seed=seed, **kwargs)
        self.n_classes = n_classes

    def one_hot(self, labels):
        return ops.one_hot(ops.cast(labels, "int32"), self.n_classes)

    def call(self, inputs, training=False):
        codings, labels = inputs  # integer class labels, one per coding
        return self.generator([codings, self.one_hot(labels)], training=training)

    def discriminator_step(self, real_images, labels):
        batch_size = ops.shape(real_images)[0]
        classes = self.one_hot(labels)  # fakes are made for the real images' own classes
        fake_images = self.generator([self.sample_codings(batch_size), classes], training=True)
        real_images = ops.cast(real_images, fake_images.dtype)
        shift = keras.random.randint((batch_size,), 1, self.n_classes, seed=self.seed_generator)
        wrong_classes = self.one_hot((ops.cast(labels, "int32") + shift) % self.n_classes)
        images = ops.concatenate([real_images, fake_images, real_images], axis=0)
        conditions = ops.concatenate([classes, classes, wrong_classes], axis=0)
        with tf.GradientTape() as tape:
            judgements = self.discriminator([images, conditions], training=True)
            real, fake, mismatched = ops.split(judgements, 3, axis=0)
            zeros, ones = ops.zeros((batch_size, 1)), ops.ones((batch_size, 1))
            d_loss = 0.5 * (self.bce(ones, real) + 0.5 * (self.bce(zeros, fake)
                                                          + self.bce(zeros, mismatched)))
        weights = self.discriminator.trainable_weights
        self.d_optimizer.apply_gradients(zip(tape.gradient(d_loss, weights), weights))
        return d_loss

    def generator_step(self, labels):
        batch_size = ops.shape(labels)[0]
        classes = self.one_hot(labels)
        with tf.GradientTape() as tape:
            fake_images = self.generator([self.sample_codings(batch_size), classes],
                                         training=True)
            judgements = self.discriminator([fake_images, classes], training=True)
            g_loss = self.bce(ops.ones((batch_size, 1)), judgements)  # "real, and of class y"
        weights = self.generator.trainable_weights
        self.g_optimizer.apply_gradients(zip(tape.gradient(g_loss, weights), weights))
        return g_loss

    def train_step(self, data):
        real_images, labels, _ = keras.utils.unpack_x_y_sample_weight(data)
        self.d_loss_tracker.update_state(self.discriminator_step(real_images, labels))
        self.g_loss_tracker.update_state(self.generator_step(labels))
        return {"d_loss": self.d_loss_tracker.result(), "g_loss": self.g_loss_tracker.result()}

    def get_config(self):
        return {**super(ConditionalGAN, self).get_config(), "n_classes": self.n_classes}

    def generate(self, codings, labels):
        """Images (n, 28, 28) in NumPy for ``codings`` (n, codings_size) and integer ``labels``."""
        labels = np.broadcast_to(np.asarray(labels, "int32"), (len(codings),))
        return ops.convert_to_numpy(self([np.asarray(codings, "float32"), labels]))


def class_agreement(classifier, images, requested_classes, n_classes=10):
    """Per class k: the fraction of the images generated for class k that the classifier
    also puts in class k (the mean over classes is the agreement)."""
    predicted = helpers.sample_quality.predicted_classes(classifier, images)
    requested_classes = np.asarray(requested_classes)
    return np.array([np.mean(predicted[requested_classes == k] == k) for k in range(n_classes)])
