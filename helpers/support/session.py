"""The first cell of every notebook: quiet logs, seeds, preset, settings.

Importing ``helpers`` imports TensorFlow without its harmless start-up notices
(``helpers.tf_startup``), so ``import helpers`` must come before ``import keras``.

Usage::

    import helpers                        # before keras and tensorflow
    settings = helpers.setup("stacked")   # prints the preset and its numbers
"""
from __future__ import annotations

import os

from helpers.support.input_pipeline import turn_off_autotune_for_arrays
from helpers.support.presets import Settings, current_preset, preset_settings
from helpers.support.tf_startup import describe_devices, import_tensorflow

SEED = 42
BACKEND_VARIABLE = "KERAS_BACKEND"


class BackendError(RuntimeError):
    """Keras is set to a backend these notebooks do not support."""


def check_backend() -> None:
    """Fail early, with the fix, if ``$KERAS_BACKEND`` names a backend other than TensorFlow
    (the custom ``train_step`` methods use ``tf.GradientTape``)."""
    backend = os.environ.get(BACKEND_VARIABLE, "tensorflow").strip() or "tensorflow"
    if backend != "tensorflow":
        raise BackendError(
            f"{BACKEND_VARIABLE}={backend!r}, but these notebooks need the TensorFlow backend "
            f"(their training steps use tf.GradientTape). Unset {BACKEND_VARIABLE} or set "
            f"{BACKEND_VARIABLE}=tensorflow, then restart the kernel.")


check_backend()
GPUS = import_tensorflow()  # the harmless start-up notices dropped (see tf_startup)
turn_off_autotune_for_arrays()  # no pause at the start of every epoch (see input_pipeline)


def set_seeds(seed: int = SEED) -> None:
    """Seed Python, NumPy and the backend so that a re-run gives the same numbers."""
    import keras

    keras.utils.set_random_seed(seed)


def setup(notebook: str, seed: int = SEED, retrain: bool | None = None) -> Settings:
    """Seed everything, print the preset and the settings this notebook uses.

    ``retrain=True`` trains every model again instead of reusing the ones
    saved under ``models/<preset>/`` (same as ``NOTEBOOK_RETRAIN=1``).
    """
    import logging

    import keras
    import matplotlib.pyplot as plt

    from helpers.support.training import RETRAIN_VARIABLE, retrain_requested

    if retrain is not None:
        os.environ[RETRAIN_VARIABLE] = "1" if retrain else "0"
    # TensorFlow's Python warnings (retracing notices) are noise in a lesson.
    logging.getLogger("tensorflow").setLevel(logging.ERROR)
    preset = current_preset()
    settings = preset_settings(notebook, preset)
    set_seeds(seed)
    plt.rcParams.update({"figure.dpi": 80, "axes.titlesize": 11, "image.cmap": "binary"})
    print(f"Preset: {preset} (set NOTEBOOK_PRESET=smoke|default|full to change it)")
    print(f"Keras {keras.__version__} on {keras.backend.backend()}, seed {seed}")
    print(describe_devices(GPUS, preset))
    reuse = ("trains every model again" if retrain_requested()
             else f"reuses models saved in models/{preset}/ (retrain=True trains again)")
    print(f"This run {reuse}")
    print(f"Settings for this notebook:\n{settings.describe()}")
    return settings
