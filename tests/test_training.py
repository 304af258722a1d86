import keras
import numpy as np

from helpers.presets import preset_settings
from helpers.paths import PROJECT_ROOT
from helpers.training import fit_or_load, load_saved, retrain_requested, save_model, shown_path


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


def _tiny_model(hidden=None):
    layers = [keras.Input((3,))] + ([keras.layers.Dense(hidden)] if hidden else [])
    model = keras.Sequential(layers + [keras.layers.Dense(3)])
    model.compile(loss="mse", optimizer="sgd")
    return model


def test_fit_or_load_trains_once_then_reuses(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("NOTEBOOK_MODELS_DIR", str(tmp_path))
    monkeypatch.delenv("NOTEBOOK_RETRAIN", raising=False)
    settings = preset_settings("sparse", "smoke")
    data = np.random.default_rng(0).random((32, 3)).astype("float32")
    keras.utils.set_random_seed(0)
    trained = _tiny_model()
    history = fit_or_load(trained, settings, "tiny", data, data, epochs=2, verbose=0)
    assert len(history["loss"]) == 2 and "Saved to" in capsys.readouterr().out
    assert not (tmp_path / "smoke" / "backup" / "tiny").exists(), "the backup goes once fit ends"

    reused = _tiny_model()  # fresh weights, replaced by the saved ones without training
    assert fit_or_load(reused, settings, "tiny", data, data, epochs=2, verbose=0) == history
    assert "Loaded the trained model from" in capsys.readouterr().out
    np.testing.assert_allclose(reused.predict(data, verbose=0), trained.predict(data, verbose=0))
    assert int(reused.optimizer.iterations) == int(trained.optimizer.iterations) == 2


def test_fit_or_load_retrains_when_asked_or_when_the_model_changed(tmp_path, monkeypatch,
                                                                    capsys):
    monkeypatch.setenv("NOTEBOOK_MODELS_DIR", str(tmp_path))
    monkeypatch.delenv("NOTEBOOK_RETRAIN", raising=False)
    settings = preset_settings("sparse", "smoke")
    data = np.random.default_rng(0).random((32, 3)).astype("float32")
    fit_or_load(_tiny_model(), settings, "tiny", data, data, epochs=1, verbose=0)
    capsys.readouterr()
    monkeypatch.setenv("NOTEBOOK_RETRAIN", "1")
    assert len(fit_or_load(_tiny_model(), settings, "tiny", data, data, epochs=3,
                           verbose=0)["loss"]) == 3
    assert "Saved to" in capsys.readouterr().out
    monkeypatch.delenv("NOTEBOOK_RETRAIN")
    changed = _tiny_model(hidden=5)
    assert len(fit_or_load(changed, settings, "tiny", data, data, epochs=1, verbose=0)["loss"]) == 1
    assert "does not fit this model" in capsys.readouterr().out


def test_setup_retrain_switch_sets_the_variable(monkeypatch):
    import helpers

    monkeypatch.delenv("NOTEBOOK_RETRAIN", raising=False)
    helpers.setup("pca", retrain=True)
    assert retrain_requested()
    helpers.setup("pca", retrain=False)
    assert not retrain_requested()


def test_shown_path_is_relative_to_the_project():
    assert shown_path(PROJECT_ROOT / "models" / "default" / "x.keras") == "models/default/x.keras"
    assert shown_path("/somewhere/else/x.keras") == "x.keras"
