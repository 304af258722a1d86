"""Regularizers taught in one notebook and reused by later ones.

Shown in ``notebooks/06_sparse_autoencoders.ipynb`` in a cell marked
``#@save``; ``tests/test_saved_cells.py`` checks that the two stay identical.
Importing ``helpers`` registers them, so a saved model that uses them reloads
with ``keras.models.load_model(path)``.
"""
from __future__ import annotations

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="helpers")
class KLDivergenceRegularizer(keras.regularizers.Regularizer):
    """Sparsity loss: weight * sum over units of KL(target || mean activation of the unit).

    Usage: ``Dense(300, activation="sigmoid",
    activity_regularizer=KLDivergenceRegularizer(weight=0.05, target=0.1))``
    """

    def __init__(self, weight, target):
        if not 0 < target < 1:
            raise ValueError(f"target is a mean activation in (0, 1), got {target}")
        self.weight = float(weight)
        self.target = float(target)

    def __call__(self, activations):
        p = self.target
        # q: the mean activation of each unit over the batch (and any other leading axes).
        q = ops.mean(activations, axis=tuple(range(len(activations.shape) - 1)))
        # Clipping keeps log(q) and log(1 - q) finite for a unit that is always off or on.
        q = ops.clip(q, keras.config.epsilon(), 1 - keras.config.epsilon())
        kl = p * ops.log(p / q) + (1 - p) * ops.log((1 - p) / (1 - q))
        return self.weight * ops.sum(kl)

    def get_config(self):
        return {"weight": self.weight, "target": self.target}
