"""Fill the project's ``data/fashion-mnist/`` once: copy, or download and verify.

Sources, in order: the folders given with ``--from`` (``make data`` passes
``../shared/data/fashion-mnist`` when it exists), ``$FASHION_MNIST_DIR``,
Keras' cache, then a download of the four official files, each checked
against its published SHA-256. Copied files are checked for their IDX
structure (magic number, item count, length), since a local copy may be a
re-packed one. Offline with no copy, it stops with one message saying what
to do. Tests never call it: they use ``data/`` as set-up left it.

Usage::

    python -m helpers.support.get_data --from ../shared/data/fashion-mnist
"""
from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import sys
import urllib.request
from collections.abc import Callable, Iterable
from pathlib import Path

import helpers.support.data as data_module
from helpers.support.data import (DIR_VARIABLE, FILES, FashionMNISTError, keras_cache_dir,
                          read_idx)

# The official files' SHA-256 (the label files are also byte-identical in every copy).
OFFICIAL_SHA256 = {
    "train-images-idx3-ubyte.gz": "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
    "train-labels-idx1-ubyte.gz": "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
    "t10k-images-idx3-ubyte.gz": "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
    "t10k-labels-idx1-ubyte.gz": "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
}
# Keras' own mirror first (what keras.datasets.fashion_mnist uses), then the authors'.
MIRRORS = ("https://storage.googleapis.com/tensorflow/tf-keras-datasets/",
           "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/")
CHUNK = 1 << 16


def is_complete(folder: Path) -> bool:
    """True when ``folder`` holds all four files, each a readable IDX file."""
    try:
        for name, spec in FILES.items():
            read_idx(folder / name, *spec)
    except (FashionMNISTError, FileNotFoundError):
        return False
    return True


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for chunk in iter(lambda: file.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def download(name: str, target: Path, mirrors: Iterable[str] = MIRRORS,
             log: Callable[..., None] = print) -> None:
    """Download ``name`` into ``target`` from the first mirror that answers with the
    official bytes, showing a progress line; raise ``FashionMNISTError`` otherwise."""
    problems = []
    partial = target / f"{name}.part"
    for base in mirrors:
        try:
            with urllib.request.urlopen(base + name, timeout=30) as response, \
                    open(partial, "wb") as file:
                total, done = int(response.headers.get("Content-Length") or 0), 0
                for chunk in iter(lambda: response.read(CHUNK), b""):
                    file.write(chunk)
                    done += len(chunk)
                    size = f"{done / 1e6:.1f}" + (f"/{total / 1e6:.1f}" if total else "")
                    log(f"\r  {name}: {size} MB", end="", flush=True)
            log("")
        except OSError as error:
            problems.append(f"{base}: {error}")
            continue
        if sha256(partial) == OFFICIAL_SHA256[name]:
            partial.replace(target / name)
            return
        problems.append(f"{base}: the file's SHA-256 is not the official one")
    partial.unlink(missing_ok=True)
    raise FashionMNISTError(f"could not download {name}:\n  " + "\n  ".join(problems))


def fill(target: Path | None = None, sources: Iterable[Path] = (), allow_download: bool = True,
         log: Callable[..., None] = print) -> Path:
    """Make ``target`` (default: the project's ``data/fashion-mnist/``) hold the four
    files (see the module's docstring) and return it."""
    target = Path(target or data_module.DATA_DIR / "fashion-mnist")
    if is_complete(target):
        log(f"{target} already holds Fashion-MNIST")
        return target
    target.mkdir(parents=True, exist_ok=True)
    candidates = [Path(folder).expanduser() for folder in sources]
    if os.environ.get(DIR_VARIABLE):
        candidates.append(Path(os.environ[DIR_VARIABLE]).expanduser())
    candidates.append(keras_cache_dir())
    for folder in candidates:
        if folder.resolve() != target.resolve() and is_complete(folder):
            for name in FILES:
                shutil.copyfile(folder / name, target / name)
            log(f"Copied Fashion-MNIST from {folder} into {target}")
            return target
    if not allow_download:
        raise FashionMNISTError(_missing(target, candidates, "downloading was turned off"))
    log(f"Downloading Fashion-MNIST into {target} (about 30 MB, once)")
    try:
        for name in FILES:
            if not (target / name).is_file() or sha256(target / name) != OFFICIAL_SHA256[name]:
                download(name, target, log=log)
    except FashionMNISTError as error:
        raise FashionMNISTError(_missing(target, candidates, str(error))) from None
    return target


def _missing(target: Path, tried: list[Path], why: str) -> str:
    listing = "\n".join(f"  - {folder}" for folder in tried) or "  (none)"
    return (f"Fashion-MNIST is not in {target}, no copy was found in\n{listing}\nand {why}.\n"
            f"Fix: connect to the internet and run `make data` (or `python -m helpers.support.get_data`) "
            f"again, or put the four files {', '.join(FILES)} into {target}, or set "
            f"{DIR_VARIABLE} to a folder that holds them.")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--from", dest="sources", action="append", default=[], type=Path,
                        help="a folder holding the four files (may repeat); used if complete")
    parser.add_argument("--no-download", action="store_true", help="never download")
    args = parser.parse_args(argv)
    try:
        fill(sources=args.sources, allow_download=not args.no_download)
    except FashionMNISTError as error:
        print(error, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
