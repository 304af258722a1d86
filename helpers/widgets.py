"""Interactive views of a trained VAE (notebook 07), of the conditional GAN
(notebook 10) and of the StyleGAN (notebook 13) as ipywidgets, built by functions
so that tests can drive them without a browser.

Each function takes the model itself or the path of its ``.keras`` file
(``models/<preset>/vae.keras``, ``cgan.keras`` or ``stylegan.keras`` by default).
When no trained model is found it returns a message saying which notebook to
run, instead of failing.

Usage::

    helpers.widgets.interpolation_widget(vae, data.X_valid, data.y_valid)
    helpers.widgets.latent_explorer(helpers.model_path(settings, "vae"))
    helpers.widgets.cgan_explorer(helpers.model_path(settings, "cgan"))
    helpers.widgets.style_mixing_widget(helpers.model_path(settings, "stylegan"))
"""
from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

import ipywidgets as widgets
import keras
import numpy as np
from PIL import Image

from helpers.data import CLASS_NAMES
from helpers.paths import models_dir
from helpers.presets import current_preset

VAE_NOTEBOOK = "notebooks/07_variational_autoencoders.ipynb"
IMAGE_SCALE = 5  # 28x28 pixels shown as 140x140


def default_vae_path(preset: str | None = None) -> Path:
    """Where notebook 07 saves its VAE: ``models/<preset>/vae.keras``."""
    return models_dir(preset or current_preset()) / "vae.keras"


def _load_model(model: keras.Model | str | Path | None, default_path: Path) -> keras.Model | None:
    """``model`` itself, or loaded from its path (``default_path`` when None); None if the
    file is missing. Importing ``helpers`` registered every custom class for safe mode."""
    if isinstance(model, keras.Model):
        return model
    path = Path(model) if model is not None else default_path
    return keras.models.load_model(path) if path.is_file() else None


def load_vae(model: keras.Model | str | Path | None = None) -> keras.Model | None:
    """The VAE itself, loaded from ``model`` if it is a path; None if the file is missing."""
    return _load_model(model, default_vae_path())


def _missing_message(what: str, model: str | Path | None, default_path: Path, notebook: str,
                     saving_call: str, section: str) -> widgets.HTML:
    """What the reader sees instead of a widget when there is no trained ``what``: the
    path looked at, and which notebook cell saves the model."""
    path = Path(model) if model is not None else default_path
    return widgets.HTML(
        f"<b>No trained {what} at <code>{path}</code>.</b> Run <code>{notebook}</code> "
        f"from the top down to the cell that calls <code>{saving_call}</code> (section "
        f"“{section}”), with the same preset (<code>NOTEBOOK_PRESET={current_preset()}</code>), "
        f"then run this cell again.")


def missing_model_message(model: str | Path | None = None) -> widgets.HTML:
    """What the reader sees instead of a widget when there is no trained VAE."""
    return _missing_message("VAE", model, default_vae_path(), VAE_NOTEBOOK,
                            'helpers.save_model(vae, settings, "vae")', "Train the VAE")


def to_png(image: np.ndarray, scale: int = IMAGE_SCALE) -> bytes:
    """A 28x28 image in [0, 1] as PNG bytes, dark ink on white like the notebook's figures."""
    pixels = np.uint8(np.round(255 * (1 - np.clip(np.asarray(image).reshape(28, 28), 0, 1))))
    buffer = io.BytesIO()
    Image.fromarray(pixels).resize((28 * scale, 28 * scale), Image.NEAREST).save(buffer, "png")
    return buffer.getvalue()


def from_png(png: bytes, scale: int = IMAGE_SCALE) -> np.ndarray:
    """Inverse of ``to_png`` (to the nearest 1/255): for tests."""
    pixels = np.asarray(Image.open(io.BytesIO(png)))[::scale, ::scale]
    return 1 - pixels.astype("float32") / 255


def _image_widget(image: np.ndarray | None, css_class: str) -> widgets.Image:
    view = widgets.Image(format="png", width=28 * IMAGE_SCALE, height=28 * IMAGE_SCALE)
    if image is not None:
        view.value = to_png(image)
    view.add_class(css_class)
    return view


def _labelled(title: str, view: widgets.Widget) -> widgets.VBox:
    return widgets.VBox([widgets.HTML(f"<b>{title}</b>"), view],
                        layout=widgets.Layout(align_items="center"))


def _decode(vae: keras.Model, codings: np.ndarray) -> np.ndarray:
    # Calling the decoder directly skips predict's set-up: a few ms instead of ~50.
    outputs = vae.decoder(np.asarray(codings, "float32").reshape(1, -1), training=False)
    return keras.ops.convert_to_numpy(outputs)[0]


