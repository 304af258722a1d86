"""An explorer of notebook 11's conditional GAN: pick a class, move through latent
space along two directions, and see the same coding rendered as every class.

Usage: ``helpers.widgets.cgan_explorer(helpers.model_path(settings, "cgan"))``
"""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import ipywidgets as widgets
import keras
import numpy as np

from helpers.support.data import CLASS_NAMES
from helpers.widgets.common import ShortRepr, TrainedModel, image_widget, labelled, to_png

CGAN_MODEL = TrainedModel("cgan.keras", "conditional GAN", "notebooks/11_conditional_gans.ipynb",
                          'helpers.fit_or_load(cgan, settings, "cgan", ...)',
                          "Train the conditional GAN")


class ConditionalGANExplorer(ShortRepr, widgets.VBox):
    """Pick the class; two sliders move the coding along two fixed random directions
    of latent space. The large image is G(z, class); the strip below it shows the
    same coding z rendered as every class."""

    def __init__(self, cgan: keras.Model, class_names: Sequence[str] = CLASS_NAMES,
                 limit: float = 3.0, seed: int = 0):
        self.cgan, self.class_names = cgan, list(class_names)
        self._rng = np.random.default_rng(seed)
        self.class_picker = widgets.ToggleButtons(
            options=[(name, index) for index, name in enumerate(self.class_names)], value=0,
            description="class", style={"button_width": "86px"})
        self.class_picker.add_class("cgan-class-picker")
        self.sliders = [widgets.FloatSlider(0.0, min=-limit, max=limit, step=0.1,
                                            description=f"direction {number}",
                                            continuous_update=True, readout_format=".1f")
                        for number in (1, 2)]
        for slider in self.sliders:
            slider.add_class("cgan-latent-slider")
            slider.observe(self._on_change, names="value")
        self.class_picker.observe(self._on_change, names="value")
        self.new_button = widgets.Button(description="new random coding")
        self.new_button.on_click(self.new_coding)
        self.image = image_widget(None, "cgan-image")
        self.strip = [image_widget(None, "cgan-strip-image") for _ in self.class_names]
        for view in self.strip:
            view.width = view.height = 28 * 2
        strip = widgets.HBox([widgets.VBox([widgets.HTML(f"<small>{name}</small>"), view],
                                           layout=widgets.Layout(align_items="center"))
                              for name, view in zip(self.class_names, self.strip)])
        controls = widgets.VBox(self.sliders + [self.new_button])
        super().__init__([self.class_picker,
                          widgets.HBox([controls, labelled("generated", self.image)]),
                          widgets.HTML("<b>the same coding, every class</b>"), strip])
        self.new_coding()

    def new_coding(self, _=None) -> None:
        """A new starting coding z0 ~ N(0, I) and two new orthonormal directions."""
        size = self.cgan.codings_size
        self.origin = self._rng.normal(size=size).astype("float32")
        directions, _ = np.linalg.qr(self._rng.normal(size=(size, 2)))
        self.directions = directions.T.astype("float32")
        self._on_change()

    def codings(self) -> np.ndarray:
        """z = z0 + s1 d1 + s2 d2 for the two slider values s1, s2."""
        steps = np.array([slider.value for slider in self.sliders], "float32")
        return self.origin + steps @ self.directions

    def _on_change(self, change=None):
        codings = np.repeat(self.codings()[None], len(self.class_names), axis=0)
        classes = np.eye(len(self.class_names), dtype="float32")
        # Calling the generator directly skips predict's set-up, which would
        # otherwise take most of each slider move.
        images = keras.ops.convert_to_numpy(self.cgan.generator([codings, classes],
                                                                training=False))
        self.every_class = images
        self.generated = images[self.class_picker.value]
        self.image.value = to_png(self.generated)
        for view, image in zip(self.strip, images):
            view.value = to_png(image)


def cgan_explorer(model: keras.Model | str | Path | None = None,
                  class_names: Sequence[str] = CLASS_NAMES, limit: float = 3.0,
                  seed: int = 0) -> widgets.Widget:
    """A class picker and two latent sliders over the conditional GAN of notebook 11.

    ``model`` is the ``ConditionalGAN`` or the path of its ``.keras`` file (default:
    the current preset's ``models/<preset>/cgan.keras``).
    """
    cgan = CGAN_MODEL.load(model)
    if cgan is None:
        return CGAN_MODEL.missing(model)
    return ConditionalGANExplorer(cgan, class_names, limit, seed)
