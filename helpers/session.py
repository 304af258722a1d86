"""The first cell of every notebook: quiet logs, seeds, preset, settings.

Usage::

    settings = helpers.setup("stacked")   # prints the preset and its numbers
"""
from __future__ import annotations

import os

# Must be set before TensorFlow is imported anywhere.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from helpers.presets import Settings, current_preset, preset_settings  # noqa: E402

SEED = 42


def set_seeds(seed: int = SEED) -> None:
    """Seed Python, NumPy and the backend so that a re-run gives the same numbers."""
    import keras

    keras.utils.set_random_seed(seed)


def setup(notebook: str, seed: int = SEED) -> Settings:
    """Seed everything, print the preset and the settings this notebook uses."""
    import logging

    import keras
    import matplotlib.pyplot as plt

    # TensorFlow's Python warnings (retracing notices) are noise in a lesson.
    logging.getLogger("tensorflow").setLevel(logging.ERROR)
    preset = current_preset()
    settings = preset_settings(notebook, preset)
    set_seeds(seed)
    plt.rcParams.update({"figure.dpi": 80, "axes.titlesize": 11, "image.cmap": "binary"})
    print(f"Preset: {preset} (set NOTEBOOK_PRESET=smoke|default|full to change it)")
    print(f"Keras {keras.__version__} on {keras.backend.backend()}, seed {seed}")
    print(f"Settings for this notebook:\n{settings.describe()}")
    return settings
