"""What every exercise check shares: the three outcomes, the decorator that turns a
check into one printed line and a :class:`Result`, and the comparisons and small
inputs the checks use.

Usage::

    @check
    def check_sampling(function):
        ...  # raise Wrong("...") or NotAnswered(); return what was checked
"""
from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np


NOT_ANSWERED, CORRECT, WRONG = "not answered", "correct", "wrong"


class Result:
    """The outcome of a check: ``bool(result)`` is true only for a right answer."""

    def __init__(self, status: str, message: str):
        self.status, self.message = status, message

    def __bool__(self) -> bool:
        return self.status == CORRECT

    def __repr__(self) -> str:
        return f"Result({self.status!r}, {self.message!r})"

    def _ipython_display_(self) -> None:
        """The check has printed its message already; show nothing more in a notebook."""


class NotAnswered(Exception):
    """The blank is still blank."""


class Wrong(Exception):
    """The answer is wrong; the message says how."""


def check(function: Callable[..., str]) -> Callable[..., Result]:
    """Turn a check body (returns the success message, raises NotAnswered/Wrong) into a
    check that prints one line and returns a Result, whatever the reader's code does."""

    @functools.wraps(function)
    def check(*args: Any, **kwargs: Any) -> Result:
        try:
            result = Result(CORRECT, "Correct: " + function(*args, **kwargs))
        except (NotAnswered, NotImplementedError):
            result = Result(NOT_ANSWERED, "Not answered yet: replace the blank "
                                          "(`...` or `None`) with your code, then run this again.")
        except Wrong as error:
            result = Result(WRONG, f"Wrong: {error}")
        except Exception as error:  # the reader's code failed: one line, no traceback
            first_line = (str(error).strip().splitlines() or [""])[0][:300]
            result = Result(WRONG, f"Wrong: your code raised {type(error).__name__}: {first_line}")
        print(result.message)
        return result

    return check


def answered(answer: Any) -> Any:
    if answer is None or answer is Ellipsis:
        raise NotAnswered
    return answer


def call(function: Any, *args: Any, **kwargs: Any) -> Any:
    """Call the reader's function; a body still ``...`` (returns None) means not answered."""
    answered(function)
    if not callable(function):
        raise Wrong(f"expected a function, got a {type(function).__name__}")
    return answered(function(*args, **kwargs))


def as_numpy(value: Any, name: str) -> np.ndarray:
    try:
        import keras

        return np.asarray(keras.ops.convert_to_numpy(value), dtype="float64")
    except Exception:
        try:
            return np.asarray(value, dtype="float64")
        except Exception:
            raise Wrong(f"{name} should be an array or tensor, got a {type(value).__name__}") \
                from None


def compare(name: str, got: Any, expected: np.ndarray, tolerance: float = 1e-4,
             hints: dict[str, np.ndarray] | None = None) -> np.ndarray:
    """Raise Wrong unless ``got`` has ``expected``'s shape and values (relative tolerance);
    ``hints`` maps a known mistake's description to the array that mistake gives."""
    got = as_numpy(got, name)
    expected = np.asarray(expected, dtype="float64")
    if got.shape != expected.shape:
        raise Wrong(f"{name} has shape {got.shape}; expected {expected.shape}")
    if not np.all(np.isfinite(got)):
        raise Wrong(f"{name} contains NaN or infinite values")
    scale = max(1.0, float(np.max(np.abs(expected), initial=0.0)))
    difference = float(np.max(np.abs(got - expected), initial=0.0))
    if difference > tolerance * scale:
        for mistake, mistaken in (hints or {}).items():
            if np.allclose(got, mistaken, rtol=1e-4, atol=tolerance * scale):
                raise Wrong(f"{name} is off by up to {difference:.3g}: it looks like {mistake}")
        raise Wrong(f"{name} differs from the NumPy reference by up to {difference:.3g} on a "
                    f"small test input (tolerance {tolerance * scale:.1g})")
    return got


def floats(*shape: int, seed: int = 0, low: float | None = None,
           high: float | None = None) -> np.ndarray:
    """A reproducible float32 test input: uniform in [low, high], else standard normal."""
    rng = np.random.default_rng(seed)
    values = rng.uniform(low, high, shape) if low is not None else rng.standard_normal(shape)
    return values.astype("float32")

def predict(model: Any, inputs: np.ndarray) -> np.ndarray:
    """The model's output for ``inputs`` (inference mode) as a NumPy array."""
    return as_numpy(model(inputs.astype("float32"), training=False), "the model's output")


def all_layers(model: Any) -> list:
    """Every layer of ``model``, nested models' layers included."""
    layers = []
    for layer in getattr(model, "layers", []):
        layers.append(layer)
        layers.extend(all_layers(layer))
    return layers
