"""Judge a generator shipped in ``pretrained/`` the way the notebooks judge their own:
the same codings (seed ``SEED + 2``), the same classifier, the same real images.

Usage: ``report = long_run_report("stylegan", classifier, data)  # None if not shipped``
(and ``show_long_run_comparison`` for the notebooks' table beside the default run)
"""
from __future__ import annotations

import keras
import numpy as np

from helpers.evaluation.classifier import FULL_TRAIN_SIZE, SEED
from helpers.evaluation.report import SampleQuality, sample_quality_report
from helpers.support.data import FashionMNIST
from helpers.support.presets import DEFAULT_PRESET, LONG_PRESET, preset_settings
from helpers.support.pretrained import load_pretrained, pretrained_info
from helpers.support.tables import show_table

# The manifest's distance, measured once with 5,000 samples, must be met within this share
# (StyleGAN draws new noise each call, so its distance moves by about 1 %).
MANIFEST_TOLERANCE = 0.05


def generate(generator: keras.Model, codings: np.ndarray, batch_size: int = 250) -> np.ndarray:
    """The generator's images for ``codings``, in batches, as a NumPy array."""
    return np.concatenate([keras.ops.convert_to_numpy(generator(codings[start:start + batch_size]))
                           for start in range(0, len(codings), batch_size)])


def generator_report(generator: keras.Model, classifier: keras.Model | None = None,
                     data: FashionMNIST | None = None, label: str = "generated images",
                     verbose: bool = True) -> SampleQuality:
    """The sample-quality report of ``generator`` on the preset's number of codings drawn
    as the notebooks draw theirs (seed ``SEED + 2``)."""
    n_samples = preset_settings("sample_quality").n_samples
    codings_size = getattr(generator, "codings_size", None) or generator.input_shape[-1]
    codings = keras.ops.convert_to_numpy(
        keras.random.normal((n_samples, codings_size), seed=SEED + 2))
    return sample_quality_report(generate(generator, codings), classifier, data, label=label,
                                 verbose=verbose)


def long_run_report(name: str, classifier: keras.Model, data: FashionMNIST | None = None,
                    verbose: bool = True) -> SampleQuality | None:
    """The sample-quality report of the long-run generator ``name`` ("dcgan", "progan",
    "stylegan"), or None when ``pretrained/`` does not hold it. With the manifest's number
    of samples, the distance must match the manifest's (the file is the one measured)."""
    generator = load_pretrained(name)
    if generator is None:
        return None
    report = generator_report(generator, classifier, data, f"long-run {name}", verbose)
    expected = pretrained_info(name)
    if report.n_samples == expected["n_samples"]:
        gap = abs(report.distance - expected["frechet_distance"]) / expected["frechet_distance"]
        if gap > MANIFEST_TOLERANCE:
            raise AssertionError(
                f"The long-run {name} scores {report.distance:.2f} here but "
                f"{expected['frechet_distance']:.2f} in pretrained/manifest.json: the "
                f"classifier or the real images differ from those it was measured with.")
    return report


def training_images(notebook: str, preset: str) -> int:
    """Images seen in training by ``notebook``'s model under ``preset`` (every stage of the
    progressive GAN)."""
    settings = preset_settings(notebook, preset)
    size = settings.train_size or FULL_TRAIN_SIZE
    return size * (sum(settings.stage_epochs) if "stage_epochs" in settings else settings.epochs)


def long_minutes(name: str) -> str:
    """The long-run notebook's minutes, from the manifest: wall-clock / CPU (both cores)."""
    info = pretrained_info(name)
    return f"{info['notebook_wall_minutes']:.0f} / {info['notebook_cpu_minutes']:.0f} min"


def show_long_run_comparison(name: str, label: str, report: SampleQuality,
                             long_report: SampleQuality, dcgan_report: SampleQuality | None,
                             preset: str) -> None:
    """A table of this run's generator ``name`` beside its long run, notebook 10's DCGAN
    (``dcgan_report``, when there is one) and, in the default preset, the long-run DCGAN.

    Usage: ``show_long_run_comparison("stylegan", "StyleGAN", report, long_report, None, "default")``
    """
    rows = [(f"{label} (this notebook)", f"{training_images(name, preset):,}",
             report.distance, report.entropy),
            (f"{label}, long run", f"{training_images(name, LONG_PRESET):,}, {long_minutes(name)}",
             long_report.distance, long_report.entropy)]
    if dcgan_report is not None:
        rows.append(("DCGAN (notebook 10)", f"{training_images('dcgan', preset):,}",
                     dcgan_report.distance, dcgan_report.entropy))
    # The long-run DCGAN is notebook 10's to measure; its manifest numbers were measured with
    # the default preset's classifier and sample count, so they join only that table.
    dcgan_info = pretrained_info("dcgan")
    if dcgan_info is not None and preset == DEFAULT_PRESET:
        rows.append(("DCGAN, long run (its manifest)",
                     f"{training_images('dcgan', LONG_PRESET):,}, {long_minutes('dcgan')}",
                     dcgan_info["frechet_distance"], dcgan_info["class_entropy"]))
    show_table(["generator", "training images (minutes: wall / CPU)", "Fréchet distance",
                "class entropy (nats)"],
               [(row_label, images, f"{d:.2f}", f"{h:.2f}") for row_label, images, d, h in rows])
