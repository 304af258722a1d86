"""The first cell of every notebook: quiet logs, seeds, preset, settings.

Importing ``helpers`` imports TensorFlow quietly: TensorFlow 2.21 writes its
start-up notices (oneDNN, CUDA drivers, CPU features) straight to file
descriptor 2, past ``TF_CPP_MIN_LOG_LEVEL``, and a Jupyter kernel shows them
in the first cell. So ``import helpers`` must come before ``import keras``.

Usage::

    import helpers                        # before keras and tensorflow
    settings = helpers.setup("stacked")   # prints the preset and its numbers
"""
from __future__ import annotations

import os
import sys

from helpers.input_pipeline import turn_off_autotune_for_arrays
from helpers.presets import Settings, current_preset, preset_settings

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


def import_tensorflow_quietly() -> None:
    """Import TensorFlow with file descriptor 2 pointed at /dev/null, then restore it.

    Does nothing if TensorFlow is already imported (its notices are out by then).
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    if "tensorflow" in sys.modules:
        return
    sys.stderr.flush()
    saved_stderr = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        import tensorflow  # noqa: F401
    finally:
        os.dup2(saved_stderr, 2)
        os.close(saved_stderr)
        os.close(devnull)


check_backend()
import_tensorflow_quietly()
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

    from helpers.training import RETRAIN_VARIABLE, retrain_requested

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
    reuse = ("trains every model again" if retrain_requested()
             else f"reuses models saved in models/{preset}/ (retrain=True trains again)")
    print(f"This run {reuse}")
    print(f"Settings for this notebook:\n{settings.describe()}")
    return settings
