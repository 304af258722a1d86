"""Side-by-side speed measurements, printed as ratios from one run.

Usage: ``make bench`` (or ``.venv/bin/python tools/bench.py --images 20000``)

These machines are noisy, so each configuration is timed in alternation
over several rounds and compared with the median; only ratios measured in
the same run mean anything. It answers the questions the presets depend on:
how much a larger batch helps, whether XLA (``jit_compile``) does, how
quickly the widgets redraw, and how much faster a GAN trains with its two
phases in a ``train_step`` than in the book's ``train_on_batch`` loop, how
notebook 07's Hamming searches compare with exact search on floats, and how long
a kernel takes to load the data. The
models are the notebooks' own: the cell tagged ``bench:<name>`` is run and its
``<name>`` variable used (for the GANs, the cells tagged ``bench:gan`` and
``bench:dcgan`` define ``generator``, ``discriminator`` and ``codings_size``).
"""
from __future__ import annotations

import argparse
import contextlib
import io
import statistics
import sys
import time
from pathlib import Path

import helpers  # first: it imports TensorFlow quietly

import keras  # noqa: E402
import nbformat  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from autotune_switch import keras_default_pipeline  # noqa: E402  (beside this script)

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
    vae = helpers.widgets.VAE_MODEL.load(helpers.widgets.VAE_MODEL.default_path("default"))
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


# --- GANs: the book's two-phase train_on_batch loop against a train_step model ---

GAN_NOTEBOOKS = {  # label -> (notebook, tag, preset key giving the notebook's batch size)
    "dense GAN (notebook 09)": ("09_generative_adversarial_networks", "gan", "gan"),
    "DCGAN (notebook 10)": ("10_deep_convolutional_gans", "dcgan", "dcgan"),
}
GAN_STEPS = {"gan": 300, "dcgan": 30}  # step pairs timed per way and round
GAN_WAYS = ("train_on_batch loop", "train_step + fit", "train_step + fit, XLA")


def notebook_cells(notebook: str, tag: str) -> dict | None:
    """Run, in order and quietly, the cells of ``notebooks/<notebook>.ipynb``
    tagged ``bench:<tag>``; return their namespace, or None if there are none."""
    path = ROOT / "notebooks" / f"{notebook}.ipynb"
    if not path.is_file():
        return None
    cells = [cell for cell in nbformat.read(path, as_version=4).cells
             if f"bench:{tag}" in cell.metadata.get("tags", [])]
    if not cells:
        return None
    namespace = {"keras": keras, "helpers": helpers, "np": np, "tf": tf}
    with contextlib.redirect_stdout(io.StringIO()):  # layer tables and the like
        for cell in cells:
            exec(cell.source, namespace)  # noqa: S102  (our own notebook's model cells)
    return namespace


def book_gan(generator: keras.Model, discriminator: keras.Model) -> keras.Model:
    """The book's set-up: the discriminator compiled on its own, then frozen
    inside the combined ``generator -> discriminator`` model compiled for phase 2."""
    discriminator.compile(loss="binary_crossentropy", optimizer="rmsprop")
    discriminator.trainable = False
    gan = keras.Sequential([generator, discriminator])
    gan.compile(loss="binary_crossentropy", optimizer="rmsprop")
    return gan


def book_phase_one(gan: keras.Model, real_images, codings_size: int) -> None:
    """Phase 1 of the book's loop: the discriminator, on fakes labelled 0 and real
    images labelled 1 (written to work in Keras 3: see ``book_step``)."""
    generator, discriminator = gan.layers
    batch_size = real_images.shape[0]
    fakes = generator(tf.random.normal((batch_size, codings_size)))
    images = tf.concat([fakes, tf.cast(real_images, fakes.dtype)], axis=0)
    labels = tf.constant([[0.0]] * batch_size + [[1.0]] * batch_size)
    discriminator.trainable = True
    discriminator.train_on_batch(images, labels)


