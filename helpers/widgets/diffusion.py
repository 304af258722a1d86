"""Watch a class-conditional diffusion model denoise: pick a class, a seed (the
starting noise) and the guidance weight, then scrub through the reverse process,
from pure noise to the finished image, one DDIM step at a time.

Usage: ``helpers.widgets.diffusion_explorer(helpers.model_path(settings, "guided_diffusion"))``
"""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import ipywidgets as widgets
import keras
import numpy as np

from helpers.diffusion import ddim_sample, null_class
from helpers.support.data import CLASS_NAMES
from helpers.widgets.common import ShortRepr, TrainedModel, image_widget, labelled, to_png

DIFFUSION_MODEL = TrainedModel("guided_diffusion.keras", "class-conditional diffusion model",
                               "notebooks/16_classifier_free_guidance.ipynb",
                               'helpers.fit_or_load(model, settings, "guided_diffusion", ...)',
                               "Train the conditional model")


class DiffusionExplorer(ShortRepr, widgets.VBox):
    """The class, seed and guidance weight choose a DDIM run (``n_sampling_steps`` steps,
    the model's averaged weights); the step slider shows its state at each step, from
    the starting noise (0) to the finished image (the last position). Without a class
    input (an unconditional model), only the seed and the steps are offered."""

    def __init__(self, model: keras.Model, n_sampling_steps: int = 25, label: int = 0,
                 seed: int = 0, guidance: float = 3.0, class_names: Sequence[str] = CLASS_NAMES):
        self.network, self.betas = model.ema_network, model.betas
        self.n_sampling_steps = n_sampling_steps
        self.conditional = null_class(self.network) is not None
        self.class_picker = widgets.ToggleButtons(
            options=[(name, index) for index, name in enumerate(class_names)], value=label,
            description="class", style={"button_width": "86px"})
        self.seed = widgets.IntSlider(seed, min=0, max=999, description="seed",
                                      continuous_update=False)
        self.guidance = widgets.FloatSlider(guidance, min=0.0, max=10.0, step=0.5,
                                            description="guidance w", continuous_update=False,
                                            readout_format=".1f")
        self.step = widgets.IntSlider(n_sampling_steps, min=0, max=n_sampling_steps,
                                      description="step", continuous_update=True)
        for control, css_class in ((self.class_picker, "diffusion-class"),
                                   (self.seed, "diffusion-seed"),
                                   (self.guidance, "diffusion-guidance"),
                                   (self.step, "diffusion-step")):
            control.add_class(css_class)
        for control in (self.class_picker, self.seed, self.guidance):
            control.observe(self._resample, names="value")
        self.step.observe(self._show, names="value")
        self.image = image_widget(None, "diffusion-image")
        self.caption = widgets.HTML()
        controls = [self.class_picker, self.guidance] if self.conditional else []
        super().__init__(controls + [self.seed, self.step,
                                     labelled("image", self.image), self.caption])
        self._resample()

    def _resample(self, change=None):
        noise = np.random.default_rng(self.seed.value).standard_normal(
            (1, 28, 28, 1)).astype("float32")
        labels = np.array([self.class_picker.value]) if self.conditional else None
        images, path = ddim_sample(self.network, self.betas, noise, self.n_sampling_steps,
                                   labels=labels, guidance=self.guidance.value, keep_path=True)
        # Position i < n: the state entering the i-th visited step; position n: the result.
        self.states = [state[0, ..., 0] for _, state in path] + [images[0, ..., 0]]
        self.state_steps = [t for t, _ in path] + [None]
        self.step.max = len(self.states) - 1
        self._show()

    def _show(self, change=None):
        position = self.step.value
        self.image.value = to_png(self.states[position])
        t = self.state_steps[position]
        self.caption.value = ("the finished image" if t is None else
                              f"x<sub>t</sub> at t = {t} (step {position + 1} of "
                              f"{len(self.states) - 1})")


def diffusion_explorer(model: keras.Model | str | Path | None = None, n_sampling_steps: int = 25,
                       label: int = 0, seed: int = 0, guidance: float = 3.0) -> widgets.Widget:
    """Class buttons, seed and guidance sliders, and a slider through the reverse process
    of the class-conditional diffusion model (the model, or its ``.keras`` path; by
    default the current preset's ``models/<preset>/guided_diffusion.keras``)."""
    diffusion = DIFFUSION_MODEL.load(model)
    if diffusion is None:
        return DIFFUSION_MODEL.missing(model)
    return DiffusionExplorer(diffusion, n_sampling_steps, label, seed, guidance)
