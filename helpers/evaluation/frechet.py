"""The Fréchet distance between two sets of features (the FID's formula, on the
sample-quality classifier's features instead of Inception's).

Usage: ``frechet_distance(features(classifier, fakes), features(classifier, reals))``
"""
from __future__ import annotations

import warnings

import numpy as np
import scipy.linalg

# Largest imaginary part of sqrt(S_a S_b), relative to its largest real entry, put down
# to round-off (the reference FID code tolerates 1e-3 too).
IMAGINARY_TOLERANCE = 1e-3


def frechet_distance(features_a: np.ndarray, features_b: np.ndarray, eps: float = 1e-6) -> float:
    """Fréchet distance between Gaussians fitted to two feature sets (n, d):
    ||mu_a - mu_b||^2 + Tr(S_a + S_b - 2 (S_a S_b)^(1/2)).

    Usage: ``frechet_distance(features(classifier, fakes), features(classifier, reals))``
    """
    features_a, features_b = np.asarray(features_a, np.float64), np.asarray(features_b, np.float64)
    for name, values in (("features_a", features_a), ("features_b", features_b)):
        if values.ndim != 2:
            raise ValueError(f"Expected {name} of shape (n_samples, n_features), "
                             f"got {values.shape}")
        if not np.isfinite(values).all():
            raise ValueError(f"{name} contain NaN or infinite values")
        # With n <= d samples the covariance is singular: the distance would mostly
        # measure how few samples there are, not how good they are.
        if len(values) <= values.shape[1]:
            raise ValueError(f"{name} has {len(values)} samples but {values.shape[1]} features: "
                             f"a covariance needs more samples than the feature size "
                             f"(use at least {values.shape[1] + 1}, thousands for a stable "
                             f"number)")
    if features_a.shape[1] != features_b.shape[1]:
        raise ValueError(f"The feature sets differ in size: {features_a.shape[1]} vs "
                         f"{features_b.shape[1]}")
    mean_a, mean_b = features_a.mean(axis=0), features_b.mean(axis=0)
    cov_a = np.cov(features_a, rowvar=False)
    cov_b = np.cov(features_b, rowvar=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error", scipy.linalg.LinAlgWarning)
        try:
            covmean = scipy.linalg.sqrtm(cov_a @ cov_b)
            singular = not np.isfinite(covmean).all()
        except scipy.linalg.LinAlgWarning:
            singular = True
    if singular:
        # Dead ReLU units give zero rows/columns, hence a singular product: nudge
        # both covariances off singularity, as the reference FID code does.
        offset = eps * np.eye(len(cov_a))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", scipy.linalg.LinAlgWarning)
            covmean = scipy.linalg.sqrtm((cov_a + offset) @ (cov_b + offset))
    # The square root of a product of PSD matrices is real: round-off leaves a tiny
    # imaginary part, which we drop; a large one means the covariances are broken.
    if np.iscomplexobj(covmean):
        imaginary = float(np.abs(covmean.imag).max())
        if imaginary > IMAGINARY_TOLERANCE * max(1.0, float(np.abs(covmean.real).max())):
            raise ValueError(f"The matrix square root has an imaginary part of {imaginary:.3g}: "
                             f"the covariances are not positive semi-definite (NaN or "
                             f"constant features?), so there is no distance to report")
        covmean = covmean.real
    distance = (np.sum((mean_a - mean_b) ** 2)
                + np.trace(cov_a) + np.trace(cov_b) - 2 * np.trace(covmean))
    # Round-off can make identical sets come out at -1e-12.
    return float(max(distance, 0.0))
