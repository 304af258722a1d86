"""What every exercise check shares: the three outcomes, the decorator that turns a
check into one printed line and a :class:`Result`, and the comparisons and small
inputs the checks use.

Usage::

    @check
    def check_sampling(function):
        ...  # raise Wrong("...") or NotAnswered(); return what was checked
"""
from __future__ import annotations

import ast
import functools
import inspect
import re
import textwrap
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
            result = Result(WRONG, f"Wrong: your code raised {type(error).__name__}: "
                                   f"{error_summary(error)}")
        print(result.message)
        return result

    return check


# What a learner needs from an error is the sentence about their values, not Keras' frame
# ("Exception encountered when calling ...", "Arguments received by ..."), TensorFlow's
# kernel names ("{{function_node ...}}", "[Op:MatMul] name: ") or terminal colour codes.
ANSI_CODES = re.compile(r"\x1b\[[0-9;]*m")
TF_INTERNALS = re.compile(r"\{\{function_node [^}]*\}\}\s*|\s*\[Op:[^\]]*\]( name: \S*)?")
KERAS_FRAME = ("Exception encountered when calling", "Arguments received by", "•")


def error_summary(error: BaseException) -> str:
    """The first informative line of ``error``'s message, without framework internals."""
    text = TF_INTERNALS.sub(" ", ANSI_CODES.sub("", str(error)))
    lines = [line.strip() for line in text.splitlines()]
    lines = [line for line in lines if line and not line.startswith(KERAS_FRAME)]
    return (lines[0] if lines else type(error).__name__)[:300]


def answered(answer: Any) -> Any:
    if answer is None or answer is Ellipsis:
        raise NotAnswered
    return answer


def is_blank(function: Any) -> bool:
    """True when ``function``'s body is still the blank: only a docstring, ``...`` or ``pass``
    (or its source cannot be read, as for a lambda returning None)."""
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
    except (OSError, TypeError, SyntaxError):
        return True
    definition = next((node for node in ast.walk(tree)
                       if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))), None)
    if definition is None:
        return True
    body = definition.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
            and isinstance(body[0].value.value, str):
        body = body[1:]  # the docstring
    return all(isinstance(statement, ast.Pass) or (
        isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant)
        and statement.value.value is Ellipsis) for statement in body)


def call(function: Any, *args: Any, **kwargs: Any) -> Any:
    """Call the reader's function with the task's arguments. A body still ``...`` means
    not answered; a filled-in body that returns None is told it forgot its ``return``; a
    function that cannot take the task's arguments is told so before it runs."""
    answered(function)
    if isinstance(function, type):
        raise Wrong(f"expected a function, got the class {function.__name__}")
    if not callable(function):
        raise Wrong(f"expected a function, got a {type(function).__name__}")
    try:
        inspect.signature(function).bind(*args, **kwargs)
    except TypeError as error:
        raise Wrong(f"the function cannot be called with the task's {len(args)} arguments "
                    f"({error})") from None
    except ValueError:  # no signature to read (some built-ins): just call it
        pass
    result = function(*args, **kwargs)
    if result is None and not is_blank(function):
        raise Wrong("your function returned None: is its `return` missing?")
    return answered(result)


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

def expect_model(model: Any, what: str = "a Keras model") -> Any:
    """``model`` if it is a built Keras model or layer; else say what was passed instead."""
    import keras

    answered(model)
    if isinstance(model, type):
        raise Wrong(f"expected {what}, got the class {model.__name__}: pass an instance "
                    f"({model.__name__}(...))")
    if not isinstance(model, (keras.Model, keras.layers.Layer)):
        kind = type(model).__name__
        extra = " (its predictions? pass the model itself)" if hasattr(model, "shape") else ""
        raise Wrong(f"expected {what}, got a {kind}{extra}")
    return model


def predict(model: Any, inputs: np.ndarray) -> np.ndarray:
    """The model's output for ``inputs`` (inference mode) as a NumPy array."""
    expect_model(model)
    return as_numpy(model(inputs.astype("float32"), training=False), "the model's output")


def saturated(model: Any, inputs: np.ndarray, factor: float = 50.0) -> np.ndarray:
    """The outputs of a copy of ``model`` whose kernels are ``factor`` times larger: what
    the output layer does to large pre-activations (a tanh or sigmoid keeps them bounded;
    a linear or ReLU output does not), which small untrained weights never show."""
    import keras

    try:
        copy = keras.models.clone_model(model)
    except Exception:  # a subclassed model Keras cannot clone: judge it on its own outputs
        return predict(model, inputs)
    copy.set_weights([weight * factor if weight.ndim > 1 else weight
                      for weight in model.get_weights()])
    return predict(copy, inputs)


def all_layers(model: Any) -> list:
    """Every layer of ``model``: nested models' layers, and the layers a wrapper holds
    (``Bidirectional``'s two, ``TimeDistributed``'s one) included."""
    import keras

    layers = []
    children = list(getattr(model, "layers", []))
    wrapped = ("forward_layer", "backward_layer") if hasattr(model, "forward_layer") else ("layer",)
    for attribute in wrapped:
        child = getattr(model, attribute, None)
        if isinstance(child, keras.layers.Layer) and child not in children:
            children.append(child)
    for layer in children:
        layers.append(layer)
        layers.extend(all_layers(layer))
    return layers
