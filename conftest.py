"""Test-wide environment: the smoke preset, no downloads, quiet TensorFlow.

Set before any kernel starts, so nbval's notebook kernels inherit it.
"""
import os

os.environ.setdefault("NOTEBOOK_PRESET", "smoke")
os.environ["FASHION_MNIST_NO_DOWNLOAD"] = "1"
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("MPLBACKEND", "Agg")
