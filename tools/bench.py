"""Side-by-side speed measurements, printed as ratios from one run.

Usage: ``make bench`` (or ``.venv/bin/python tools/bench.py --images 20000``)

These machines are noisy, so each configuration is timed in alternation
over several rounds and compared with the median; only ratios measured in
the same run mean anything. It answers the questions the presets depend on:
how much a larger batch helps, whether XLA (``jit_compile``) does, and how
quickly the widgets redraw. The models are the notebooks' own: the cell
tagged ``bench:<name>`` is run and its ``<name>`` variable used.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import helpers  # first: it imports TensorFlow quietly

import keras  # noqa: E402
import nbformat  # noqa: E402
import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def notebook_model(notebook: str, name: str) -> keras.Model:
    """Run the cell of ``notebooks/<notebook>.ipynb`` tagged ``bench:<name>``; return ``name``."""
    path = ROOT / "notebooks" / f"{notebook}.ipynb"
    for cell in nbformat.read(path, as_version=4).cells:
        if f"bench:{name}" in cell.metadata.get("tags", []):
            namespace = {"keras": keras, "helpers": helpers, "np": np}
            exec(cell.source, namespace)  # noqa: S102  (our own notebook's model cell)
            return keras.models.clone_model(namespace[name])  # fresh weights each time
    raise LookupError(f"no cell tagged bench:{name} in {path.relative_to(ROOT)}")


CONFIGS = {  # name -> (notebook, model variable, batch size, XLA)
    "stacked, batch 32": ("02_stacked_autoencoders", "stacked_ae", 32, False),
    "stacked, batch 128": ("02_stacked_autoencoders", "stacked_ae", 128, False),
    "stacked, batch 128, XLA": ("02_stacked_autoencoders", "stacked_ae", 128, True),
    "conv, batch 128": ("03_convolutional_autoencoders", "conv_ae", 128, False),
    "conv, batch 128, XLA": ("03_convolutional_autoencoders", "conv_ae", 128, True),
}
RATIOS = [("batch 32 / batch 128 (stacked)", "stacked, batch 32", "stacked, batch 128"),
          ("XLA / plain (stacked, batch 128)", "stacked, batch 128, XLA", "stacked, batch 128"),
          ("XLA / plain (conv, batch 128)", "conv, batch 128, XLA", "conv, batch 128")]


def epoch_seconds(model: keras.Model, batch_size: int, jit: bool, images) -> float:
    model.compile(loss="mse", optimizer="nadam", jit_compile=jit)
    model.fit(images[:batch_size * 4], images[:batch_size * 4], batch_size=batch_size,
              epochs=1, verbose=0)  # warm-up: tracing and compilation are not the epoch
    start = time.perf_counter()
    model.fit(images, images, batch_size=batch_size, epochs=1, verbose=0)
    return time.perf_counter() - start


def widget_latencies(images, labels) -> dict[str, float]:
    """Median seconds from a slider change to the new image, for each VAE widget."""
    vae = helpers.widgets.load_vae(helpers.widgets.default_vae_path("default"))
    if vae is None:  # no trained VAE yet: the tests' small one has the same structure
        sys.path.insert(0, str(ROOT / "tests"))
        from vae_models import small_vae

        vae = small_vae(coding_size=10)
    interpolation = helpers.widgets.InterpolationWidget(vae, images, labels)
    explorer = helpers.widgets.LatentExplorer(vae)
    sliders = {"interpolation widget": (interpolation.slider, np.linspace(0, 1, 41)),
               "latent explorer": (explorer.sliders[0], np.linspace(-3, 3, 41))}
    medians = {}
    for name, (slider, values) in sliders.items():
        durations = []
        for value in values:
            start = time.perf_counter()
            slider.value = float(value)  # the observer redraws synchronously, as in a kernel
            durations.append(time.perf_counter() - start)
        medians[name] = statistics.median(durations)
    return medians


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=10_000, help="training images per epoch")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    helpers.set_seeds()
    data = helpers.load_fashion_mnist(train_size=args.images)
    models = {name: notebook_model(notebook, variable)
              for name, (notebook, variable, _, _) in CONFIGS.items()}
    times: dict[str, list[float]] = {name: [] for name in CONFIGS}
    for round_index in range(args.rounds):
        for name, (_, _, batch_size, jit) in CONFIGS.items():
            model = keras.models.clone_model(models[name])
            times[name].append(epoch_seconds(model, batch_size, jit, data.X_train))
        print(f"round {round_index + 1}/{args.rounds} done", flush=True)
    medians = {name: statistics.median(values) for name, values in times.items()}
    print(f"\nMedian seconds per epoch of {args.images:,} images, and ratios:")
    for name, seconds in medians.items():
        print(f"  {name:<26} {seconds:6.2f} s")
    for label, slower, faster in RATIOS:
        print(f"  {label:<34} {medians[slower] / medians[faster]:.2f}x")
    print("\nWidgets, slider change to new image (median of 41 moves; target 100 ms):")
    for name, seconds in widget_latencies(data.X_valid, data.y_valid).items():
        print(f"  {name:<26} {seconds * 1000:6.1f} ms")


if __name__ == "__main__":
    main()
