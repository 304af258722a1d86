"""Side-by-side timing of U-Net sizes: training seconds per epoch (55,000 images) and sampling
milliseconds per image-step. Usage: python drafts/time_unet.py"""
import time

import numpy as np

import helpers  # noqa: F401 (quiet TF)
import keras
from helpers.diffusion import Diffusion, build_unet, cosine_betas, predict_noise

CONFIGS = {"16-32-32/32": ((16, 32, 32), 32), "16-32-64/64": ((16, 32, 64), 64),
           "32-64-64/64": ((32, 64, 64), 64), "24-48-64/64": ((24, 48, 64), 64)}
x = np.random.default_rng(0).uniform(0, 1, (128 * 40, 28, 28, 1)).astype("float32")
noise = np.random.default_rng(1).standard_normal((500, 28, 28, 1)).astype("float32")
for name, (widths, dim) in CONFIGS.items():
    keras.utils.set_random_seed(0)
    network = build_unet(widths, dim)
    model = Diffusion(network, cosine_betas(200), seed=0)
    model.compile(optimizer=keras.optimizers.Adam(1e-3))
    model.fit(x[:128 * 5], batch_size=128, epochs=1, verbose=0)  # warm-up, tracing
    start = time.perf_counter()
    model.fit(x, batch_size=128, epochs=1, verbose=0)
    per_step = (time.perf_counter() - start) / 40
    predict_noise(model.ema_network, noise, 10)
    start = time.perf_counter()
    for t in range(5):
        predict_noise(model.ema_network, noise, t)
    per_image_step = (time.perf_counter() - start) / 5 / 500
    print(f"{name:>12}: {network.count_params():>8,} params; train {per_step * 430:.0f} s/epoch "
          f"(batch 128); sample {per_image_step * 1e3:.2f} ms per image-step "
          f"(5,000 images x 25 steps: {per_image_step * 5000 * 25:.0f} s)", flush=True)
