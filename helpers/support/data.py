"""Fashion-MNIST from its four standard IDX ``.gz`` files, in the book's split.

Folders are tried in this order: ``$FASHION_MNIST_DIR``, the project's
``data/fashion-mnist/``, Keras' cache (``$KERAS_HOME/datasets/fashion-mnist``
or ``~/.keras/datasets/fashion-mnist``), then a download of the official
files into ``data/fashion-mnist/``, checked against their SHA-256
(``helpers.support.get_data``), unless ``FASHION_MNIST_NO_DOWNLOAD`` is set (the
tests set it: nothing downloads at test time).

Usage::

    data = load_fashion_mnist()
    data.X_train.shape, data.class_names[data.y_train[0]]
"""
from __future__ import annotations

import gzip
import os
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from helpers.support.paths import DATA_DIR, file_stamp

CLASS_NAMES = (
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
)
# file name -> (IDX magic number, expected item count)
FILES = {
    "train-images-idx3-ubyte.gz": (2051, 60_000),
    "train-labels-idx1-ubyte.gz": (2049, 60_000),
    "t10k-images-idx3-ubyte.gz": (2051, 10_000),
    "t10k-labels-idx1-ubyte.gz": (2049, 10_000),
}
VALID_SIZE = 5_000
DIR_VARIABLE = "FASHION_MNIST_DIR"
NO_DOWNLOAD_VARIABLE = "FASHION_MNIST_NO_DOWNLOAD"


class FashionMNISTError(RuntimeError):
    """Fashion-MNIST could not be found or read; the message says how to fix it."""


@dataclass(frozen=True)
class FashionMNIST:
    """The book's split: 55,000 train, 5,000 validation, 10,000 test images."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_valid: np.ndarray
    y_valid: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    class_names: tuple[str, ...] = CLASS_NAMES
    source: Path | None = None


def candidate_dirs() -> list[Path]:
    """The folders searched for the four files, in order."""
    dirs = []
    if os.environ.get(DIR_VARIABLE):
        dirs.append(Path(os.environ[DIR_VARIABLE]).expanduser())
    dirs.append(DATA_DIR / "fashion-mnist")
    dirs.append(keras_cache_dir())
    return dirs


def keras_cache_dir() -> Path:
    """Where ``keras.datasets.fashion_mnist.load_data()`` keeps the four files."""
    keras_home = Path(os.environ.get("KERAS_HOME") or Path.home() / ".keras").expanduser()
    return keras_home / "datasets" / "fashion-mnist"


def read_idx(path: Path, magic: int, count: int) -> np.ndarray:
    """Read one gzipped IDX file, checking its magic number, count and length."""
    problem = f"{path} is not a valid Fashion-MNIST file"
    try:
        with gzip.open(path, "rb") as file:
            raw = file.read()
    except (OSError, EOFError, zlib.error) as error:
        raise FashionMNISTError(f"{problem}: cannot decompress it ({error}).{_fix()}") from None
    if len(raw) < 8 or struct.unpack(">I", raw[:4])[0] != magic:
        found = struct.unpack(">I", raw[:4])[0] if len(raw) >= 4 else "nothing"
        raise FashionMNISTError(
            f"{problem}: IDX magic number {found}, expected {magic}.{_fix()}")
    ndim = raw[3]
    header = 4 + 4 * ndim
    shape = struct.unpack(f">{ndim}I", raw[4:header])
    if shape[0] != count:
        raise FashionMNISTError(
            f"{problem}: it holds {shape[0]} items, expected {count}.{_fix()}")
    expected = header + int(np.prod(shape))
    if len(raw) != expected:
        raise FashionMNISTError(
            f"{problem}: {len(raw)} bytes after decompression, expected {expected} "
            f"(truncated or padded).{_fix()}")
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(shape)


# path -> (the file's mtime and size, its decoded array): a process decompresses each file
# once, however many subsets it loads (decoding is most of what a load costs). The arrays
# are read-only views of the file's bytes, so no caller can change the cached copy.
_DECODED: dict[Path, tuple[tuple[int, int], np.ndarray]] = {}


def read_idx_once(path: Path, magic: int, count: int) -> np.ndarray:
    """``read_idx``, decoded again only when the file changed since the last call."""
    stamp = file_stamp(path)
    cached = _DECODED.get(path)
    if cached is None or cached[0] != stamp:
        cached = _DECODED[path] = (stamp, read_idx(path, magic, count))
    return cached[1]


def _fix() -> str:
    return (
        "\nFix: run `make data` (it copies ../shared/data/fashion-mnist/ into data/ when that "
        "folder exists, else downloads the files), "
        f"or put the four files {', '.join(FILES)} into {DATA_DIR / 'fashion-mnist'}, "
        f"or set {DIR_VARIABLE} to a folder that holds them."
    )


def find_dataset_dir(download: bool | None = None) -> Path:
    """The first folder holding all four files, downloading them as a last resort."""
    tried = candidate_dirs()
    for folder in tried:
        if all((folder / name).is_file() for name in FILES):
            return folder
    if download is None:
        download = not os.environ.get(NO_DOWNLOAD_VARIABLE)
    if download:
        from helpers.support import get_data

        try:
            return get_data.fill()
        except (FashionMNISTError, OSError) as error:  # no network, proxy, disk
            raise FashionMNISTError(
                f"Fashion-MNIST is not in any of these folders:\n{_listing(tried)}\n"
                f"and the download failed ({error}).{_fix()}") from None
    raise FashionMNISTError(
        f"Fashion-MNIST is not in any of these folders (each needs all four files):"
        f"\n{_listing(tried)}{_fix()}")


def _listing(folders: list[Path]) -> str:
    return "\n".join(f"  - {folder}" for folder in folders)


def load_fashion_mnist(train_size: int | None = None, valid_size: int | None = None,
                       download: bool | None = None) -> FashionMNIST:
    """Load the book's split as float32 images in [0, 1] and uint8 labels.

    ``train_size``/``valid_size`` keep only the first images of each split
    (the smoke preset uses this); ``None`` keeps them all.

    Usage: ``data = load_fashion_mnist(train_size=settings.train_size)``
    """
    for name, size in (("train_size", train_size), ("valid_size", valid_size)):
        if size is not None and size <= 0:
            raise ValueError(f"{name} must be a positive number of images or None, got {size}")
    folder = find_dataset_dir(download)
    arrays = {name: read_idx_once(folder / name, *spec) for name, spec in FILES.items()}
    pixels, labels = arrays["train-images-idx3-ubyte.gz"], arrays["train-labels-idx1-ubyte.gz"]
    n_train = len(pixels) - VALID_SIZE
    train = slice(0, n_train if train_size is None else min(train_size, n_train))
    valid = slice(n_train, len(pixels) if valid_size is None
                  else n_train + min(valid_size, VALID_SIZE))
    return FashionMNIST(
        X_train=_scaled(pixels[train]), y_train=labels[train],
        X_valid=_scaled(pixels[valid]), y_valid=labels[valid],
        X_test=_scaled(arrays["t10k-images-idx3-ubyte.gz"]),
        y_test=arrays["t10k-labels-idx1-ubyte.gz"],
        source=folder,
    )


def _scaled(pixels: np.ndarray) -> np.ndarray:
    """uint8 pixels as float32 in [0, 1]. Only the images asked for, divided in place:
    converting all 70,000 into new arrays took longer than decompressing the files."""
    images = pixels.astype(np.float32)
    images /= 255.0
    return images
