"""Import TensorFlow without its harmless start-up notices, keeping what matters.

TensorFlow 2.21 writes start-up notices (oneDNN, "could not find cuda drivers",
CPU features) straight to file descriptor 2, past ``TF_CPP_MIN_LOG_LEVEL``,
and a Jupyter kernel shows them in the first cell. Here descriptor 2 is
captured while TensorFlow is imported and looks for GPUs; the notices known
to be harmless are dropped and everything else (a GPU that fails to
initialise, a missing CUDA library) is written back to ``sys.stderr``, where
the reader sees it. Unless the reader sets ``TF_CPP_MIN_LOG_LEVEL``, TensorFlow's
ERROR logs are on where an NVIDIA driver exists and off elsewhere (on a CPU-only
machine they are harmless optimizer notices in the middle of training). This
only works before the first ``import keras``.

Usage::

    gpus = import_tensorflow()   # once, at ``import helpers``
    print(describe_devices(gpus))
"""
from __future__ import annotations

import os
import re
import shutil
import sys
import tempfile
from pathlib import Path

# Notices every CPU-only machine prints; nothing for a reader to do about them.
HARMLESS = re.compile(
    r"All log messages before absl::InitializeLog\(\) is called are written to STDERR"
    r"|oneDNN custom operations are on"
    r"|Could not find cuda drivers on your machine, GPU will not be used"
    r"|cpu_feature_guard|This TensorFlow binary is optimized|To enable the following instructions"
    r"|Unable to register cu(DNN|FFT|BLAS) factory|computation_placer.*already registered"
    r"|^\s*$")
NO_DRIVER = "Could not find cuda drivers"
# Without any NVIDIA driver, cuInit can only fail: said already by NO_DRIVER.
CUINIT_WITHOUT_DRIVER = re.compile(r"failed call to cuInit")


def keep(lines: list[str]) -> list[str]:
    """The start-up lines worth showing a reader (see HARMLESS)."""
    no_driver = any(NO_DRIVER in line for line in lines)
    return [line for line in lines if not HARMLESS.search(line)
            and not (no_driver and CUINIT_WITHOUT_DRIVER.search(line))]


def import_tensorflow() -> list[str]:
    """Import TensorFlow and list its GPUs with descriptor 2 captured; write back the
    lines ``keep`` keeps; return the GPUs' names (empty: CPU only).

    With TensorFlow already imported, its notices are out already; it only lists GPUs.
    """
    # Where a GPU could be used, TensorFlow's errors (a GPU that fails to initialise)
    # reach the reader. On a machine without an NVIDIA driver they would only be
    # harmless grappler notices in the middle of training, so everything stays off.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2" if nvidia_driver_present() else "3")
    sys.stderr.flush()
    saved_stderr = os.dup(2)
    with tempfile.TemporaryFile(mode="w+b") as capture:
        try:
            os.dup2(capture.fileno(), 2)
            import tensorflow as tf

            gpus = tf.config.list_physical_devices("GPU")
        finally:
            os.dup2(saved_stderr, 2)
            os.close(saved_stderr)
        capture.seek(0)
        lines = capture.read().decode(errors="replace").splitlines()
    shown = keep(lines)
    if shown:
        sys.stderr.write("\n".join(shown) + "\n")
    return [_gpu_name(tf, gpu) for gpu in gpus]


def _gpu_name(tf, gpu) -> str:
    try:
        return tf.config.experimental.get_device_details(gpu).get("device_name") or gpu.name
    except (RuntimeError, ValueError):
        return gpu.name


def nvidia_driver_present() -> bool:
    """True when this machine has an NVIDIA driver (so a GPU could be used)."""
    return Path("/proc/driver/nvidia").exists() or shutil.which("nvidia-smi") is not None


def describe_devices(gpus: list[str], preset: str) -> str:
    """The first cell's device line, with plain advice where the preset and the
    machine do not fit."""
    if gpus:
        return "Devices: " + ", ".join(f"GPU {i} ({name})" for i, name in enumerate(gpus))
    lines = ["Devices: CPU only (TensorFlow sees no GPU)"]
    if nvidia_driver_present():
        lines.append("  This machine has an NVIDIA driver, but TensorFlow cannot use the GPU: "
                     "install its CUDA build (pip install \"tensorflow[and-cuda]\" on Linux) "
                     "and read any TensorFlow error above.")
    if preset == "full":
        lines.append("  The full preset uses the book's settings, meant for a GPU: on a CPU "
                     "some notebooks take hours. NOTEBOOK_PRESET=default is sized for a CPU.")
    return "\n".join(lines)