def book_phase_two(gan: keras.Model, batch_size: int, codings_size: int) -> None:
    """Phase 2: the generator, through the frozen discriminator, fakes labelled 1."""
    gan.layers[1].trainable = False
    gan.train_on_batch(tf.random.normal((batch_size, codings_size)),
                       tf.constant([[1.0]] * batch_size))


def book_step(gan: keras.Model, real_images, codings_size: int) -> None:
    """One step of each phase of the book's loop, written to work in Keras 3.

    Keras 3 reads ``trainable`` when a model's training function is traced (its
    first ``train_on_batch`` after ``compile``), not when it is compiled. The book
    freezes the discriminator before compiling the combined model and leaves it
    frozen, so the discriminator's own function is traced with no weights to
    train. Setting the flag before *each* phase, as here, makes whichever call
    traces see the right weights (and keeps doing so if a new batch shape makes
    Keras trace again); once traced, the toggles cost nothing.
    """
    book_phase_one(gan, real_images, codings_size)
    book_phase_two(gan, real_images.shape[0], codings_size)


def check_book_phases(gan: keras.Model, real_images, codings_size: int,
                      phase_one=book_phase_one) -> None:
    """Raise AssertionError unless phase 1 moves only the discriminator's weights
    and phase 2 only the generator's (measured around one step of each)."""
    generator, discriminator = gan.layers

    def snapshot():
        return ([w.copy() for w in generator.get_weights()],
                [w.copy() for w in discriminator.get_weights()])

    def moved(before, after):
        return any(not np.array_equal(a, b) for a, b in zip(before, after))

    g0, d0 = snapshot()
    phase_one(gan, real_images, codings_size)
    g1, d1 = snapshot()
    book_phase_two(gan, real_images.shape[0], codings_size)
    g2, d2 = snapshot()
    assert moved(d0, d1), "phase 1 did not update the discriminator"
    assert not moved(g0, g1), "phase 1 updated the generator"
    assert moved(g1, g2), "phase 2 did not update the generator"
    assert not moved(d1, d2), "phase 2 updated the discriminator"


def time_book_loop(generator, discriminator, images, batch_size, codings_size, steps,
                   check=False) -> float:
    gan = book_gan(generator, discriminator)
    dataset = (tf.data.Dataset.from_tensor_slices(images).shuffle(1_000)
               .batch(batch_size, drop_remainder=True).prefetch(1))
    batches = iter(dataset.repeat())
    for _ in range(3):  # warm-up: tracing is not training
        book_step(gan, next(batches), codings_size)
    start = time.perf_counter()
    for _ in range(steps):
        book_step(gan, next(batches), codings_size)
    seconds = time.perf_counter() - start
    if check:  # after the timed steps, so it checks the functions that were timed
        check_book_phases(gan, next(batches), codings_size)
    return seconds


def time_train_step(generator, discriminator, images, batch_size, codings_size, steps,
                    jit: bool) -> float:
    gan = helpers.gan.GAN(generator, discriminator, codings_size=codings_size, seed=helpers.SEED)
    gan.compile(d_optimizer="rmsprop", g_optimizer="rmsprop", jit_compile=jit)
    gan.fit(images[:batch_size * 3], batch_size=batch_size, epochs=1, verbose=0)  # warm-up
    start = time.perf_counter()
    gan.fit(images[:batch_size * steps], batch_size=batch_size, epochs=1, verbose=0)
    return time.perf_counter() - start


