from pathlib import Path

import keras
import numpy as np
import pytest

from helpers.support.presets import preset_settings
from helpers.support.paths import PROJECT_ROOT
from helpers.support.training import fit_or_load, load_saved, retrain_requested, save_model, shown_path


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
    assert "was trained otherwise" in capsys.readouterr().out


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


def _compiled(optimizer="sgd", loss="mse", activation=None, **_):
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4, activation=activation),
                              keras.layers.Dense(3)])
    model.compile(loss=loss, optimizer=optimizer)
    return model


@pytest.mark.parametrize("change, expected", [
    ({"optimizer": keras.optimizers.SGD(0.05)}, "optimizer.config.learning_rate: 0.0"),
    ({"epochs": 3}, "fit.epochs: 2 -> 3"),
    ({"loss": "mae"}, "compile.loss"),
    ({"activation": "relu"}, "activation: \"linear\" -> \"relu\""),  # same weight shapes
    ({"data": 1}, "data.x"),
    ({"settings": "default"}, "settings.preset"),
])
def test_a_rerun_retrains_and_says_what_changed(tmp_path, monkeypatch, capsys, change, expected):
    monkeypatch.setenv("NOTEBOOK_MODELS_DIR", str(tmp_path))
    monkeypatch.delenv("NOTEBOOK_RETRAIN", raising=False)
    data = np.random.default_rng(0).random((32, 3)).astype("float32")

    def run(optimizer="sgd", loss="mse", activation=None, epochs=2, data_seed=0, preset="smoke"):
        x = data if data_seed == 0 else data + 1
        settings = preset_settings("sparse", preset)
        model = _compiled(optimizer, loss, activation)
        return fit_or_load(model, settings, "tiny", x, x, epochs=epochs, verbose=0)

    run()
    run()
    assert "Loaded the trained model" in capsys.readouterr().out, "nothing changed: reused"
    kwargs = {"data_seed": change.get("data", 0), "preset": change.get("settings", "smoke")}
    kwargs.update({k: v for k, v in change.items() if k not in {"data", "settings"}})
    if kwargs["preset"] != "smoke":  # a model of another preset lives elsewhere: same record
        monkeypatch.setattr("helpers.support.training.models_dir", lambda preset: tmp_path / "smoke")
    history = run(**kwargs)
    printed = capsys.readouterr().out
    assert "was trained otherwise; training again" in printed and expected in printed, printed
    assert len(history["loss"]) == kwargs.get("epochs", 2)
    run(**kwargs)
    assert "Loaded the trained model" in capsys.readouterr().out, "the new model is reused"


def test_a_change_in_the_models_own_code_retrains(tmp_path, monkeypatch, capsys):
    """A fixed helper class (or a notebook cell's class edited) is not silently ignored."""
    monkeypatch.setenv("NOTEBOOK_MODELS_DIR", str(tmp_path))
    monkeypatch.delenv("NOTEBOOK_RETRAIN", raising=False)
    settings = preset_settings("sparse", "smoke")
    data = np.random.default_rng(0).random((32, 3)).astype("float32")

    def model_with(body):
        namespace = {"keras": keras, "__name__": "__main__"}  # as in a notebook
        exec(f"class Scale(keras.layers.Layer):\n    def call(self, x):\n        {body}", namespace)
        model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(3), namespace["Scale"]()])
        model.compile(loss="mse", optimizer="sgd")
        return model

    fit_or_load(model_with("return x * 2"), settings, "scaled", data, data, epochs=1, verbose=0)
    fit_or_load(model_with("return x * 3"), settings, "scaled", data, data, epochs=1, verbose=0)
    printed = capsys.readouterr().out
    assert "was trained otherwise" in printed and "code." in printed, printed


def test_an_interrupted_run_of_other_settings_is_not_resumed(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("NOTEBOOK_MODELS_DIR", str(tmp_path))
    monkeypatch.delenv("NOTEBOOK_RETRAIN", raising=False)
    settings = preset_settings("sparse", "smoke")
    data = np.random.default_rng(0).random((32, 3)).astype("float32")

    class Stop(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 1:
                raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        fit_or_load(_compiled(), settings, "tiny", data, data, epochs=4, verbose=0,
                    callbacks=[Stop()])
    history = fit_or_load(_compiled(keras.optimizers.SGD(0.05)), settings, "tiny", data, data,
                          epochs=3, verbose=0)
    assert "interrupted run with other settings was discarded" in capsys.readouterr().out
    assert len(history["loss"]) == 3


def test_a_failed_save_leaves_the_saved_model_whole(tmp_path, monkeypatch):
    monkeypatch.setenv("NOTEBOOK_MODELS_DIR", str(tmp_path))
    settings = preset_settings("sparse", "smoke")
    saved = save_model(_tiny_model(), settings, "tiny")
    before = saved.read_bytes()

    class Broken(keras.Model):
        def save(self, path, **kwargs):
            Path(path).write_bytes(b"half a zip")
            raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        save_model(Broken(), settings, "tiny")
    assert saved.read_bytes() == before
    assert sorted(p.name for p in saved.parent.iterdir()) == ["tiny.keras"], "no partial file"


def test_showing_more_or_less_progress_does_not_retrain(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("NOTEBOOK_MODELS_DIR", str(tmp_path))
    monkeypatch.delenv("NOTEBOOK_RETRAIN", raising=False)
    settings = preset_settings("sparse", "smoke")
    data = np.random.default_rng(0).random((32, 3)).astype("float32")
    fit_or_load(_compiled(), settings, "tiny", data, data, epochs=1, verbose=0)
    fit_or_load(_compiled(), settings, "tiny", data, data, epochs=1, verbose=2)
    assert "Loaded the trained model" in capsys.readouterr().out


def test_a_method_added_in_a_later_cell_changes_the_code_fingerprint():
    from helpers.support.classes import add_to_class
    from helpers.support.fingerprint import source_digest

    class Model:
        def call(self):
            return 1

    before = source_digest(Model)

    @add_to_class(Model)
    def train_step(self):
        return 2

    assert source_digest(Model) != before
