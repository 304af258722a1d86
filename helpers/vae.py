"""The variational autoencoder of notebook 07: its two loss terms and the
``keras.Model`` subclass that trains with them.

Both are shown in the notebook in cells marked ``#@save``: the loss terms
whole, the class built up over several cells (its body, then one method per
cell with ``@helpers.add_to_class(VAE)``), in the order of this file.
``tests/test_saved_cells.py`` keeps the copies identical, method by method.
Importing ``helpers`` registers ``VAE``, so ``keras.models.load_model("vae.keras")``
works in safe mode from any kernel.

Usage::

    vae = VAE(encoder, decoder)          # encoder -> (mean, log_var, codings)
    vae.compile(optimizer="nadam")
    vae.fit(X_train, X_train, validation_data=(X_valid, X_valid))
"""
from __future__ import annotations

import keras
import tensorflow as tf
from keras import ops

from helpers.layers import Sampling  # noqa: F401  (registered for the encoder's config)


def reconstruction_loss(images, reconstructions):
    """Squared error summed over the pixels of each image: one number per image."""
    errors = ops.reshape(ops.square(images - reconstructions), (ops.shape(images)[0], -1))
    return ops.sum(errors, axis=-1)


def latent_loss(codings_mean, codings_log_var):
    """KL divergence from N(mean, exp(log_var)) to N(0, I): one number per image."""
    return -0.5 * ops.sum(1 + codings_log_var - ops.exp(codings_log_var)
                          - ops.square(codings_mean), axis=-1)


@keras.saving.register_keras_serializable(package="helpers")
class VAE(keras.Model):
    """Variational autoencoder: an encoder returning (mean, log_var, codings) and a decoder."""

    def __init__(self, encoder, decoder, **kwargs):
        super().__init__(**kwargs)
        self.encoder, self.decoder = encoder, decoder
        self.trackers = {name: keras.metrics.Mean(name=name)
                         for name in ("loss", "reconstruction_loss", "latent_loss")}
        self.built = True  # both sub-models are built: so saving keeps the optimizer's state

    def call(self, inputs, training=False):
        _, _, codings = self.encoder(inputs, training=training)
        return self.decoder(codings, training=training)

    @property
    def metrics(self):
        return list(self.trackers.values())  # so that fit resets them each epoch

    def compute_losses(self, data, training):
        images, targets, _ = keras.utils.unpack_x_y_sample_weight(data)
        targets = images if targets is None else targets
        codings_mean, codings_log_var, codings = self.encoder(images, training=training)
        reconstructions = self.decoder(codings, training=training)
        losses = {"reconstruction_loss": ops.mean(reconstruction_loss(targets, reconstructions)),
                  "latent_loss": ops.mean(latent_loss(codings_mean, codings_log_var))}
        losses["loss"] = losses["reconstruction_loss"] + losses["latent_loss"]
        return losses

    def update_trackers(self, losses):
        for name, value in losses.items():
            self.trackers[name].update_state(value)
        return {name: tracker.result() for name, tracker in self.trackers.items()}

    def train_step(self, data):
        with tf.GradientTape() as tape:
            losses = self.compute_losses(data, training=True)
        gradients = tape.gradient(losses["loss"], self.trainable_weights)
        self.optimizer.apply_gradients(zip(gradients, self.trainable_weights))
        return self.update_trackers(losses)

    def test_step(self, data):
        return self.update_trackers(self.compute_losses(data, training=False))

    def get_config(self):
        return {**super(VAE, self).get_config(),  # works outside a class body too
                "encoder": keras.saving.serialize_keras_object(self.encoder),
                "decoder": keras.saving.serialize_keras_object(self.decoder)}

    @classmethod
    def from_config(cls, config):
        encoder = keras.saving.deserialize_keras_object(config.pop("encoder"))
        decoder = keras.saving.deserialize_keras_object(config.pop("decoder"))
        return cls(encoder, decoder, **config)
