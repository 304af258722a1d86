"""Keras' input pipeline for NumPy arrays, without TensorFlow 2.21's pause at each epoch.

``model.fit(X_train, ...)`` turns NumPy arrays into a ``tf.data`` pipeline and
makes a new iterator over it every epoch. With ``tf.data`` autotuning on (its
default), a background thread re-tunes the pipeline, and destroying the last
epoch's iterator waits for that thread: the main thread sits in the
iterator's destructor while the CPU is idle (seen with py-spy and gdb). Many
epochs then start with a pause that grows with the epoch's length: 6-8 s
after 13 s epochs, about 35 s after some 50 s DCGAN epochs of notebook 09.
Autotuning buys nothing here (the pipeline only gathers batches from an array
in memory; steps took the same time with it off), so it is turned off for the
pipelines Keras builds from arrays. Keras has no public switch for that, so
this wraps the method of its (private) array adapter that builds them; a
pipeline you build yourself with ``tf.data`` keeps its own options.
``make bench`` measures the pause both ways, side by side.

Usage: ``import helpers`` applies it; ``autotune_enabled_for_arrays()`` is then False.
"""
from __future__ import annotations

import contextlib
import functools
import warnings

_MARK = "_helpers_without_autotune"


def _array_adapter():
    """Keras' adapter for NumPy inputs, or None if this Keras keeps it elsewhere."""
    try:
        from keras.src.trainers.data_adapters.array_data_adapter import ArrayDataAdapter
    except ImportError:
        return None
    return ArrayDataAdapter if hasattr(ArrayDataAdapter, "get_tf_dataset") else None


def without_autotune(dataset):
    """``dataset`` with ``tf.data`` autotuning off (no tuning thread to wait for)."""
    import tensorflow as tf

    options = tf.data.Options()
    options.autotune.enabled = False
    return dataset.with_options(options)


def turn_off_autotune_for_arrays() -> bool:
    """Make Keras build its NumPy-array pipelines without autotuning; True if done.

    Safe to call again (it wraps once). With a Keras that moved its array
    adapter, it warns and changes nothing: training is then only slower.
    """
    adapter = _array_adapter()
    if adapter is None:
        warnings.warn("helpers could not find Keras' ArrayDataAdapter, so tf.data autotuning "
                      "stays on: each training epoch may start with a pause of a few seconds.",
                      stacklevel=2)
        return False
    original = adapter.get_tf_dataset
    if getattr(original, _MARK, False):
        return True

    @functools.wraps(original)
    def get_tf_dataset(self):
        return without_autotune(original(self))

    setattr(get_tf_dataset, _MARK, True)
    adapter.get_tf_dataset = get_tf_dataset
    return True


@contextlib.contextmanager
def keras_default_pipeline():
    """Within the block, Keras' own array pipeline (autotuning on): for measuring.

    Usage: ``with keras_default_pipeline(): model.fit(X, X, epochs=3)``
    """
    adapter = _array_adapter()
    current = adapter.get_tf_dataset if adapter is not None else None
    if current is None or not getattr(current, _MARK, False):
        yield
        return
    adapter.get_tf_dataset = current.__wrapped__
    try:
        yield
    finally:
        adapter.get_tf_dataset = current


def autotune_enabled_for_arrays() -> bool:
    """Whether the pipeline Keras builds from a NumPy array has autotuning on."""
    import numpy as np

    adapter = _array_adapter()
    if adapter is None:
        return True
    dataset = adapter(np.zeros((4, 1), "float32"), batch_size=2).get_tf_dataset()
    return dataset.options().autotune.enabled is not False  # None means the default: on
