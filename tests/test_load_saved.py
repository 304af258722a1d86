import keras
import numpy as np

from helpers.presets import preset_settings
from helpers.training import load_saved, save_model


def test_load_saved_returns_none_then_the_saved_model(tmp_path, monkeypatch):
    monkeypatch.setenv("NOTEBOOK_MODELS_DIR", str(tmp_path))
    settings = preset_settings("sparse", "smoke")
    assert load_saved(settings, "tiny_ae") is None
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2), keras.layers.Dense(3)])
    path = save_model(model, settings, "tiny_ae")
    assert path == tmp_path / "smoke" / "tiny_ae.keras"
    reloaded = load_saved(settings, "tiny_ae")
    data = np.arange(6, dtype="float32").reshape(2, 3)
    np.testing.assert_allclose(reloaded.predict(data, verbose=0), model.predict(data, verbose=0))
