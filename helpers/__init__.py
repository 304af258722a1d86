"""Plumbing for the chapter-17 notebooks: data, presets, seeds, plots, layers.

Usage::

    import helpers
    settings = helpers.setup("stacked")
    data = helpers.load_fashion_mnist(train_size=settings.train_size)
"""
from helpers.session import SEED, set_seeds, setup  # first: quiets TensorFlow's logs
from helpers.classes import add_to_class
from helpers.data import CLASS_NAMES, FashionMNIST, FashionMNISTError, load_fashion_mnist
from helpers.presets import PRESETS, PresetError, Settings, current_preset, preset_settings
from helpers.plotting import (plot_codings_2d, plot_history, plot_image_grid, plot_image_rows,
                              plot_reconstructions)
from helpers.metrics import pca_mse, reconstruction_mse
from helpers.sample_quality import (SampleQuality, class_entropy, class_histogram,
                                    classifier_path, frechet_distance,
                                    load_or_train_classifier, plot_class_histogram,
                                    reference_distances, sample_quality_report)
from helpers.tables import markdown_table, print_layer_table, show_table
from helpers.training import (fit_or_load, load_saved, model_path, resumable, retrain_requested,
                              save_model, shown_path)
from helpers.regularizers import KLDivergenceRegularizer
from helpers import layers
from helpers import cgan, gan, vae, widgets  # cgan, gan, vae register classes for load_model
from helpers import gan_tricks  # registers the replay and WGAN-GP models
from helpers import stylegan  # registers StyleGenerator and StyleGAN
from helpers import progan  # registers FadeIn (progressive growing)

__all__ = [
    "SEED", "set_seeds", "setup",
    "add_to_class",
    "CLASS_NAMES", "FashionMNIST", "FashionMNISTError", "load_fashion_mnist",
    "PRESETS", "PresetError", "Settings", "current_preset", "preset_settings",
    "plot_codings_2d", "plot_history", "plot_image_grid", "plot_image_rows",
    "plot_reconstructions",
    "pca_mse", "reconstruction_mse",
    "SampleQuality", "class_entropy", "class_histogram", "classifier_path",
    "frechet_distance", "load_or_train_classifier", "plot_class_histogram",
    "reference_distances", "sample_quality_report",
    "markdown_table", "print_layer_table", "show_table",
    "fit_or_load", "load_saved", "model_path", "resumable", "retrain_requested", "save_model",
    "shown_path",
    "KLDivergenceRegularizer",
    "layers",
    "cgan", "gan", "vae", "widgets",
    "gan_tricks",
    "stylegan",
    "progan",
]
