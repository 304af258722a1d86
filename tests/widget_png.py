"""Read back the PNG a widget shows, to compare its pixels with the model's output."""
import io

import numpy as np
from PIL import Image

from helpers.widgets.common import IMAGE_SCALE


def from_png(png: bytes, scale: int = IMAGE_SCALE) -> np.ndarray:
    """Inverse of ``helpers.widgets.to_png`` (to the nearest 1/255)."""
    pixels = np.asarray(Image.open(io.BytesIO(png)))[::scale, ::scale]
    return 1 - pixels.astype("float32") / 255
