"""Keras' input pipeline for NumPy arrays, without TensorFlow 2.21's pause at each epoch.

``model.fit(X_train, ...)`` turns NumPy arrays into a ``tf.data`` pipeline and
makes a new iterator over it every epoch. With ``tf.data`` autotuning on (its
default), a background thread re-tunes the pipeline, and destroying the last
epoch's iterator waits for that thread: the main thread sits in the
iterator's destructor while the CPU is idle (seen with py-spy and gdb). Many
epochs then start with a pause that grows with the epoch's length (from a
few seconds to tens of seconds in notebook 10's DCGAN epochs).
Autotuning buys nothing here (the pipeline only gathers batches from an array
in memory; steps took the same time with it off), so it is turned off for the
pipelines Keras builds from arrays. Keras has no public switch for that, so
this wraps the method of its (private) array adapter that builds them; a
pipeline you build yourself with ``tf.data`` keeps its own options.
``make bench`` measures the pause both ways, side by side.

Usage: ``import helpers`` applies it (``turn_off_autotune_for_arrays()``).
"""
from __future__ import annotations

import functools
import warnings

MARK = "_helpers_without_autotune"


def array_adapter():
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
    adapter = array_adapter()
    if adapter is None:
        warnings.warn("helpers could not find Keras' ArrayDataAdapter, so tf.data autotuning "
                      "stays on: each training epoch may start with a pause of a few seconds.",
                      stacklevel=2)
        return False
    original = adapter.get_tf_dataset
    if getattr(original, MARK, False):
        return True

    @functools.wraps(original)
    def get_tf_dataset(self):
        return without_autotune(original(self))

    setattr(get_tf_dataset, MARK, True)
    adapter.get_tf_dataset = get_tf_dataset
    return True
