import re

import keras
import numpy as np
import pytest

import helpers


def _train_tiny_model():
    helpers.set_seeds()
    images = np.random.default_rng(0).random((64, 8)).astype("float32")
    model = keras.Sequential([keras.Input((8,)), keras.layers.Dropout(0.2),
                              keras.layers.Dense(3, activation="relu"), keras.layers.Dense(8)])
    model.compile(loss="mse", optimizer="nadam")
    model.fit(images, images, epochs=2, batch_size=16, verbose=0)  # shuffles, drops out
    return [weight.copy() for weight in model.get_weights()]


def test_seeding_makes_training_reproducible():
    first, second = _train_tiny_model(), _train_tiny_model()
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)


def test_setup_prints_the_preset_and_settings(monkeypatch, capsys):
    monkeypatch.setenv("NOTEBOOK_PRESET", "smoke")
    settings = helpers.setup("stacked")
    printed = capsys.readouterr().out
    assert printed.startswith("Preset: smoke")
    assert re.search(rf"^  epochs +\= {settings.epochs}$", printed, re.MULTILINE)
    assert settings.preset == "smoke"


def test_setup_rejects_an_unknown_preset(monkeypatch):
    monkeypatch.setenv("NOTEBOOK_PRESET", "huge")
    with pytest.raises(helpers.PresetError, match="smoke, default, full"):
        helpers.setup("stacked")


def test_models_are_saved_per_preset(monkeypatch, tmp_path):
    monkeypatch.setenv("NOTEBOOK_MODELS_DIR", str(tmp_path))
    smoke = helpers.preset_settings("stacked", "smoke")
    default = helpers.preset_settings("stacked", "default")
    assert helpers.model_path(smoke, "ae") == tmp_path / "smoke" / "ae.keras"
    assert helpers.model_path(default, "ae") != helpers.model_path(smoke, "ae")
