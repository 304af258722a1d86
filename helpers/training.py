"""Training that a re-run does not repeat, saving, and resuming.

A notebook trains a model once per preset and saves it under
``models/<preset>/``; run again (today or tomorrow) it loads the saved
weights and learning curves instead of training again, and says so. One
switch asks for training again: ``NOTEBOOK_RETRAIN=1`` in the environment,
or ``helpers.setup(..., retrain=True)`` in the first cell. Tests and
``make outputs`` always retrain.

Usage::

    stacked_ae.compile(loss="mse", optimizer="nadam")
    history = fit_or_load(stacked_ae, settings, "stacked_ae", X_train, X_train,
                          epochs=settings.epochs, validation_data=(X_valid, X_valid))
    history["val_loss"][-1]
"""
from __future__ import annotations

import json
import os
import warnings
from pathlib import Path

import keras

from helpers.paths import PROJECT_ROOT, models_dir
from helpers.presets import Settings

RETRAIN_VARIABLE = "NOTEBOOK_RETRAIN"


def model_path(settings: Settings, name: str) -> Path:
    """``models/<preset>/<name>.keras``: each preset keeps its own models."""
    return models_dir(settings.preset) / f"{name}.keras"


def shown_path(path: Path) -> str:
    """``path`` relative to the project when it lies inside it (what notebooks print)."""
    try:
        return str(Path(path).resolve().relative_to(PROJECT_ROOT))
    except ValueError:
        return Path(path).name


def retrain_requested() -> bool:
    """True when ``$NOTEBOOK_RETRAIN`` asks to train again rather than reuse saved models."""
    return os.environ.get(RETRAIN_VARIABLE, "").strip().lower() in {"1", "true", "yes"}


class CurvesBackup(keras.callbacks.Callback):
    """Keeps the learning curves of every epoch so far in ``path``, so that a fit
    resumed after an interruption returns the curves of all its epochs, not only
    of those it ran itself (``self.curves``)."""

    def __init__(self, path: Path):
        super().__init__()
        self.path = Path(path)
        self.curves: dict[str, list[float]] = {}

    def on_train_begin(self, logs=None):
        self.curves = json.loads(self.path.read_text()) if self.path.is_file() else {}

    def on_epoch_end(self, epoch, logs=None):
        for key, value in (logs or {}).items():  # epochs after this one's are stale
            self.curves[key] = self.curves.get(key, [])[:epoch] + [float(value)]
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(json.dumps(self.curves))


def resumable(settings: Settings, name: str) -> list[keras.callbacks.Callback]:
    """Callbacks that back up training each epoch, so a re-run after an
    interruption resumes where it stopped (the backup goes once fit ends),
    learning curves included."""
    backup = models_dir(settings.preset) / "backup" / name
    # The curves first: interrupted between the two, they hold one epoch too many,
    # which CurvesBackup drops, rather than one too few. BackupAndRestore deletes both.
    return [CurvesBackup(backup / "curves.json"),
            keras.callbacks.BackupAndRestore(backup_dir=str(backup), delete_checkpoint=True)]


def load_saved(settings: Settings, name: str) -> keras.Model | None:
    """The model ``save_model(model, settings, name)`` wrote, or ``None`` if there is none yet.

    Usage: ``stacked_ae = load_saved(settings, "stacked_ae")``
    """
    path = model_path(settings, name)
    return keras.models.load_model(path) if path.is_file() else None


def save_model(model: keras.Model, settings: Settings, name: str) -> Path:
    """Save ``model`` as ``models/<preset>/<name>.keras`` and return the path."""
    path = model_path(settings, name)
    model.save(path)
    return path


def _history_path(settings: Settings, name: str) -> Path:
    return models_dir(settings.preset) / f"{name}.history.json"


def fit_or_load(model: keras.Model, settings: Settings, name: str, x, y=None,
                **fit_kwargs) -> dict[str, list[float]]:
    """Train the compiled ``model`` and save it with its learning curves, or, when
    a saved one exists and no retraining is asked for, load its weights instead.

    Returns the learning curves (``history.history``) either way. Training
    resumes after an interruption (``resumable``) and shows Keras' progress bar.
    """
    path, history_path = model_path(settings, name), _history_path(settings, name)
    if path.is_file() and history_path.is_file() and not retrain_requested():
        try:
            optimizer = getattr(model, "optimizer", None)
            if optimizer is not None and not optimizer.built:
                optimizer.build(model.trainable_variables)  # so its saved state loads too
            with warnings.catch_warnings():
                # A model with optimizers of its own that it builds only at its first
                # step lacks their variables here; Keras then warns, with a path of the
                # venv, that it skips their state. The weights are what reuse needs.
                # (helpers.gan.GAN builds its two in compile: their state loads.)
                warnings.filterwarnings("ignore", message="Skipping variable loading")
                model.load_weights(path)
        except ValueError:  # the reader changed the architecture since it was saved
            print(f"{shown_path(path)} does not fit this model (its architecture changed): "
                  "training again.")
        else:
            print(f"Loaded the trained model from {shown_path(path)} "
                  f"(set {RETRAIN_VARIABLE}=1 or helpers.setup(..., retrain=True) to train again)")
            return json.loads(history_path.read_text())
    backups = resumable(settings, name)
    callbacks = list(fit_kwargs.pop("callbacks", [])) + backups
    model.fit(x, y, callbacks=callbacks, **fit_kwargs)
    save_model(model, settings, name)
    # All epochs' curves, those before an interruption too (fit's history has only its own).
    curves = next(c for c in backups if isinstance(c, CurvesBackup)).curves
    history_path.write_text(json.dumps(curves))
    print(f"Saved to {shown_path(path)}")
    return curves
