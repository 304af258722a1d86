"""Scale presets: how much work each notebook does.

One environment variable, ``NOTEBOOK_PRESET``, picks the preset for every
notebook: ``smoke`` (tests: tiny subsets, one or two epochs), ``default``
(a 2-core laptop CPU, a few minutes per notebook) or ``full`` (the book's
settings, for a GPU). Numbers that depend on the preset live here, never in
a notebook cell.

Usage::

    settings = preset_settings("stacked")
    settings.epochs
"""
from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

PRESET_VARIABLE = "NOTEBOOK_PRESET"
PRESETS = ("smoke", "default", "full", "long")
DEFAULT_PRESET = "default"

# One table per notebook: setting -> (smoke, default, full). The long preset is the
# default column with the overrides of LONG_RUN below.
# train_size None means the whole 55,000-image training set.
SETTINGS: dict[str, dict[str, tuple[Any, Any, Any]]] = {
    "pca": {
        "n_points": (60, 60, 60),
        "epochs": (500, 500, 500),
    },
    # helpers.evaluation: the sample-quality classifier (88 % test accuracy in default)
    # and how many images each Fréchet distance compares (more than its 128 features).
    "sample_quality": {
        "train_size": (2_000, None, None),
        "epochs": (1, 3, 5),
        "batch_size": (128, 128, 128),
        "n_samples": (500, 5_000, 10_000),
    },
    "stacked": {
        "train_size": (10_000, None, None),
        "epochs": (6, 10, 20),
        "batch_size": (128, 128, 32),
        "tsne_points": (500, 3_000, 5_000),
        # Each autoencoder's MSE must be below this times PCA's (smoke trains for seconds).
        "max_mse_vs_pca": (1.75, 1.0, 1.0),
        # The autoencoder's t-SNE map must keep the classes within this of PCA's map.
        "tsne_tolerance": (0.08, 0.03, 0.03),
        # Unsupervised pretraining: labelled-set sizes, seeds, gradient steps per run.
        "label_counts": ((100, 1_000), (100, 300, 1_000, 5_000), (100, 300, 1_000, 5_000)),
        "pretraining_seeds": ((0, 1), (0, 1, 2), (0, 1, 2, 3, 4)),
        "classifier_steps": (100, 400, 1_000),
        # Mean accuracies of pretrained and scratch classifiers must be this close.
        "pretraining_tolerance": (0.15, 0.03, 0.03),
        # Linear probe at the fewest labels: pretrained codings must beat an untrained
        # encoder's by this much (default measured +14 to +15 points; fails with untrained weights).
        "probe_min_gain": (0.05, 0.07, 0.07),
        "greedy_epochs": (3, 5, 10),
        "fine_tune_epochs": (3, 6, 10),
    },
    "conv": {
        "train_size": (2_000, None, None),
        "epochs": (4, 10, 10),
        "batch_size": (32, 64, 32),
        # The autoencoders' validation MSE may be at most this multiple of PCA-30's
        # (seconds of smoke training do not beat PCA; a model that ignores its coding scores ~5.5x).
        "max_mse_over_pca": (3.0, 1.0, 1.0),
        # ... and at most this multiple of the dense AE's trained with the same budget.
        "max_mse_over_dense": (2.0, 1.1, 1.1),
    },
    "recurrent": {
        "train_size": (2_000, None, None),
        "epochs": (3, 7, 10),
        "batch_size": (32, 64, 32),
        # The recurrent AE's validation MSE may be at most this multiple of PCA-30's
        # (seconds of smoke training do not beat PCA; a model that ignores its coding scores ~5.5x).
        "max_mse_over_pca": (3.5, 1.0, 1.0),
    },
    "denoising": {
        "train_size": (2_000, None, None),
        "epochs": (5, 10, 10),
        "batch_size": (32, 128, 32),
        # On the same noisy inputs, a denoiser's error must be below this fraction of
        # the plain (clean-trained) autoencoder's; smoke models are too blurry for a margin.
        "max_error_vs_plain": (1.0, 0.95, 0.95),
    },
    "sparse": {
        "train_size": (2_000, None, None),
        "epochs": (5, 10, 10),
        # The book's batch size: the KL loss's effective weight is beta / batch_size.
        "batch_size": (32, 32, 32),
    },
    # Notebook 07: semantic hashing. The collection searched is the training and validation
    # images; the queries are the first n_queries test images.
    "hashing": {
        "train_size": (5_000, None, None),
        "epochs": (10, 15, 30),
        "batch_size": (128, 128, 128),
        "n_queries": (1_000, 10_000, 10_000),
        "code_sizes": ((16, 32), (16, 32), (16, 32, 64)),  # the hashing autoencoders trained
        # Share of the 16-bit hashing codings within 0.1 of 0 or 1 must exceed this.
        "min_near_binary": (0.6, 0.85, 0.85),
        # The hashing codes' precision@10 must beat PCA-sign and random projections with the
        # same bits by this much (smoke trains for seconds: there only a collapse fails).
        "min_gain_over_baselines": (-0.2, 0.03, 0.03),
        # ... and longer codes must at least match PCA-sign (default measured +0.02 at 32 bits).
        "min_gain_longer_codes": (-0.2, 0.0, 0.0),
    },
    "vae": {
        "train_size": (5_000, None, None),
        "epochs": (3, 25, 25),
        "batch_size": (128, 128, 128),
        # A VAE trained for seconds (smoke) has codings that only roughly follow the prior.
        "latent_mean_tolerance": (0.75, 0.25, 0.25),
        "latent_variance_range": ((0.5, 2.0), (0.6, 1.4), (0.6, 1.4)),
        # Validation loss per pixel at most this many times the book's 0.0311.
        "max_ratio_to_book": (2.5, 1.1, 1.1),
        # Reconstruction MSE (sampled codings) at most this many times PCA's with 10 components.
        "max_ratio_to_pca": (2.5, 1.0, 1.0),
    },
    # The dense GAN of notebook 09: the book trains 50 epochs at batch 32 with RMSprop.
    "gan": {
        "train_size": (2_000, None, None),
        "epochs": (2, 15, 50),
        "batch_size": (32, 32, 32),
        "sample_every": (1, 5, 10),
        # The GAN's Fréchet distance must be below this times an untrained generator's
        # (default measured 0.68; 0.97 when the discriminator never learns).
        "max_ratio_to_untrained": (1.1, 0.85, 0.85),
    },
    # The conditional GAN of notebook 11 (notebook 10's DCGAN + one-hot class, projection
    # discriminator, mismatched pairs, RMSprop 2e-3).
    "cgan": {
        "train_size": (3_000, None, None),
        "epochs": (2, 3, 20),
        "batch_size": (64, 64, 64),
        "samples_per_class": (100, 1_000, 1_000),
        # The classifier's agreement with the requested class must be at least this
        # (a generator that ignores the label scores 10 %; the target is 90 %).
        "min_agreement": (0.2, 0.9, 0.9),
        # Fréchet distance at most this times an untrained generator's.
        "max_ratio_to_untrained": (1.0, 0.1, 0.1),
    },
    # The exercise notebooks 17 and 18 (and their solutions): the few trainings they do.
    "exercises": {
        "linear_steps": (1_000, 1_000, 1_000),  # full-batch steps of the linear autoencoder (01)
        "train_size": (3_000, 20_000, None),   # the denoising exercise
        "epochs": (3, 5, 10),
        "batch_size": (64, 64, 32),
        # The three book projects (5.5, 8.7, 12.7-12.8), each at most 5 minutes in default.
        "project_train_size": (2_000, None, None),  # 5.5: the unlabelled images
        "n_labels": (500, 500, 500),                # 5.5: the labelled images
        "dae_epochs": (1, 10, 20),
        "classifier_epochs": (10, 40, 40),           # on the 500 labels
        "project_vae_epochs": (1, 10, 50),
        "gan_train_size": (1_000, 20_000, None),
        "gan_epochs": (1, 3, 20),
        # What the checks ask. Smoke trains for seconds: there they only catch broken plumbing.
        "min_project_accuracy": (0.2, 0.65, 0.65),   # 5.5: each classifier on held-out images
        "min_pretraining_gain": (-1.0, 0.005, 0.005),  # 5.5: pretrained minus scratch accuracy
        "max_vae_ratio": (5.0, 1.0, 1.0),            # 8.7: distance over notebook 08's VAE's
        "min_project_entropy": (0.0, 1.8, 1.8),      # nats: no collapse onto a few classes
        "max_gan_ratio_to_untrained": (2.0, 0.15, 0.1),  # 12.7-12.8: distance over untrained's
        "min_class_agreement": (0.0, 0.8, 0.9),      # 12.8 (a generator ignoring the class: 10 %)
    },
    # The DCGAN of notebook 10 (the book's generator, half the book's discriminator, learning
    # rates decayed to 0 over `epochs`): the book trains 50 epochs at batch 32.
    "dcgan": {
        "train_size": (2_000, None, None),
        "epochs": (1, 5, 50),
        "batch_size": (64, 64, 32),
        "sample_every": (1, 2, 10),
        # The DCGAN's Fréchet distance must be below this times an untrained generator's
        # (default measured 0.022), and below this times the dense GAN's of notebook 09
        # (default 0.057; smoke trains both for seconds, so there only the first check bites).
        "max_ratio_to_untrained": (0.9, 0.1, 0.1),
        "max_ratio_to_dense": (2.0, 0.3, 0.3),
    },
    # Notebook 13: progressive growing GAN, 7x7 -> 14x14 -> 28x28 (equalized layers, pixel
    # norm, minibatch std-dev, fade-in over the first fade_share of each growth stage).
    "progan": {
        "train_size": (2_048, 16_000, None),
        "batch_size": (32, 32, 64),
        "filters": ((32, 16, 8), (64, 32, 16), (128, 64, 32)),  # at 7x7, 14x14, 28x28
        "stage_epochs": ((1, 1, 1), (1, 2, 5), (10, 10, 20)),  # at 7x7, 14x14, 28x28
        "fade_share": (0.5, 0.5, 0.5),
        # Fréchet distance at most this times an untrained generator's, and this times the
        # DCGAN's of notebook 10 (smoke trains both for seconds: there the checks are loose).
        # Default measured 0.13 and 2.5: the grown GAN trains on under half of the DCGAN's
        # images, so it may stay a few times further from real images, not ten.
        "max_ratio_to_untrained": (0.9, 0.3, 0.2),
        "max_ratio_to_dcgan": (2.0, 5.0, 1.0),
    },
    # Notebook 12: many short runs of notebook 09's dense GAN, every one with the same budget
    # (epochs x train_size images in batches of batch_size).
    "gan_difficulties": {
        "train_size": (4_000, 11_000, None),
        "epochs": (2, 10, 20),
        "batch_size": (128, 128, 128),
        "seeds": ((0,), (0, 1), (0, 1, 2)),
        "n_eval": (500, 2_000, 5_000),
        # (discriminator, generator) RMSprop learning rates swept besides the two of the
        # mode-collapse section.
        "sweep_rates": (((1e-4, 1e-3),), ((1e-4, 1e-3), (1e-2, 1e-3), (1e-3, 1e-2)),
                        ((1e-4, 1e-3), (1e-2, 1e-3), (1e-3, 1e-2))),
        # The collapsing run's class entropy must be below the healthy run's minus this
        # (default measured 0.69 against 1.61 nats).
        "collapse_margin": (0.0, 0.5, 0.5),
        # Every method's Fréchet distance must be below this times an untrained generator's
        # (default measured 0.22 to 0.47; minibatch discrimination with 10 kernels of 3
        # dimensions failed it for one seed of two).
        "max_ratio_to_untrained": (1.5, 0.9, 0.9),
    },
    # Notebook 14: StyleGAN (mapping network, AdaIN styles, noise, style mixing) with notebook
    # 09's discriminator plus a minibatch std-dev layer.
    "stylegan": {
        # Default: 50,000 of the 55,000 training images, so that 3 epochs (2,346 steps) fit
        # the notebook in 5 minutes on a 2-core CPU.
        "train_size": (2_000, 50_000, None),
        "epochs": (1, 3, 50),
        "batch_size": (64, 64, 32),
        "codings_size": (32, 64, 256),
        "w_size": (32, 64, 256),
        "mapping_depth": (2, 4, 8),  # the paper's mapping network has 8 layers
        "filters": ((16, 8, 8), (64, 32, 16), (256, 128, 64)),  # at 7x7, 14x14, 28x28
        "sample_every": (1, 1, 10),
        # Decay of the generator's moving average to sample from (0: the last weights); it
        # averages over about 1 / (1 - decay) steps. Measured over 3 epochs of all 55,000
        # images (seeds 42 and 7): 9.43 and 10.56 at 0.99, 10.26 (seed 42) at 0.999, the last
        # weights 9.15 and 13.60; of 50,000 images at 0.99: 9.20 and 10.25.
        "ema_decay": (0.9, 0.99, 0.999),
        "n_check": (200, 1_000, 1_000),  # codings for the noise and style-mixing checks
        # Changing only the noise must leave at least this share of predicted classes as
        # they were, and this much more than a new coding leaves.
        "min_same_class_under_noise": (0.7, 0.7, 0.8),
        "min_noise_class_margin": (0.1, 0.3, 0.3),
        # Swapping the 7x7 styles must change the predicted class this much more often than
        # swapping the 28x28 ones (smoke's 32 steps leave the levels untrained: not checked).
        "min_mixing_gap": (-1.0, 0.1, 0.1),
        # Fréchet distance at most this times an untrained generator's.
        "max_ratio_to_untrained": (0.9, 0.5, 0.2),
    },
    # Notebook 15: denoising diffusion (a U-Net predicting the noise, cosine schedule of
    # n_steps, a moving average of its weights), sampled with DDPM and DDIM. Default measured
    # on a 2-core CPU: 16-32-32 channels train at about 145 s per epoch at batch 64.
    "diffusion": {
        "train_size": (2_000, None, None),
        "epochs": (1, 2, 30),
        "batch_size": (64, 64, 128),
        "widths": ((8, 16, 16), (16, 32, 32), (64, 128, 128)),  # channels at 28, 14, 7 pixels
        "embedding_dim": (16, 32, 128),
        "n_steps": (50, 200, 1_000),  # T
        "learning_rate": (2e-3, 2e-3, 1e-3),
        "ema_decay": (0.99, 0.999, 0.9999),
        # The samples the metric judges: how many, DDIM steps and fresh noise (eta = 0:
        # deterministic; 1: as much as DDPM's posterior). 2,000 fit the default budget.
        "n_metric_samples": (200, 2_000, 5_000),
        "sampling_steps": (10, 50, 100),
        "sampling_eta": (1.0, 1.0, 1.0),
        "n_check_images": (100, 300, 2_000),  # validation images for the noise-MSE check
        "n_check_samples": (200, 250, 2_000),  # samples for the EMA and broken-sampler checks
        "check_sampling_steps": (10, 25, 50),  # their DDIM steps (eta = 0)
        "table_steps": ((5, 10), (10, 25, 50), (10, 25, 50, 100, 250)),  # eta = 0
        "n_table_samples": (200, 200, 2_000),
        "max_loss": (0.95, 0.2, 0.1),  # the last epoch's noise MSE (predicting zeros: 1)
        # Told t = 0 at the last step, the noise MSE must be at least this times the right
        # step's (smoke's 32 training steps have not learned to read t: not checked).
        "min_wrong_step_ratio": (0.0, 2.0, 2.0),
        # Fréchet distance at most this times an untrained network's; a broken sampler's at
        # least this times the right one's; a walk's largest step at most this share of it.
        "max_ratio_to_untrained": (0.95, 0.3, 0.2),
        "min_broken_ratio": (1.02, 3.0, 3.0),  # the sign flipped
        "min_zero_step_ratio": (0.0, 3.0, 3.0),  # told t = 0 (smoke: not checked, as above)
        "max_walk_step": (0.9, 0.5, 0.5),
        "must_beat_vae": (False, True, True),  # notebook 08's (smoke trains too little)
    },
    # Notebook 16: the same model given the class (hidden for class_dropout of each batch),
    # sampled with classifier-free guidance.
    "guided_diffusion": {
        "train_size": (1_000, None, None),  # smoke checks only the plumbing (see below)
        "epochs": (1, 2, 30),
        "batch_size": (64, 64, 128),
        "widths": ((8, 16, 16), (16, 32, 32), (64, 128, 128)),
        "embedding_dim": (16, 32, 128),
        "n_steps": (50, 200, 1_000),
        "learning_rate": (2e-3, 2e-3, 1e-3),
        "ema_decay": (0.99, 0.999, 0.9999),
        "class_dropout": (0.2, 0.2, 0.1),
        "sampling_steps": (10, 25, 50),
        "sampling_eta": (1.0, 1.0, 1.0),  # for the measured trade-off (figures: 0)
        # The weight of the figures and the widget (measured: at least 90 % class agreement
        # from w = 5 on, and the Fréchet distance lowest near it), and the weights measured.
        "guidance": (5.0, 5.0, 5.0),
        "guidance_weights": ((0.0, 5.0), (0.0, 1.0, 3.0, 5.0, 7.0),
                             (0.0, 1.0, 2.0, 3.0, 5.0, 7.0)),
        "samples_per_class": (20, 50, 500),
        # Class agreement at `guidance` at least this (a model that ignores the class: 10 %),
        # and at least this much above w = 0's (smoke's 32 steps learn no class: not checked).
        "min_agreement": (0.0, 0.9, 0.9),
        "min_guidance_gain": (-1.0, 0.1, 0.1),
    },
}

