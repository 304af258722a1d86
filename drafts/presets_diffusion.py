# Draft preset tables for notebooks 15 and 16 (paste into SETTINGS in helpers/support/presets.py)
    # Notebook 15: denoising diffusion (a U-Net predicting the noise, cosine schedule of
    # n_steps, a moving average of its weights), sampled with DDPM and DDIM.
    "diffusion": {
        "train_size": (2_000, None, None),
        "epochs": (1, 2, 30),
        "batch_size": (64, 128, 128),
        "widths": ((8, 16, 16), (32, 64, 64), (64, 128, 128)),  # channels at 28, 14, 7 pixels
        "embedding_dim": (16, 64, 128),
        "n_steps": (50, 200, 1_000),  # T
        "learning_rate": (2e-3, 2e-3, 1e-3),
        "ema_decay": (0.99, 0.999, 0.9999),
        "sampling_steps": (10, 25, 50),  # DDIM steps for the samples the metric judges
        "n_check_images": (200, 1_000, 2_000),  # validation images for the noise-MSE check
        "n_check_samples": (200, 1_000, 2_000),  # samples for the EMA and broken-sampler checks
        "table_steps": ((5, 10), (10, 25, 50, 100), (10, 25, 50, 100, 250)),
        "n_table_samples": (100, 500, 2_000),
        # Fréchet distance at most this times an untrained network's; a broken sampler's at
        # least this times the right one's; a walk's largest step at most this share of it.
        "max_ratio_to_untrained": (0.9, 0.3, 0.2),
        "min_broken_ratio": (1.1, 2.0, 2.0),
        "max_walk_step": (0.9, 0.5, 0.5),
    },
    # Notebook 16: the same model given the class (hidden for class_dropout of each batch),
    # sampled with classifier-free guidance.
    "guided_diffusion": {
        "train_size": (2_000, None, None),
        "epochs": (1, 2, 30),
        "batch_size": (64, 128, 128),
        "widths": ((8, 16, 16), (32, 64, 64), (64, 128, 128)),
        "embedding_dim": (16, 64, 128),
        "n_steps": (50, 200, 1_000),
        "learning_rate": (2e-3, 2e-3, 1e-3),
        "ema_decay": (0.99, 0.999, 0.9999),
        "class_dropout": (0.2, 0.2, 0.1),
        "sampling_steps": (10, 25, 50),
        "guidance": (3.0, 3.0, 3.0),  # the weight of the figures and the widget
        "guidance_weights": ((0.0, 1.0, 3.0), (0.0, 1.0, 2.0, 3.0, 5.0, 7.0),
                             (0.0, 1.0, 2.0, 3.0, 5.0, 7.0)),
        "samples_per_class": (10, 50, 500),
        # Class agreement at `guidance` at least this (a model that ignores the class: 10 %).
        "min_agreement": (0.15, 0.9, 0.9),
    },