def gan_comparison(images, rounds: int) -> None:
    """Time the three ways for each tagged GAN, in alternation, and print the ratios."""
    for label, (notebook, tag, preset_key) in GAN_NOTEBOOKS.items():
        namespace = notebook_cells(notebook, tag)
        if namespace is None:
            print(f"\n{label}: skipped: no cell tagged bench:{tag} yet "
                  f"(notebooks/{notebook}.ipynb)")
            continue
        generator, discriminator = namespace["generator"], namespace["discriminator"]
        codings_size = namespace["codings_size"]
        try:
            batch_size = helpers.preset_settings(preset_key, "default").batch_size
        except (helpers.PresetError, AttributeError):  # no preset key or no batch_size
            batch_size = namespace.get("batch_size", 32)
        steps = GAN_STEPS[tag]
        shaped = images.reshape((-1,) + tuple(discriminator.input_shape[1:]))
        shaped = shaped[:max(batch_size * steps, 1_000)]
        times: dict[str, list[float]] = {way: [] for way in GAN_WAYS}
        for round_index in range(rounds):
            for way in GAN_WAYS:
                keras.utils.set_random_seed(helpers.SEED + round_index)
                g, d = keras.models.clone_model(generator), keras.models.clone_model(discriminator)
                if way == GAN_WAYS[0]:
                    seconds = time_book_loop(g, d, shaped, batch_size, codings_size, steps,
                                             check=round_index == 0)
                else:
                    seconds = time_train_step(g, d, shaped, batch_size, codings_size, steps,
                                              jit=way.endswith("XLA"))
                times[way].append(seconds)
            print(f"{label}: round {round_index + 1}/{rounds} done", flush=True)
        medians = {way: statistics.median(values) for way, values in times.items()}
        print(f"\n{label}: {steps} steps of both phases at batch {batch_size}, "
              f"median of {rounds} rounds")
        print("  book loop checked: phase 1 moved only D, phase 2 only G")
        for way, seconds in medians.items():
            print(f"  {way:<26} {seconds:6.2f} s  {steps / seconds:7.1f} steps/s")
        loop, fit, xla = (medians[way] for way in GAN_WAYS)
        print(f"  {'speed-up, train_step over loop':<38} {loop / fit:.2f}x")
        print(f"  {'speed-up, train_step + XLA over loop':<38} {loop / xla:.2f}x")
        print(f"  {'speed-up, XLA over plain train_step':<38} {fit / xla:.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=10_000, help="training images per epoch")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--only", choices=["autoencoders", "gans", "pause", "threads", "search",
                                           "data"],
                        help="run one part of the benchmark")
    args = parser.parse_args()
    helpers.set_seeds()
    data = helpers.load_fashion_mnist(train_size=args.images)
    if args.only in (None, "autoencoders"):
        autoencoder_comparison(data, args)
    if args.only in (None, "gans"):
        gan_comparison(data.X_train, args.rounds)
    if args.only in (None, "pause"):  # epochs long enough for the pause to show
        epoch_pause_comparison(helpers.load_fashion_mnist(train_size=20_000).X_train, args.rounds)
    if args.only in (None, "threads"):
        thread_limit_comparison(args.rounds)
    if args.only in (None, "search"):
        search_comparison(args.rounds)
    if args.only in (None, "data"):
        data_load_comparison(args.rounds)


def autoencoder_comparison(data, args) -> None:
    """Epoch times of the autoencoders at two batch sizes, with and without XLA; widgets."""
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


class FirstStepTimer(keras.callbacks.Callback):
    """Per epoch: seconds from the epoch's start to the end of its first step
    (the pause, plus one step), and of the rest of the epoch."""

    def on_train_begin(self, logs=None):
        self.first, self.rest = [], []

    def on_epoch_begin(self, epoch, logs=None):
        self.start = time.perf_counter()

    def on_train_batch_end(self, batch, logs=None):
        if batch == 0:
            self.after_first = time.perf_counter()
            self.first.append(self.after_first - self.start)

    def on_epoch_end(self, epoch, logs=None):
        self.rest.append(time.perf_counter() - self.after_first)