class ShortRepr:
    """A widget's plain-text form, what a page without its live state shows (GitHub, a
    notebook saved without widget state): one line, not the repr of every child."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}: interactive, run this notebook in JupyterLab to use it"


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
        self.ends = [_image_widget(None, f"vae-image-{name}") for name in "AB"]
        self.decoded_image = _image_widget(None, "vae-interpolation-decoded")
        self.blend_image = _image_widget(None, "vae-interpolation-blend")
        for dropdown, index in self.choosers:
            dropdown.observe(self._on_pick, names="value")
            index.observe(self._on_pick, names="value")
        self.slider.observe(self._on_slide, names="value")
        views = widgets.HBox([_labelled("image A", self.ends[0]),
                              _labelled("decoded (latent space)", self.decoded_image),
                              _labelled("pixel blend", self.blend_image),
                              _labelled("image B", self.ends[1])])
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
        self.decoded_image = _image_widget(None, "vae-latent-decoded")
        self._rng = np.random.default_rng(0)
        controls = widgets.VBox(self.sliders + [widgets.HBox([self.random_button,
                                                              self.reset_button])])
        super().__init__([widgets.HBox([controls, _labelled("decoded", self.decoded_image)])])
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
    vae = load_vae(model)
    if vae is None:
        return missing_model_message(model)
    if images is None or labels is None:
        from helpers.data import load_fashion_mnist

        data = load_fashion_mnist(train_size=1)
        images, labels = data.X_valid, data.y_valid
    return InterpolationWidget(vae, images, labels, class_names)


def latent_explorer(model: keras.Model | str | Path | None = None,
                    limit: float = 3.0) -> widgets.Widget:
    """Sliders over the coding dimensions (in ``[-limit, limit]``) that decode live."""
    vae = load_vae(model)
    if vae is None:
        return missing_model_message(model)
    return LatentExplorer(vae, limit)


# ---------------------------------------------------------------------------
# The conditional GAN of notebook 10: pick a class, move through latent space.

CGAN_NOTEBOOK = "notebooks/10_conditional_gans.ipynb"


def default_cgan_path(preset: str | None = None) -> Path:
    """Where notebook 10 saves its conditional GAN: ``models/<preset>/cgan.keras``."""
    return models_dir(preset or current_preset()) / "cgan.keras"


def load_cgan(model: keras.Model | str | Path | None = None) -> keras.Model | None:
    """The conditional GAN itself, loaded from ``model`` if it is a path; None if missing."""
    return _load_model(model, default_cgan_path())


def missing_cgan_message(model: str | Path | None = None) -> widgets.HTML:
    """What the reader sees instead of the explorer when there is no trained conditional GAN."""
    return _missing_message("conditional GAN", model, default_cgan_path(), CGAN_NOTEBOOK,
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
        self.image = _image_widget(None, "cgan-image")
        self.strip = [_image_widget(None, "cgan-strip-image") for _ in self.class_names]
        for view in self.strip:
            view.width = view.height = 28 * 2
        strip = widgets.HBox([widgets.VBox([widgets.HTML(f"<small>{name}</small>"), view],
                                           layout=widgets.Layout(align_items="center"))
                              for name, view in zip(self.class_names, self.strip)])
        controls = widgets.VBox(self.sliders + [self.new_button])
        super().__init__([self.class_picker,
                          widgets.HBox([controls, _labelled("generated", self.image)]),
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
        # Calling the generator directly skips predict's set-up: a few ms instead of ~50.
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
    """A class picker and two latent sliders over the conditional GAN of notebook 10.

    ``model`` is the ``ConditionalGAN`` or the path of its ``.keras`` file (default:
    the current preset's ``models/<preset>/cgan.keras``).
    """
    cgan = load_cgan(model)
    if cgan is None:
        return missing_cgan_message(model)
    return ConditionalGANExplorer(cgan, class_names, limit, seed)


# ---------------------------------------------------------------------------
# The StyleGAN of notebook 13: mix the styles of two codings at a chosen crossover.

STYLEGAN_NOTEBOOK = "notebooks/13_stylegan.ipynb"


def default_stylegan_path(preset: str | None = None) -> Path:
    """Where notebook 13 saves its StyleGAN: ``models/<preset>/stylegan.keras``."""
    return models_dir(preset or current_preset()) / "stylegan.keras"


def load_stylegan(model: keras.Model | str | Path | None = None) -> keras.Model | None:
    """The StyleGAN itself, loaded from ``model`` if it is a path; None if the file is missing."""
    return _load_model(model, default_stylegan_path())


def missing_stylegan_message(model: str | Path | None = None) -> widgets.HTML:
    """What the reader sees instead of the widget when there is no trained StyleGAN."""
    return _missing_message("StyleGAN", model, default_stylegan_path(), STYLEGAN_NOTEBOOK,
                            'helpers.fit_or_load(stylegan, settings, "stylegan", ...)',
                            "Train the StyleGAN")


class StyleMixingWidget(ShortRepr, widgets.VBox):
    """Two seeds pick codings A and B; the crossover slider says how many style inputs,
    coarsest first, come from A (the rest from B). The noise is drawn once and held
    fixed, so only the styles change what is shown."""

    def __init__(self, stylegan: keras.Model, seeds=(0, 1), crossover: int | None = None,
                 noise_seed: int = 0):
        self.generator = stylegan.generator
        n_styles = self.generator.n_styles
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
        self.crossover.observe(self._on_change, names="value")
        rng = np.random.default_rng(noise_seed)
        # One draw for the three images (A, mixed, B): their differences are the styles'.
        self.noise = [np.repeat(rng.normal(size=shape).astype("float32"), 3, axis=0)
                      for shape in self.generator.noise_shapes(1)]
        self.sources = [_image_widget(None, f"stylegan-source-{name}") for name in "ab"]
        self.mixed_image = _image_widget(None, "stylegan-mixed")
        self.explanation = widgets.HTML()
        views = widgets.HBox([_labelled("A", self.sources[0]),
                              _labelled("mixed", self.mixed_image),
                              _labelled("B", self.sources[1])])
        super().__init__([widgets.HBox(self.seed_sliders), self.crossover, self.explanation,
                          views])
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
        # Calling the generator directly skips predict's set-up: a few ms instead of ~50.
        images = keras.ops.convert_to_numpy(self.generator(self.per_style_codings(),
                                                           noise=self.noise))
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
                        crossover: int | None = None) -> widgets.Widget:
    """Seed pickers for two codings and a crossover slider over the StyleGAN of notebook 13.

    ``model`` is the ``StyleGAN`` or the path of its ``.keras`` file (default: the
    current preset's ``models/<preset>/stylegan.keras``).
    """
    stylegan = load_stylegan(model)
    if stylegan is None:
        return missing_stylegan_message(model)
    return StyleMixingWidget(stylegan, seeds, crossover)
