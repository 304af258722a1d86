"""The fade-in of notebook 12 (progressive growing of GANs): a layer that blends
a network's old path with its new block, and a callback that raises the blend
weight from 0 to 1 while a stage trains.

Both are shown in the notebook in cells marked ``#@save``;
``tests/test_saved_cells.py`` keeps the copies identical. Importing ``helpers``
registers ``FadeIn``, so a grown network reloads with
``keras.models.load_model(path)`` in safe mode.

Usage::

    images = FadeIn(name="fade_14")([upsampled_old_images, new_images])
    gan.fit(X_14, callbacks=[FadeInSchedule([g_fade, d_fade], fade_steps=400)])
"""
from __future__ import annotations

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="helpers")
class FadeIn(keras.layers.Layer):
    """(1 - alpha) * old + alpha * new, with alpha a non-trainable weight (saved with
    the model) that a callback raises from 0 (only the old path) to 1 (only the new block).

    Usage: ``images = FadeIn(name="fade_14")([upsampled_old_images, new_images])``
    """

    def __init__(self, alpha: float = 0.0, **kwargs):
        super().__init__(**kwargs)
        self.initial_alpha = alpha

    def build(self, input_shape):
        self.alpha = self.add_weight(name="alpha", shape=(), trainable=False,
                                     initializer=keras.initializers.Constant(self.initial_alpha))

    def call(self, inputs):
        old, new = inputs
        alpha = ops.cast(self.alpha, old.dtype)
        return (1.0 - alpha) * old + alpha * new

    def compute_output_shape(self, input_shape):
        return input_shape[1]

    def get_config(self):
        return {**super().get_config(), "alpha": self.initial_alpha}


class FadeInSchedule(keras.callbacks.Callback):
    """Set the alpha of every layer in ``fade_layers`` to step / ``fade_steps`` before each
    training step (reaching 1 after ``fade_steps`` steps, then held there); ``self.alphas``
    keeps the value of every step. Resumes correctly: the step counts from the epoch.

    Usage: ``gan.fit(X, callbacks=[FadeInSchedule([g_fade, d_fade], fade_steps=400)])``
    """

    def __init__(self, fade_layers: list[FadeIn], fade_steps: int):
        super().__init__()
        if fade_steps < 1:
            raise ValueError(f"fade_steps must be a positive number of steps, got {fade_steps}")
        self.fade_layers, self.fade_steps = list(fade_layers), fade_steps
        self.alphas: list[float] = []
        self.epoch = 0

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_begin(self, batch, logs=None):
        step = self.epoch * self.params["steps"] + batch
        alpha = min(1.0, step / self.fade_steps)
        for layer in self.fade_layers:
            layer.alpha.assign(alpha)
        self.alphas.append(alpha)
