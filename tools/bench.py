"""Side-by-side speed measurements, printed as ratios from one run.

Usage: ``make bench`` (or ``.venv/bin/python tools/bench.py --images 20000``)

These machines are noisy, so each configuration is timed in alternation
over several rounds and compared with the median; only ratios measured in
the same run mean anything. It answers the questions the presets depend on:
how much a larger batch helps, and whether XLA (``jit_compile``) does.
"""
from __future__ import annotations

import argparse
import os
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402

import helpers  # noqa: E402


def stacked_ae() -> keras.Model:
    return keras.Sequential([
        keras.Input((28, 28)), keras.layers.Flatten(),
        keras.layers.Dense(100, activation="relu"), keras.layers.Dense(30, activation="relu"),
        keras.layers.Dense(100, activation="relu"), keras.layers.Dense(784, activation="sigmoid"),
        keras.layers.Reshape((28, 28)),
    ])


def conv_ae() -> keras.Model:
    return keras.Sequential([
        keras.Input((28, 28)), keras.layers.Reshape((28, 28, 1)),
        keras.layers.Conv2D(16, 3, padding="same", activation="relu"), keras.layers.MaxPool2D(),
        keras.layers.Conv2D(32, 3, padding="same", activation="relu"), keras.layers.MaxPool2D(),
        keras.layers.Conv2D(64, 3, padding="same", activation="relu"), keras.layers.MaxPool2D(),
        keras.layers.Conv2DTranspose(32, 3, strides=2, activation="relu"),
        keras.layers.Conv2DTranspose(16, 3, strides=2, padding="same", activation="relu"),
        keras.layers.Conv2DTranspose(1, 3, strides=2, padding="same", activation="sigmoid"),
        keras.layers.Reshape((28, 28)),
    ])


CONFIGS = {
    "stacked, batch 32": (stacked_ae, 32, False),
    "stacked, batch 128": (stacked_ae, 128, False),
    "stacked, batch 128, XLA": (stacked_ae, 128, True),
    "conv, batch 128": (conv_ae, 128, False),
    "conv, batch 128, XLA": (conv_ae, 128, True),
}


def epoch_seconds(make_model, batch_size: int, jit: bool, images) -> float:
    model = make_model()
    model.compile(loss="mse", optimizer="nadam", jit_compile=jit)
    model.fit(images[:batch_size * 4], images[:batch_size * 4], batch_size=batch_size,
              epochs=1, verbose=0)  # warm-up: tracing and compilation are not the epoch
    start = time.perf_counter()
    model.fit(images, images, batch_size=batch_size, epochs=1, verbose=0)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=10_000, help="training images per epoch")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    helpers.set_seeds()
    images = helpers.load_fashion_mnist(train_size=args.images).X_train
    times: dict[str, list[float]] = {name: [] for name in CONFIGS}
    for round_index in range(args.rounds):
        for name, (make_model, batch_size, jit) in CONFIGS.items():
            times[name].append(epoch_seconds(make_model, batch_size, jit, images))
        print(f"round {round_index + 1}/{args.rounds} done", flush=True)
    medians = {name: statistics.median(values) for name, values in times.items()}
    print(f"\nMedian seconds per epoch of {args.images:,} images, and ratios:")
    for name, seconds in medians.items():
        print(f"  {name:<26} {seconds:6.2f} s")
    ratios = [("batch 32 / batch 128 (stacked)", "stacked, batch 32", "stacked, batch 128"),
              ("XLA / plain (stacked, batch 128)", "stacked, batch 128, XLA", "stacked, batch 128"),
              ("XLA / plain (conv, batch 128)", "conv, batch 128, XLA", "conv, batch 128")]
    for label, slower, faster in ratios:
        print(f"  {label:<34} {medians[slower] / medians[faster]:.2f}x")


if __name__ == "__main__":
    main()
