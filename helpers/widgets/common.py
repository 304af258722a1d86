"""What the three widgets share: a trained model found by its notebook's file name
(or a message saying which notebook saves it), images shown as PNGs, and a
one-line plain-text form.

Usage::

    VAE_MODEL = TrainedModel("vae.keras", "VAE", "notebooks/08_variational_autoencoders.ipynb",
                             'helpers.save_model(vae, settings, "vae")', "Train the VAE")
    vae = VAE_MODEL.load(model)  # None when the file is missing
"""
from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import ipywidgets as widgets
import keras
import numpy as np
from PIL import Image

from helpers.support.paths import models_dir
from helpers.support.presets import current_preset

IMAGE_SCALE = 5  # 28x28 pixels shown as 140x140


@dataclass(frozen=True)
class TrainedModel:
    """A model a notebook trains and saves, as a widget finds it."""

    file_name: str     # in models/<preset>/
    what: str          # "VAE", as the message names it
    notebook: str      # the notebook that trains it
    saving_call: str   # the call in that notebook that saves it
    section: str       # the heading above that call

    def default_path(self, preset: str | None = None) -> Path:
        """``models/<preset>/<file_name>`` (the current preset by default)."""
        return models_dir(preset or current_preset()) / self.file_name

    def load(self, model: keras.Model | str | Path | None = None) -> keras.Model | None:
        """``model`` itself, or loaded from its path (the default path when None); None
        if the file is missing. Importing ``helpers`` registered every custom class."""
        if isinstance(model, keras.Model):
            return model
        path = Path(model) if model is not None else self.default_path()
        return keras.models.load_model(path) if path.is_file() else None

    def missing(self, model: str | Path | None = None) -> widgets.HTML:
        """What the reader sees instead of a widget when there is no trained model: the
        path looked at, and which notebook cell saves it."""
        path = Path(model) if model is not None else self.default_path()
        return widgets.HTML(
            f"<b>No trained {self.what} at <code>{path}</code>.</b> Run "
            f"<code>{self.notebook}</code> from the top down to the cell that calls "
            f"<code>{self.saving_call}</code> (section “{self.section}”), with the same "
            f"preset (<code>NOTEBOOK_PRESET={current_preset()}</code>), then run this cell "
            f"again.")


def to_png(image: np.ndarray, scale: int = IMAGE_SCALE) -> bytes:
    """A 28x28 image in [0, 1] as PNG bytes, dark ink on white like the notebook's figures."""
    pixels = np.uint8(np.round(255 * (1 - np.clip(np.asarray(image).reshape(28, 28), 0, 1))))
    buffer = io.BytesIO()
    Image.fromarray(pixels).resize((28 * scale, 28 * scale), Image.NEAREST).save(buffer, "png")
    return buffer.getvalue()


def image_widget(image: np.ndarray | None, css_class: str) -> widgets.Image:
    """An image view (``css_class`` lets the browser tests find it)."""
    view = widgets.Image(format="png", width=28 * IMAGE_SCALE, height=28 * IMAGE_SCALE)
    if image is not None:
        view.value = to_png(image)
    view.add_class(css_class)
    return view


def labelled(title: str, view: widgets.Widget) -> widgets.VBox:
    """``view`` with a bold title above it."""
    return widgets.VBox([widgets.HTML(f"<b>{title}</b>"), view],
                        layout=widgets.Layout(align_items="center"))


class ShortRepr:
    """A widget's plain-text form, what a page without its live state shows (GitHub, a
    notebook saved without widget state): one line, not the repr of every child."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}: interactive, run this notebook in JupyterLab to use it"