def epoch_pause_comparison(images, rounds: int, epochs: int = 3) -> None:
    """notebook 10's DCGAN for a few epochs, tf.data autotuning on and off in alternation."""
    namespace = notebook_cells("10_deep_convolutional_gans", "dcgan")
    if namespace is None:
        print("\nEpoch-start pause: skipped: no cell tagged bench:dcgan")
        return
    shaped = images.reshape((-1, 28, 28, 1))
    ways = {"autotuning on (Keras' default)": keras_default_pipeline,
            "autotuning off (helpers)": contextlib.nullcontext}
    first: dict[str, list[float]] = {way: [] for way in ways}
    rest: dict[str, list[float]] = {way: [] for way in ways}
    total: dict[str, list[float]] = {way: [] for way in ways}
    for round_index in range(rounds):
        for way, context in ways.items():
            keras.utils.set_random_seed(helpers.SEED + round_index)
            gan = helpers.gan.GAN(keras.models.clone_model(namespace["generator"]),
                                  keras.models.clone_model(namespace["discriminator"]),
                                  codings_size=namespace["codings_size"], seed=helpers.SEED)
            gan.compile(d_optimizer="rmsprop", g_optimizer="rmsprop")
            timer = FirstStepTimer()
            with context():
                start = time.perf_counter()
                gan.fit(shaped, batch_size=64, epochs=epochs, verbose=0, callbacks=[timer])
            total[way].append(time.perf_counter() - start)
            first[way].extend(timer.first[1:])  # epoch 1's first step also traces
            rest[way].extend(timer.rest)
        print(f"epoch-start pause: round {round_index + 1}/{rounds} done", flush=True)
    print(f"\nEpoch-start pause: notebook 10's DCGAN, {len(shaped):,} images, {epochs} epochs "
          f"at batch 64, {rounds} rounds")
    for way in ways:
        print(f"  {way:<32} first step of epochs 2-{epochs}: median "
              f"{statistics.median(first[way]):5.2f} s, max {max(first[way]):5.2f} s; "
              f"rest of an epoch: median {statistics.median(rest[way]):5.1f} s; "
              f"fit: median {statistics.median(total[way]):6.1f} s")
    on, off = (statistics.median(total[way]) for way in ways)
    print(f"  {'fit time, autotuning on / off':<32} {on / off:.2f}x")


PAIR = ("notebooks/05_denoising_autoencoders.ipynb", "notebooks/10_deep_convolutional_gans.ipynb")


def thread_limit_comparison(rounds: int) -> None:
    """Two smoke notebooks under nbval at once, as ``make test``'s two workers run them,
    with TensorFlow's threads limited to a share of the cores (conftest.py) and without."""
    import os
    import subprocess

    sys.path.insert(0, str(ROOT))
    from conftest import THREAD_VARIABLES, threads_per_worker

    share = str(threads_per_worker(os.cpu_count(), len(PAIR)))
    ways = {f"{share} thread(s) each (make test)": dict.fromkeys(THREAD_VARIABLES, share),
            "TensorFlow's default threads": {}}
    seconds: dict[str, list[float]] = {way: [] for way in ways}
    for round_index in range(rounds):
        for way, limits in ways.items():
            env = {key: value for key, value in os.environ.items() if key not in THREAD_VARIABLES}
            env.update(limits)
            start = time.perf_counter()
            runs = [subprocess.Popen([sys.executable, "-m", "pytest", "-q", notebook],
                                     cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL) for notebook in PAIR]
            if any(run.wait() for run in runs):
                raise RuntimeError(f"a notebook failed under nbval ({way})")
            seconds[way].append(time.perf_counter() - start)
        print(f"threads: round {round_index + 1}/{rounds} done", flush=True)
    print(f"\nTwo smoke notebooks at once ({', '.join(Path(p).stem[:2] for p in PAIR)}), "
          f"{os.cpu_count()} cores, {rounds} rounds, wall seconds for the pair:")
    for way, values in seconds.items():
        print(f"  {way:<34} median {statistics.median(values):6.1f} s "
              f"({', '.join(f'{v:.1f}' for v in values)})")
    limited, default = (statistics.median(values) for values in seconds.values())
    print(f"  {'default / limited':<34} {default / limited:.2f}x")


