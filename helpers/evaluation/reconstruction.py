"""Reconstruction errors of the autoencoders, and the PCA baseline they are measured against.

Usage::

    reconstruction_mse(stacked_ae, data.X_valid)        # mean squared error per pixel
    pca_mse(data.X_train, data.X_valid, n_components=30) # the linear baseline to beat
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


def pca_mse(train_images: np.ndarray, valid_images: np.ndarray, n_components: int) -> float:
    """Validation MSE of PCA fitted on ``train_images`` with ``n_components`` components:
    the best any *linear* autoencoder with that coding size can do."""
    from sklearn.decomposition import PCA

    train = np.asarray(train_images).reshape(len(train_images), -1)
    valid = np.asarray(valid_images).reshape(len(valid_images), -1)
    if not 0 < n_components <= min(train.shape):
        raise ValueError(f"n_components must be in 1..{min(train.shape)}, got {n_components}")
    pca = PCA(n_components=n_components, random_state=0).fit(train)
    return float(np.mean((pca.inverse_transform(pca.transform(valid)) - valid) ** 2))
