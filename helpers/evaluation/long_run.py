"""Judge a generator shipped in ``pretrained/`` the way the notebooks judge their own:
the same codings (seed ``SEED + 2``), the same classifier, the same real images.

Usage: ``report = long_run_report("stylegan", classifier, data)  # None if not shipped``
"""
from __future__ import annotations

import keras
import numpy as np

from helpers.evaluation.classifier import SEED
from helpers.evaluation.report import SampleQuality, sample_quality_report
from helpers.support.data import FashionMNIST
from helpers.support.presets import preset_settings
from helpers.support.pretrained import load_pretrained, pretrained_info

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
