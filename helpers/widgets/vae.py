"""Two views of notebook 08's trained VAE: a semantic interpolation between two
chosen images (with the pixel blend beside it), and one slider per coding dimension.

Usage::

    helpers.widgets.interpolation_widget(vae, data.X_valid, data.y_valid)
    helpers.widgets.latent_explorer(helpers.model_path(settings, "vae"))
"""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import ipywidgets as widgets
import keras
import numpy as np

from helpers.support.data import CLASS_NAMES, load_fashion_mnist
from helpers.widgets.common import ShortRepr, TrainedModel, image_widget, labelled, to_png

VAE_MODEL = TrainedModel("vae.keras", "VAE", "notebooks/08_variational_autoencoders.ipynb",
                         'helpers.save_model(vae, settings, "vae")', "Train the VAE")


def _decode(vae: keras.Model, codings: np.ndarray) -> np.ndarray:
    # Calling the decoder directly skips predict's set-up, which would
    # otherwise take most of each slider move.
    outputs = vae.decoder(np.asarray(codings, "float32").reshape(1, -1), training=False)
    return keras.ops.convert_to_numpy(outputs)[0]


class InterpolationWidget(ShortRepr, widgets.VBox):
    """Pick two images; the slider moves from one to the other in latent space,
    with the pixel-space blend of the same two images beside it."""

    def __init__(self, vae: keras.Model, images: np.ndarray, labels: np.ndarray,
                 class_names: Sequence[str] = CLASS_NAMES, start=(0, 0), end=(3, 0)):
        self.vae, self.images, self.labels = vae, np.asarray(images), np.asarray(labels)
        self.class_names = list(class_names)
        self.choosers = [self._chooser(name, *pick) for name, pick in (("A", start), ("B", end))]
        self.slider = widgets.FloatSlider(0.5, min=0, max=1, step=0.05, description="A → B",
                                          continuous_update=True, readout_format=".2f")
        self.slider.add_class("vae-interpolation-slider")
        self.ends = [image_widget(None, f"vae-image-{name}") for name in "AB"]
        self.decoded_image = image_widget(None, "vae-interpolation-decoded")
        self.blend_image = image_widget(None, "vae-interpolation-blend")
        for dropdown, index in self.choosers:
            dropdown.observe(self._on_pick, names="value")
            index.observe(self._on_pick, names="value")
        self.slider.observe(self._on_slide, names="value")
        views = widgets.HBox([labelled("image A", self.ends[0]),
                              labelled("decoded (latent space)", self.decoded_image),
                              labelled("pixel blend", self.blend_image),
                              labelled("image B", self.ends[1])])
        pickers = widgets.HBox([widgets.VBox(list(chooser)) for chooser in self.choosers])
        super().__init__([pickers, self.slider, views])
        self._on_pick()

    def _chooser(self, name: str, label: int, index: int):
        dropdown = widgets.Dropdown(options=[(n, i) for i, n in enumerate(self.class_names)],
                                    value=label, description=f"image {name}")
        count = int(np.sum(self.labels == label))
        return dropdown, widgets.IntSlider(index, min=0, max=max(count - 1, 0),
                                           description="index", continuous_update=False)

    def picked_images(self) -> list[np.ndarray]:
        """The two images chosen by class and index within that class."""
        picked = []
        for dropdown, index in self.choosers:
            positions = np.flatnonzero(self.labels == dropdown.value)
            index.max = max(len(positions) - 1, 0)
            picked.append(self.images[positions[min(index.value, len(positions) - 1)]])
        return picked

    def _on_pick(self, change=None):
        self.image_a, self.image_b = self.picked_images()
        codings_mean, _, _ = self.vae.encoder(np.stack([self.image_a, self.image_b]),
                                              training=False)
        self.mean_a, self.mean_b = keras.ops.convert_to_numpy(codings_mean)
        for view, image in zip(self.ends, (self.image_a, self.image_b)):
            view.value = to_png(image)
        self._on_slide()

    def codings_at(self, weight: float) -> np.ndarray:
        """The coding a fraction ``weight`` of the way from image A's mean coding to B's."""
        return (1 - weight) * self.mean_a + weight * self.mean_b

    def _on_slide(self, change=None):
        weight = self.slider.value
        self.decoded = _decode(self.vae, self.codings_at(weight))
        self.blend = (1 - weight) * self.image_a + weight * self.image_b
        self.decoded_image.value = to_png(self.decoded)
        self.blend_image.value = to_png(self.blend)


class LatentExplorer(ShortRepr, widgets.VBox):
    """One slider per coding dimension; the decoded image follows them live."""

    def __init__(self, vae: keras.Model, limit: float = 3.0):
        self.vae = vae
        coding_size = vae.decoder.inputs[0].shape[-1]
        self._moving_all = False
        self.sliders = [widgets.FloatSlider(0.0, min=-limit, max=limit, step=0.1,
                                            description=f"z[{dim}]", continuous_update=True)
                        for dim in range(coding_size)]
        for slider in self.sliders:
            slider.add_class("vae-latent-slider")
            slider.observe(self._on_change, names="value")
        self.random_button = widgets.Button(description="random coding")
        self.reset_button = widgets.Button(description="all zeros")
        self.random_button.on_click(self.randomize)
        self.reset_button.on_click(lambda _: self.set_codings(np.zeros(coding_size)))
        self.decoded_image = image_widget(None, "vae-latent-decoded")
        self._rng = np.random.default_rng(0)
        controls = widgets.VBox(self.sliders + [widgets.HBox([self.random_button,
                                                              self.reset_button])])
        super().__init__([widgets.HBox([controls, labelled("decoded", self.decoded_image)])])
        self._on_change()

    def codings(self) -> np.ndarray:
        return np.array([slider.value for slider in self.sliders], "float32")

    def set_codings(self, codings: np.ndarray) -> None:
        """Move every slider at once, decoding only once at the end."""
        self._moving_all = True
        try:
            for slider, value in zip(self.sliders, codings):
                slider.value = float(np.clip(np.round(value, 1), slider.min, slider.max))
        finally:
            self._moving_all = False
        self._on_change()

    def randomize(self, _=None) -> None:
        """A coding drawn from the prior N(0, I), as when generating new images."""
        self.set_codings(self._rng.normal(size=len(self.sliders)))

    def _on_change(self, change=None):
        if self._moving_all:
            return
        self.decoded = _decode(self.vae, self.codings())
        self.decoded_image.value = to_png(self.decoded)


def interpolation_widget(model: keras.Model | str | Path | None = None,
                         images: np.ndarray | None = None, labels: np.ndarray | None = None,
                         class_names: Sequence[str] = CLASS_NAMES) -> widgets.Widget:
    """Semantic interpolation between two chosen images, with the pixel blend beside it.

    ``model`` is the VAE or the path of its ``.keras`` file (default: the
    current preset's ``models/<preset>/vae.keras``); ``images``/``labels``
    default to the validation set.
    """
    vae = VAE_MODEL.load(model)
    if vae is None:
        return VAE_MODEL.missing(model)
    if images is None or labels is None:
        data = load_fashion_mnist(train_size=1)
        images, labels = data.X_valid, data.y_valid
    return InterpolationWidget(vae, images, labels, class_names)


def latent_explorer(model: keras.Model | str | Path | None = None,
                    limit: float = 3.0) -> widgets.Widget:
    """Sliders over the coding dimensions (in ``[-limit, limit]``) that decode live."""
    vae = VAE_MODEL.load(model)
    if vae is None:
        return VAE_MODEL.missing(model)
    return LatentExplorer(vae, limit)
