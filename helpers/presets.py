"""Scale presets: how much work each notebook does.

One environment variable, ``NOTEBOOK_PRESET``, picks the preset for every
notebook: ``smoke`` (tests: tiny subsets, one or two epochs), ``default``
(a 2-core laptop CPU, a few minutes per notebook) or ``full`` (the book's
settings, for a GPU). Numbers that depend on the preset live here, never in
a notebook cell.

Usage::

    settings = preset_settings("stacked")
    settings.epochs
"""
from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

PRESET_VARIABLE = "NOTEBOOK_PRESET"
PRESETS = ("smoke", "default", "full")
DEFAULT_PRESET = "default"

# One table per notebook: setting -> (smoke, default, full).
# train_size None means the whole 55,000-image training set.
SETTINGS: dict[str, dict[str, tuple[Any, Any, Any]]] = {
    "pca": {
        "n_points": (60, 60, 60),
        "epochs": (500, 500, 500),
    },
    "stacked": {
        "train_size": (5_000, None, None),
        "epochs": (5, 10, 20),
        "batch_size": (64, 128, 32),
        "tsne_points": (500, 3_000, 5_000),
        "labelled_size": (500, 500, 500),
        "classifier_epochs": (10, 20, 20),
        "greedy_epochs": (3, 5, 10),
    },
    "conv": {
        "train_size": (2_000, None, None),
        "epochs": (4, 5, 10),
        "batch_size": (32, 128, 32),
    },
    "recurrent": {
        "train_size": (2_000, 10_000, None),
        "epochs": (3, 8, 10),
        "batch_size": (32, 128, 32),
    },
    "denoising": {
        "train_size": (2_000, None, None),
        "epochs": (5, 10, 10),
        "batch_size": (32, 128, 32),
        # The denoised error must be this many times lower than the noisy input's.
        "min_denoising_gain": (1.3, 2.0, 2.0),
    },
    "sparse": {
        "train_size": (2_000, None, None),
        "epochs": (5, 10, 10),
        "batch_size": (32, 128, 32),
    },
    "vae": {
        "train_size": (5_000, None, None),
        "epochs": (3, 25, 25),
        "batch_size": (128, 128, 128),
        # A VAE trained for seconds (smoke) has codings that only roughly follow the prior.
        "latent_mean_tolerance": (0.75, 0.25, 0.25),
        "latent_variance_range": ((0.5, 2.0), (0.6, 1.4), (0.6, 1.4)),
    },
}


class PresetError(ValueError):
    """An unknown preset name or notebook key."""


class Settings(Mapping):
    """Read-only settings with attribute access: ``settings.epochs``."""

    def __init__(self, notebook: str, preset: str, values: dict[str, Any]):
        self._notebook, self._preset, self._values = notebook, preset, dict(values)

    def __getattr__(self, name: str) -> Any:
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(
                f"No setting {name!r} for notebook {self._notebook!r}; "
                f"known settings: {', '.join(self._values)}"
            ) from None

    def __getitem__(self, key: str) -> Any:
        return self._values[key]

    def __iter__(self):
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __repr__(self) -> str:
        items = ", ".join(f"{key}={value!r}" for key, value in self._values.items())
        return f"Settings({self._notebook!r}, preset={self._preset!r}: {items})"

    @property
    def preset(self) -> str:
        return self._preset

    def describe(self) -> str:
        """One line per setting, as a notebook prints them."""
        width = max(len(key) for key in self._values)
        lines = [f"  {key:<{width}} = {self._show(value)}" for key, value in self._values.items()]
        return "\n".join(lines)

    @staticmethod
    def _show(value: Any) -> str:
        return "all" if value is None else f"{value:,}" if isinstance(value, int) else repr(value)


def current_preset() -> str:
    """The preset named by ``$NOTEBOOK_PRESET`` (``default`` when unset)."""
    preset = os.environ.get(PRESET_VARIABLE, "").strip().lower() or DEFAULT_PRESET
    if preset not in PRESETS:
        raise PresetError(
            f"{PRESET_VARIABLE}={os.environ[PRESET_VARIABLE]!r} is not a preset. "
            f"Use one of: {', '.join(PRESETS)} (for example `export {PRESET_VARIABLE}=smoke`)."
        )
    return preset


def preset_settings(notebook: str, preset: str | None = None) -> Settings:
    """The settings of ``notebook`` in ``preset`` (the current preset by default)."""
    if notebook not in SETTINGS:
        raise PresetError(f"No settings for notebook {notebook!r}; known: {', '.join(SETTINGS)}")
    preset = current_preset() if preset is None else preset
    if preset not in PRESETS:
        raise PresetError(f"{preset!r} is not a preset. Use one of: {', '.join(PRESETS)}.")
    column = PRESETS.index(preset)
    values = {key: row[column] for key, row in SETTINGS[notebook].items()}
    return Settings(notebook, preset, values)