def search_comparison(rounds: int, n_bits: int = 16, k: int = 10) -> None:
    """Notebook 07's searches: 10,000 test queries over the 60,000 other images, by
    Hamming distance on packed n_bits codes and exactly on n_bits float vectors (the
    first principal components stand in for the autoencoder's codings: the cost of a
    search does not depend on what the numbers mean)."""
    from sklearn.decomposition import PCA
    from sklearn.neighbors import NearestNeighbors

    from helpers.evaluation.retrieval import (HammingIndex, float_search, hamming_search,
                                              pack_codes)

    data = helpers.load_fashion_mnist()
    collection = np.concatenate([data.X_train, data.X_valid]).reshape(-1, 28 * 28)
    queries = data.X_test.reshape(-1, 28 * 28)
    pca = PCA(n_components=n_bits, random_state=helpers.SEED).fit(collection)
    vectors, query_vectors = pca.transform(collection), pca.transform(queries)
    codes, query_codes = pack_codes(vectors > 0), pack_codes(query_vectors > 0)
    tree = NearestNeighbors(n_neighbors=k).fit(vectors)
    index = HammingIndex(codes)
    ways = {f"scikit-learn, {n_bits} floats": lambda: tree.kneighbors(query_vectors),
            f"exact NumPy, {n_bits} floats": lambda: float_search(query_vectors, vectors, k),
            f"Hamming scan, {n_bits}-bit codes": lambda: hamming_search(query_codes, codes, k),
            f"Hamming lookup, {n_bits}-bit codes": lambda: index.search(query_codes, k)}
    seconds: dict[str, list[float]] = {way: [] for way in ways}
    for _ in range(rounds):
        for way, search in ways.items():
            start = time.perf_counter()
            search()
            seconds[way].append(time.perf_counter() - start)
    print(f"\nSearch: {len(queries):,} queries over {len(collection):,} images, k = {k}, "
          f"{rounds} rounds (median):")
    reference = statistics.median(next(iter(seconds.values())))
    for way, values in seconds.items():
        median = statistics.median(values)
        print(f"  {way:<32} {len(queries) / median:>9,.0f} queries/s  "
              f"{reference / median:6.2f}x scikit-learn's")


def data_load_comparison(rounds: int) -> None:
    """A notebook kernel's loads of Fashion-MNIST, each way timed in a new process that has
    imported helpers (as a kernel has: with TensorFlow loaded, touching a new array's memory
    costs more): the loader (only the images asked for, divided in place) against
    converting every image into new arrays, then taking the subset. One subset, then two
    kept side by side (a GAN notebook loads its own, then the metric's), and the whole
    split. (The first large array of a process is cheap; the next ones cost up to five
    times more: why the second row matters.)"""
    import subprocess

    setup = """import time
import numpy as np
import helpers
from helpers.support import data

def convert_all(train_size):
    folder = data.find_dataset_dir()
    pixels = {name: data.read_idx_once(folder / name, *spec) for name, spec in data.FILES.items()}
    images = pixels["train-images-idx3-ubyte.gz"].astype(np.float32) / 255.0
    return images[:train_size], pixels["t10k-images-idx3-ubyte.gz"].astype(np.float32) / 255.0
"""
    pairs = {  # what is loaded -> (converting every image, the loader)
        "2,000 images": ("convert_all(2_000)", "data.load_fashion_mnist(train_size=2_000)"),
        "2,000 then 20,000": ("mine = convert_all(2_000); metric = convert_all(20_000)",
                              "mine = data.load_fashion_mnist(train_size=2_000); "
                              "metric = data.load_fashion_mnist(train_size=20_000)"),
        "the whole split": ("convert_all(None)", "data.load_fashion_mnist()"),
    }
    seconds = {(what, way): [] for what in pairs for way in (0, 1)}
    for _ in range(rounds):
        for (what, way), values in seconds.items():
            timed = (f"{setup}start = time.perf_counter()\n{pairs[what][way]}\n"
                     f"print(time.perf_counter() - start)")
            result = subprocess.run([sys.executable, "-c", timed], cwd=ROOT, check=True,
                                    capture_output=True, text=True)
            values.append(float(result.stdout.split()[-1]))
    print(f"\nLoading Fashion-MNIST in a new kernel (decoding included), {rounds} rounds "
          f"(median):")
    for what in pairs:
        converting, loader = (statistics.median(seconds[what, way]) for way in (0, 1))
        print(f"  {what:<18} converting every image {converting:5.2f} s, "
              f"load_fashion_mnist {loader:5.2f} s: {converting / loader:4.1f}x faster")


if __name__ == "__main__":
    main()
