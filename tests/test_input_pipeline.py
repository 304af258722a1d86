import numpy as np
import pytest
import tensorflow as tf

import helpers  # noqa: F401  (importing it turns autotuning off)
from autotune_switch import autotune_enabled_for_arrays, keras_default_pipeline
from helpers.support import input_pipeline


def test_importing_helpers_turns_off_autotuning_for_array_inputs():
    assert not autotune_enabled_for_arrays()


def test_the_pipeline_still_yields_every_batch():
    adapter = input_pipeline.array_adapter()
    x = np.arange(10, dtype="float32")[:, None]
    dataset = adapter(x, batch_size=4, shuffle=True).get_tf_dataset()
    batches = [tf.nest.flatten(batch)[0].numpy() for batch in dataset]
    assert [len(batch) for batch in batches] == [4, 4, 2]
    assert sorted(np.concatenate(batches).ravel()) == list(range(10))


def test_turning_it_off_again_wraps_only_once():
    adapter = input_pipeline.array_adapter()
    before = adapter.get_tf_dataset
    assert input_pipeline.turn_off_autotune_for_arrays()
    assert adapter.get_tf_dataset is before


def test_without_autotune_keeps_the_other_options():
    dataset = tf.data.Dataset.range(3)
    options = tf.data.Options()
    options.deterministic = False
    dataset = input_pipeline.without_autotune(dataset.with_options(options))
    assert not dataset.options().autotune.enabled
    assert dataset.options().deterministic is False


def test_a_keras_without_the_adapter_gets_a_warning_not_an_error(monkeypatch):
    monkeypatch.setattr(input_pipeline, "array_adapter", lambda: None)
    with pytest.warns(UserWarning, match="autotuning stays on"):
        assert not input_pipeline.turn_off_autotune_for_arrays()


def test_keras_default_pipeline_restores_autotuning_for_the_block_only():
    with keras_default_pipeline():
        assert autotune_enabled_for_arrays()
    assert not autotune_enabled_for_arrays()
