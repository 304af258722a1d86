"""Generators trained once for long on a laptop CPU, shipped in ``pretrained/``.

``tools/train_long.py`` trains the DCGAN, the progressive GAN and the StyleGAN
in the ``long`` preset and writes their generators there, with
``manifest.json``: each file's SHA-256 and size, how long it trained, its
sample quality and the command that reproduces it. Files load only when
their hash matches the manifest, and only in Keras' safe mode.

Usage::

    generator = helpers.support.pretrained.load_pretrained("stylegan")  # or None
    pretrained_info("stylegan")["frechet_distance"]
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import keras

from helpers.support.paths import PROJECT_ROOT

PRETRAINED_DIR = PROJECT_ROOT / "pretrained"
MANIFEST_NAME = "manifest.json"
REPRODUCE = "python tools/train_long.py"


class PretrainedError(RuntimeError):
    """A shipped file that is not the one the manifest describes."""


def sha256(path: Path) -> str:
    """The file's SHA-256, in hexadecimal."""
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_manifest(folder: Path | None = None) -> dict[str, Any]:
    """The manifest's contents (``{"models": {}}`` when there is none)."""
    path = Path(folder or PRETRAINED_DIR) / MANIFEST_NAME
    return json.loads(path.read_text()) if path.is_file() else {"models": {}}


def pretrained_info(name: str, folder: Path | None = None) -> dict[str, Any] | None:
    """What the manifest says of model ``name`` ("dcgan", "progan", "stylegan"), or None."""
    return read_manifest(folder)["models"].get(name)


def pretrained_path(name: str, folder: Path | None = None) -> Path | None:
    """The file of model ``name`` when the manifest lists it and it is there, else None."""
    info = pretrained_info(name, folder)
    if info is None:
        return None
    path = Path(folder or PRETRAINED_DIR) / info["file"]
    return path if path.is_file() else None


def load_pretrained(name: str, folder: Path | None = None) -> keras.Model | None:
    """The shipped generator ``name``, loaded in safe mode after its hash is checked;
    None when it is not shipped. Import ``helpers`` first (it registers the classes)."""
    path = pretrained_path(name, folder)
    if path is None:
        return None
    expected, found = pretrained_info(name, folder)["sha256"], sha256(path)
    if found != expected:
        raise PretrainedError(
            f"{path} does not match pretrained/{MANIFEST_NAME} (SHA-256 {found[:12]}... instead "
            f"of {expected[:12]}...): restore it with `git checkout -- pretrained/` or train it "
            f"again with `{REPRODUCE}`.")
    return keras.models.load_model(path, safe_mode=True)
