"""Style mixing with notebook 14's StyleGAN: two seeds pick two codings, a crossover
slider says which style inputs come from each, and a truncation slider (psi) pulls
every w toward the mean w. A model picker switches between the reader's own model
and the long-run one shipped in ``pretrained/``.

Usage: ``helpers.widgets.style_mixing_widget(helpers.model_path(settings, "stylegan"))``
"""
from __future__ import annotations

from pathlib import Path

import ipywidgets as widgets
import keras
import numpy as np

from helpers.stylegan import mean_w, truncated_images
from helpers.support.pretrained import load_pretrained
from helpers.widgets.common import ShortRepr, TrainedModel, image_widget, labelled, to_png

YOUR_MODEL, LONG_RUN_MODEL = "your model", "long-run model"
STYLEGAN_MODEL = TrainedModel("stylegan.keras", "StyleGAN", "notebooks/14_stylegan.ipynb",
                              'helpers.fit_or_load(stylegan, settings, "stylegan", ...)',
                              "Train the StyleGAN")


class StyleMixingWidget(ShortRepr, widgets.VBox):
    """Two seeds pick codings A and B; the crossover slider says how many style inputs,
    coarsest first, come from A (the rest from B); the psi slider applies the
    truncation trick to all three images. The noise is drawn once and held fixed,
    so only the styles change what is shown. ``stylegan`` is a StyleGAN, its
    generator, or ``{"your model": ..., "long-run model": ...}``: with two, buttons
    switch between them (same seeds, same sliders). ``note`` is shown above."""

    def __init__(self, stylegan: keras.Model | dict[str, keras.Model], seeds=(0, 1),
                 crossover: int | None = None, noise_seed: int = 0, psi: float = 1.0,
                 note: str = ""):
        models = stylegan if isinstance(stylegan, dict) else {YOUR_MODEL: stylegan}
        # A StyleGAN draws with its sampling generator (its moving average, if it keeps one).
        self.generators = {name: getattr(model, "sampling_generator", model)
                           for name, model in models.items()}
        self.model_picker = widgets.ToggleButtons(options=list(self.generators),
                                                  description="model")
        self.model_picker.add_class("stylegan-model")
        self.noise_seed = noise_seed
        self._use(self.model_picker.value)
        n_styles = self.generator.n_styles
        self.psi = widgets.FloatSlider(psi, min=0.0, max=1.0, step=0.05,
                                       description="truncation ψ", continuous_update=True,
                                       readout_format=".2f")
        self.psi.add_class("stylegan-psi")
        self.seed_sliders = [widgets.IntSlider(seed, min=0, max=999, description=f"seed {name}",
                                               continuous_update=False)
                             for name, seed in zip("AB", seeds)]
        self.crossover = widgets.IntSlider(n_styles // 2 if crossover is None else crossover,
                                           min=0, max=n_styles, description="crossover",
                                           continuous_update=True)
        for slider, css_class in zip(self.seed_sliders, ("stylegan-seed-a", "stylegan-seed-b")):
            slider.add_class(css_class)
            slider.observe(self._on_change, names="value")
        self.crossover.add_class("stylegan-crossover")
        for slider in (self.crossover, self.psi):
            slider.observe(self._on_change, names="value")
        self.model_picker.observe(self._on_model, names="value")
        self.sources = [image_widget(None, f"stylegan-source-{name}") for name in "ab"]
        self.mixed_image = image_widget(None, "stylegan-mixed")
        self.explanation = widgets.HTML()
        views = widgets.HBox([labelled("A", self.sources[0]),
                              labelled("mixed", self.mixed_image),
                              labelled("B", self.sources[1])])
        header = [widgets.HTML(note)] if note else []
        if len(self.generators) > 1:
            header.append(self.model_picker)
        super().__init__(header + [widgets.HBox(self.seed_sliders), self.crossover, self.psi,
                                   self.explanation, views])
        self._on_change()

    def _use(self, name: str) -> None:
        """Draw with the generator called ``name``: its mean w and its noise shapes."""
        self.generator = self.generators[name]
        self.w_mean = mean_w(self.generator)
        rng = np.random.default_rng(self.noise_seed)
        # One draw for the three images (A, mixed, B): their differences are the styles'.
        self.noise = [np.repeat(rng.normal(size=shape).astype("float32"), 3, axis=0)
                      for shape in self.generator.noise_shapes(1)]

    def _on_model(self, change=None):
        self._use(self.model_picker.value)
        self._on_change()

    def codings(self, seed: int) -> np.ndarray:
        """The coding z ~ N(0, I) that ``seed`` stands for."""
        return np.random.default_rng(seed).normal(
            size=self.generator.codings_size).astype("float32")

    def per_style_codings(self) -> np.ndarray:
        """(3, n_styles, codings_size): A alone, the mix, B alone."""
        coding_a, coding_b = (self.codings(slider.value) for slider in self.seed_sliders)
        n_styles = self.generator.n_styles
        crossovers = np.array([n_styles, self.crossover.value, 0])
        return keras.ops.convert_to_numpy(self.generator.mix(
            np.stack([coding_a] * 3), np.stack([coding_b] * 3), crossovers))

    def _on_change(self, change=None):
        # Calling the generator directly skips predict's set-up, which would
        # otherwise take most of each slider move.
        images = keras.ops.convert_to_numpy(truncated_images(
            self.generator, self.per_style_codings(), self.psi.value, self.w_mean, self.noise))
        self.image_a, self.mixed, self.image_b = images[..., 0]
        for view, image in zip((self.sources[0], self.mixed_image, self.sources[1]),
                               (self.image_a, self.mixed, self.image_b)):
            view.value = to_png(image)
        n_styles, crossover = self.generator.n_styles, self.crossover.value
        self.explanation.value = (f"style inputs 1–{crossover} (coarse) from A, "
                                  f"{crossover + 1}–{n_styles} (fine) from B"
                                  if 0 < crossover < n_styles else
                                  f"every style input from {'A' if crossover else 'B'}")


def style_mixing_widget(model: keras.Model | str | Path | None = None, seeds=(0, 1),
                        crossover: int | None = None, psi: float = 1.0,
                        long_run: bool = True) -> widgets.Widget:
    """Seed pickers for two codings, a crossover slider and a truncation (psi) slider
    over the StyleGAN of notebook 14, with buttons for "your model" and the
    "long-run model" shipped in ``pretrained/`` (when ``long_run`` and it is there).

    ``model`` is the ``StyleGAN`` or the path of its ``.keras`` file (default: the
    current preset's ``models/<preset>/stylegan.keras``). With no model of yours,
    the long-run model alone is shown, with a word on how to train yours.
    """
    models = {}
    stylegan = STYLEGAN_MODEL.load(model)
    if stylegan is not None:
        models[YOUR_MODEL] = stylegan
    shipped = load_pretrained("stylegan") if long_run else None
    if shipped is not None:
        models[LONG_RUN_MODEL] = shipped
    if not models:
        return STYLEGAN_MODEL.missing(model)
    note = "" if stylegan is not None else (
        STYLEGAN_MODEL.missing(model).value + " Meanwhile, here is the long-run model "
        "(<code>pretrained/</code>).")
    return StyleMixingWidget(models, seeds, crossover, psi=psi, note=note)
