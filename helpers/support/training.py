"""Training that a re-run does not repeat, saving, and resuming.

A notebook trains a model once per preset and saves it under
``models/<preset>/`` with a fingerprint of what produced it
(``helpers.fingerprint``: architecture, compile and fit arguments, data,
preset numbers, the model's own code). Run again (today or tomorrow) with
nothing changed, it loads the saved weights and learning curves instead of
training again, and says so; with something changed, it says what and
trains again. One switch asks for training again regardless:
``NOTEBOOK_RETRAIN=1`` in the environment, or ``helpers.setup(...,
retrain=True)`` in the first cell. Tests and ``make outputs`` always retrain.

Usage::

    stacked_ae.compile(loss="mse", optimizer="nadam")
    history = fit_or_load(stacked_ae, settings, "stacked_ae", X_train, X_train,
                          epochs=settings.epochs, validation_data=(X_valid, X_valid))
    history["val_loss"][-1]
"""
from __future__ import annotations

import json
import os
import shutil
import warnings
from collections.abc import Callable
from pathlib import Path

import keras

from helpers.support.fingerprint import changes, training_fingerprint
from helpers.support.paths import PROJECT_ROOT, models_dir
from helpers.support.presets import Settings

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


def write_atomically(path: Path, write: Callable[[Path], object]) -> None:
    """``write`` a file of its own beside ``path`` (same suffix), then rename it into
    place: an interrupted write, or another process writing the same file, never leaves a
    broken file there."""
    partial = path.with_name(f".{path.stem}.{os.getpid()}{path.suffix}")
    try:
        write(partial)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def save_atomically(model: keras.Model, path: Path) -> None:
    """``model.save(path)`` through ``write_atomically``."""
    write_atomically(path, model.save)


def save_model(model: keras.Model, settings: Settings, name: str) -> Path:
    """Save ``model`` as ``models/<preset>/<name>.keras`` and return the path."""
    path = model_path(settings, name)
    save_atomically(model, path)
    return path


def _history_path(settings: Settings, name: str) -> Path:
    return models_dir(settings.preset) / f"{name}.history.json"


def _fingerprint_path(settings: Settings, name: str) -> Path:
    return models_dir(settings.preset) / f"{name}.fingerprint.json"


def _read_json(path: Path) -> dict | None:
    return json.loads(path.read_text()) if path.is_file() else None


def _reuse(model: keras.Model, path: Path) -> bool:
    """Load the saved weights into ``model``; False (with a word) if they do not fit."""
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
    except ValueError as error:  # a damaged file: its record matched this model
        print(f"{shown_path(path)} could not be loaded into this model ({error}): "
              "training again.")
        return False
    return True


def fit_or_load(model: keras.Model, settings: Settings, name: str, x, y=None,
                **fit_kwargs) -> dict[str, list[float]]:
    """Train the compiled ``model`` and save it with its learning curves, or, when a
    saved one was trained exactly this way and no retraining is asked for, load its
    weights instead. A saved model trained otherwise (a changed learning rate, loss,
    layer, epoch count, data, preset number or class code) is trained again, and the
    changes are printed.

    Returns the learning curves (``history.history``) either way. Training
    resumes after an interruption (``resumable``) and shows Keras' progress bar.
    """
    path, history_path = model_path(settings, name), _history_path(settings, name)
    fingerprint_path = _fingerprint_path(settings, name)
    fingerprint = training_fingerprint(model, settings, x, y, fit_kwargs)
    saved = _read_json(fingerprint_path)
    if path.is_file() and history_path.is_file() and not retrain_requested():
        if saved is None:
            print(f"{shown_path(path)} has no record of how it was trained: training again.")
        elif saved != fingerprint:
            print(f"{shown_path(path)} was trained otherwise; training again. What changed:\n  "
                  + "\n  ".join(changes(saved, fingerprint)))
        elif _reuse(model, path):
            print(f"Loaded the trained model from {shown_path(path)} "
                  f"(set {RETRAIN_VARIABLE}=1 or helpers.setup(..., retrain=True) to train again)")
            return json.loads(history_path.read_text())
    backups = resumable(settings, name)
    backup_dir = models_dir(settings.preset) / "backup" / name
    if _read_json(backup_dir / "fingerprint.json") not in (None, fingerprint):
        shutil.rmtree(backup_dir)  # an interrupted run of another set-up: do not resume it
        print("An interrupted run with other settings was discarded.")
    backup_dir.mkdir(parents=True, exist_ok=True)
    (backup_dir / "fingerprint.json").write_text(json.dumps(fingerprint))
    callbacks = list(fit_kwargs.pop("callbacks", [])) + backups
    model.fit(x, y, callbacks=callbacks, **fit_kwargs)
    shutil.rmtree(backup_dir, ignore_errors=True)
    save_model(model, settings, name)
    # All epochs' curves, those before an interruption too (fit's history has only its own).
    curves = next(c for c in backups if isinstance(c, CurvesBackup)).curves
    history_path.write_text(json.dumps(curves))
    fingerprint_path.write_text(json.dumps(fingerprint, indent=0))
    print(f"Saved to {shown_path(path)}")
    return curves
