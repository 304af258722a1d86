"""Interactive views (ipywidgets) of the trained VAE (notebook 08), conditional GAN
(notebook 11), StyleGAN (notebook 14) and class-conditional diffusion model, built
by functions so that tests can drive them without a browser.

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
from helpers.widgets.common import ShortRepr, TrainedModel, to_png
from helpers.widgets.vae import (VAE_MODEL, InterpolationWidget, LatentExplorer,
                                 interpolation_widget, latent_explorer)
from helpers.widgets.cgan import CGAN_MODEL, ConditionalGANExplorer, cgan_explorer
from helpers.widgets.stylegan import STYLEGAN_MODEL, StyleMixingWidget, style_mixing_widget
from helpers.widgets.diffusion import DIFFUSION_MODEL, DiffusionExplorer, diffusion_explorer

__all__ = [
    "ShortRepr", "TrainedModel", "to_png",
    "VAE_MODEL", "InterpolationWidget", "LatentExplorer", "interpolation_widget",
    "latent_explorer",
    "CGAN_MODEL", "ConditionalGANExplorer", "cgan_explorer",
    "STYLEGAN_MODEL", "StyleMixingWidget", "style_mixing_widget",
    "DIFFUSION_MODEL", "DiffusionExplorer", "diffusion_explorer",
]