# The long preset: the default settings, except that the DCGAN, the progressive GAN and the
# StyleGAN train longer (their notebooks took 23, 39 and 45 minutes on a 2-core CPU). Their
# generators ship in pretrained/ (tools/train_long.py; pretrained/manifest.json has the numbers).
LONG_RUN: dict[str, dict[str, Any]] = {
    "dcgan": {"epochs": 30, "sample_every": 10},
    "progan": {"train_size": None, "stage_epochs": (2, 4, 12)},
    "stylegan": {"train_size": None, "epochs": 25, "sample_every": 5, "ema_decay": 0.999},
}
LONG_PRESET = "long"


class PresetError(ValueError):
    """An unknown preset name or notebook key."""


class Settings(Mapping):
    """Read-only settings with attribute access: ``settings.epochs``."""

    def __init__(self, notebook: str, preset: str, values: dict[str, Any]):
        self._notebook, self._preset, self._values = notebook, preset, dict(values)

    def __getattr__(self, name: str) -> Any:
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(
                f"No setting {name!r} for notebook {self._notebook!r}; "
                f"known settings: {', '.join(self._values)}"
            ) from None

    def __getitem__(self, key: str) -> Any:
        return self._values[key]

    def __iter__(self):
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __repr__(self) -> str:
        items = ", ".join(f"{key}={value!r}" for key, value in self._values.items())
        return f"Settings({self._notebook!r}, preset={self._preset!r}: {items})"

    @property
    def preset(self) -> str:
        return self._preset

    def describe(self) -> str:
        """One line per setting, as a notebook prints them."""
        width = max(len(key) for key in self._values)
        lines = [f"  {key:<{width}} = {self._show(value)}" for key, value in self._values.items()]
        return "\n".join(lines)

    @staticmethod
    def _show(value: Any) -> str:
        return "all" if value is None else f"{value:,}" if isinstance(value, int) else repr(value)


