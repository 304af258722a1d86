"""The chapter-17 notebooks' shared code: one module per lesson, evaluation, widgets.

- Lesson modules hold what a notebook teaches and later notebooks reuse, written
  from its ``#@save`` cells by ``tools/sync_saved_cells.py``: ``autoencoders``
  (02, 06), ``vae`` (08), ``gan`` (09), ``cgan`` (11), ``gan_training`` (12),
  ``progan`` (13), ``stylegan`` (14), ``diffusion`` (15).
- ``evaluation``: reconstruction errors, and sample quality (classifier, Fréchet
  distance, references, report; the long-run generators of ``pretrained/``).
- ``widgets`` and ``exercises``: the interactive views and the exercise checks.
- ``support``: plumbing (session, presets, paths, data, training, plots, tables).

Importing the package imports TensorFlow quietly (so it comes before ``import
keras``) and registers every custom class, so saved ``.keras`` files reload in
safe mode. The names the notebooks call are re-exported here.

Usage::

    import helpers
    settings = helpers.setup("stacked")
    data = helpers.load_fashion_mnist(train_size=settings.train_size)
"""
from helpers.support.session import SEED, set_seeds, setup  # first: quiets TensorFlow's logs
from helpers.support.classes import add_to_class
from helpers.support.data import CLASS_NAMES, FashionMNIST, FashionMNISTError, load_fashion_mnist
from helpers.support.presets import (PRESETS, PresetError, Settings, current_preset,
                                     preset_settings)
from helpers.support.plotting import (plot_codings_2d, plot_history, plot_image_grid,
                                      plot_image_rows, plot_reconstructions)
from helpers.support.tables import describe_optimizer, markdown_table, print_layer_table, show_table
from helpers.support.training import (fit_or_load, load_saved, model_path, resumable,
                                      retrain_requested, save_model, shown_path)
from helpers.evaluation import (SampleQuality, class_entropy, class_histogram, classifier_path,
                                frechet_distance, load_or_train_classifier, pca_mse,
                                plot_class_histogram, reconstruction_mse, reference_distances,
                                sample_quality_report, long_run_report)
from helpers.support.pretrained import load_pretrained, pretrained_info
# The lesson modules register their classes for keras.models.load_model.
from helpers import autoencoders, vae, gan, cgan, gan_training, progan, stylegan, diffusion
from helpers import evaluation, exercises, widgets

__all__ = [
    "SEED", "set_seeds", "setup",
    "add_to_class",
    "CLASS_NAMES", "FashionMNIST", "FashionMNISTError", "load_fashion_mnist",
    "PRESETS", "PresetError", "Settings", "current_preset", "preset_settings",
    "plot_codings_2d", "plot_history", "plot_image_grid", "plot_image_rows",
    "plot_reconstructions",
    "describe_optimizer", "markdown_table", "print_layer_table", "show_table",
    "fit_or_load", "load_saved", "model_path", "resumable", "retrain_requested", "save_model",
    "shown_path",
    "SampleQuality", "class_entropy", "class_histogram", "classifier_path",
    "frechet_distance", "load_or_train_classifier", "pca_mse", "plot_class_histogram",
    "reconstruction_mse", "reference_distances", "sample_quality_report", "long_run_report",
    "load_pretrained", "pretrained_info",
    "autoencoders", "vae", "gan", "cgan", "gan_training", "progan", "stylegan", "diffusion",
    "evaluation", "exercises", "widgets",
]
