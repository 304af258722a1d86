"""Numbers that judge a model, computed the same way in every notebook.

Usage::

    reconstruction_mse(stacked_ae, data.X_valid)   # mean squared error per pixel
"""
from __future__ import annotations

import keras
import numpy as np


def reconstruction_mse(model: keras.Model, images: np.ndarray, batch_size: int = 256) -> float:
    """Mean squared error per pixel between ``images`` and ``model(images)``."""
    reconstructions = model.predict(images, batch_size=batch_size, verbose=0)
    if reconstructions.size != images.size:
        raise ValueError(f"The model returns {reconstructions.shape} for inputs of shape "
                         f"{images.shape}: an autoencoder must return its input's shape")
    return float(np.mean((reconstructions.reshape(images.shape) - images) ** 2))
