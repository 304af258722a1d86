"""Where the project keeps its data cache and trained models."""
from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = PROJECT_ROOT / "data"
MODELS_VARIABLE = "NOTEBOOK_MODELS_DIR"


def models_dir(preset: str) -> Path:
    """``models/<preset>/`` (or ``$NOTEBOOK_MODELS_DIR/<preset>/``), created if missing."""
    root = Path(os.environ.get(MODELS_VARIABLE) or PROJECT_ROOT / "models")
    folder = root / preset
    folder.mkdir(parents=True, exist_ok=True)
    return folder