def current_preset() -> str:
    """The preset named by ``$NOTEBOOK_PRESET`` (``default`` when unset)."""
    preset = os.environ.get(PRESET_VARIABLE, "").strip().lower() or DEFAULT_PRESET
    if preset not in PRESETS:
        raise PresetError(
            f"{PRESET_VARIABLE}={os.environ[PRESET_VARIABLE]!r} is not a preset. "
            f"Use one of: {', '.join(PRESETS)} (for example `export {PRESET_VARIABLE}=smoke`)."
        )
    return preset


def preset_settings(notebook: str, preset: str | None = None) -> Settings:
    """The settings of ``notebook`` in ``preset`` (the current preset by default)."""
    if notebook not in SETTINGS:
        raise PresetError(f"No settings for notebook {notebook!r}; known: {', '.join(SETTINGS)}")
    preset = current_preset() if preset is None else preset
    if preset not in PRESETS:
        raise PresetError(f"{preset!r} is not a preset. Use one of: {', '.join(PRESETS)}.")
    column = PRESETS.index(DEFAULT_PRESET if preset == LONG_PRESET else preset)
    values = {key: row[column] for key, row in SETTINGS[notebook].items()}
    if preset == LONG_PRESET:
        values.update(LONG_RUN.get(notebook, {}))
    return Settings(notebook, preset, values)
