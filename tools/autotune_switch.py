"""Keras' own array pipeline back for a block, and a probe of which one is in use:
for ``make bench`` (the epoch-start pause, measured both ways) and the tests.

Usage::

    with keras_default_pipeline():
        assert autotune_enabled_for_arrays()
"""
from __future__ import annotations

import contextlib

import numpy as np

from helpers.support.input_pipeline import MARK, array_adapter


@contextlib.contextmanager
def keras_default_pipeline():
    """Within the block, Keras' own array pipeline (autotuning on)."""
    adapter = array_adapter()
    current = adapter.get_tf_dataset if adapter is not None else None
    if current is None or not getattr(current, MARK, False):
        yield
        return
    adapter.get_tf_dataset = current.__wrapped__
    try:
        yield
    finally:
        adapter.get_tf_dataset = current


def autotune_enabled_for_arrays() -> bool:
    """Whether the pipeline Keras builds from a NumPy array has autotuning on."""
    adapter = array_adapter()
    if adapter is None:
        return True
    dataset = adapter(np.zeros((4, 1), "float32"), batch_size=2).get_tf_dataset()
    return dataset.options().autotune.enabled is not False  # None means the default: on
