"""Saving trained models and resuming interrupted training.

Usage::

    model.fit(..., callbacks=resumable(settings, "stacked_ae"))
    path = save_model(model, settings, "stacked_ae")
    stacked_ae = load_saved(settings, "stacked_ae")   # None if not saved yet
"""
from __future__ import annotations

import shutil
from pathlib import Path

import keras

from helpers.paths import models_dir
from helpers.presets import Settings


def model_path(settings: Settings, name: str) -> Path:
    """``models/<preset>/<name>.keras``: each preset keeps its own models."""
    return models_dir(settings.preset) / f"{name}.keras"


def resumable(settings: Settings, name: str) -> list[keras.callbacks.Callback]:
    """Callbacks that back up training each epoch, so a re-run after an
    interruption resumes where it stopped (the backup goes once fit ends)."""
    backup = models_dir(settings.preset) / "backup" / name
    return [keras.callbacks.BackupAndRestore(backup_dir=str(backup), delete_checkpoint=True)]


def clear_backup(settings: Settings, name: str) -> None:
    """Forget an interrupted run, so that the next fit starts from scratch."""
    shutil.rmtree(models_dir(settings.preset) / "backup" / name, ignore_errors=True)


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
