"""Where the project keeps its data cache and trained models.

In a clone of the project (``make setup`` or ``pip install -e .``) that is
the clone itself: ``data/`` and ``models/`` beside ``notebooks/``. When
``helpers`` is installed as a package (``pip install .``), it would otherwise
be site-packages, so the home is ``$CH17_HOME`` if set, else
``~/.cache/ch17-autoencoders-gans`` (``$XDG_CACHE_HOME`` is honoured).

Usage::

    from helpers.support.paths import PROJECT_ROOT, DATA_DIR, models_dir
    models_dir("default")  # models/default/, created if missing
"""
from __future__ import annotations

import os
from pathlib import Path

HOME_VARIABLE = "CH17_HOME"
MODELS_VARIABLE = "NOTEBOOK_MODELS_DIR"
CACHE_NAME = "ch17-autoencoders-gans"


def is_checkout(folder: Path) -> bool:
    """True when ``folder`` is this project's source tree (not site-packages)."""
    return (folder / "pyproject.toml").is_file() and (folder / "notebooks").is_dir()


def project_home(package_dir: Path = Path(__file__).resolve().parents[1]) -> Path:
    """The folder that holds ``data/`` and ``models/``; ``package_dir`` is the ``helpers`` package."""
    if os.environ.get(HOME_VARIABLE):
        return Path(os.environ[HOME_VARIABLE]).expanduser().resolve()
    if is_checkout(package_dir.parent):
        return package_dir.parent
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache").expanduser()
    return cache / CACHE_NAME


PROJECT_ROOT = project_home()
DATA_DIR = PROJECT_ROOT / "data"


def models_dir(preset: str) -> Path:
    """``models/<preset>/`` (or ``$NOTEBOOK_MODELS_DIR/<preset>/``), created if missing."""
    root = Path(os.environ.get(MODELS_VARIABLE) or PROJECT_ROOT / "models")
    folder = root / preset
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def file_stamp(path: Path) -> tuple[int, int]:
    """``path``'s modification time (ns) and size: what changes when the file is written
    again, for caches of what was read from it."""
    status = path.stat()
    return status.st_mtime_ns, status.st_size
