"""What produced a trained model, so a re-run reuses it only when nothing changed.

A fingerprint is a flat ``{key: value}`` record of the model's architecture
(its config without the names Keras numbers anew in every run, and its weight
shapes), its compile configuration (optimizers, loss), the fit arguments, the
training data's shape and a digest of its bytes, the preset's numbers and the
source code of every class of the model that is not Keras' own (a helpers
class, or one a notebook cell defines). ``changes`` says, key by key, what
differs between two of them.

Usage::

    now = training_fingerprint(model, settings, X_train, X_train, {"epochs": 10})
    changes(saved, now)   # ['fit.epochs: 5 -> 10']
"""
from __future__ import annotations

import hashlib
import inspect
import json
from collections.abc import Mapping
from typing import Any

import keras
import numpy as np

from helpers.support.presets import Settings

# Fit arguments that change what is shown, not what is learned.
DISPLAY_ONLY = {"verbose"}
# Config keys that carry the names Keras numbers anew in each run (dense_3, dense_4).
RUN_NAMES = {"name", "keras_history", "input_layers", "output_layers"}


def _without_run_names(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {key: _without_run_names(item) for key, item in value.items()
                if key not in RUN_NAMES}
    if isinstance(value, (list, tuple)):
        return [_without_run_names(item) for item in value]
    return value


def _flatten(value: Any, prefix: str, into: dict[str, str]) -> dict[str, str]:
    if isinstance(value, Mapping) and value:
        for key in sorted(value, key=str):
            _flatten(value[key], f"{prefix}.{key}", into)
    elif isinstance(value, (list, tuple)) and value:
        for index, item in enumerate(value):
            _flatten(item, f"{prefix}.{index}", into)
    else:
        into[prefix] = json.dumps(value, sort_keys=True, default=str)
    return into


def data_signature(array: Any) -> str:
    """``float32[55000, 28, 28] blake2b:…`` for an array; the type's name otherwise."""
    if isinstance(array, (list, tuple)):
        return "[" + ", ".join(data_signature(item) for item in array) + "]"
    if isinstance(array, Mapping):
        return "{" + ", ".join(f"{key}: {data_signature(item)}"
                               for key, item in sorted(array.items())) + "}"
    if hasattr(array, "shape") and hasattr(array, "dtype"):
        values = np.ascontiguousarray(np.asarray(array))
        digest = hashlib.blake2b(values.data, digest_size=8).hexdigest()
        return f"{values.dtype}{list(values.shape)} blake2b:{digest}"
    return type(array).__name__ if array is not None else "None"


def _own_classes(model: keras.Model) -> list[type]:
    """The model's class and its layers' classes, with their bases, that are not Keras'."""
    found, layers = [], [model]
    while layers:
        layer = layers.pop()
        for cls in type(layer).__mro__:
            if cls.__module__.split(".")[0] not in {"keras", "builtins", "tensorflow"} \
                    and cls not in found:
                found.append(cls)
        layers.extend(getattr(layer, "layers", []))
    return found


def source_digest(cls: type) -> str:
    """A digest of the class's code: its source and its methods' sources, so that a
    method added in a later cell (``add_to_class``) counts too. A method without
    source (a class defined in a notebook cell may have none) counts by its bytecode."""
    try:
        parts = [inspect.getsource(cls)]
    except (OSError, TypeError):
        parts = []
    for name, member in sorted(vars(cls).items()):
        # Class and static methods through __func__, properties through their getter.
        function = getattr(member, "__func__", getattr(member, "fget", member))
        if not inspect.isfunction(function):
            continue
        try:
            parts.append(inspect.getsource(function))
        except (OSError, TypeError):
            code = function.__code__
            parts.append(name + repr((code.co_code, code.co_consts)))
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def _compile_config(model: keras.Model) -> Any:
    try:
        config = model.get_compile_config() or {}
    except Exception:  # a reader's own compile may not support it
        config = {}
    optimizers = {name: keras.optimizers.serialize(value) for name, value in vars(model).items()
                  if isinstance(value, keras.optimizers.Optimizer) and name not in config}
    return {**config, **optimizers}


def training_fingerprint(model: keras.Model, settings: Settings, x: Any, y: Any,
                         fit_kwargs: Mapping[str, Any]) -> dict[str, str]:
    """The flat record of what trains ``model`` (see the module's docstring)."""
    try:
        config = model.get_config()
    except Exception:  # a subclass without get_config: its weights and code still count
        config = "unavailable"
    fit = {key: (data_signature(value) if key in {"validation_data", "sample_weight"}
                 else [type(c).__name__ for c in value] if key == "callbacks" else value)
           for key, value in fit_kwargs.items() if key not in DISPLAY_ONLY}
    record = {
        "model": {"class": type(model).__qualname__, "config": _without_run_names(config),
                  "weights": [list(weight.shape) for weight in model.weights]},
        "compile": _without_run_names(_compile_config(model)),
        "fit": fit,
        "data": {"x": data_signature(x), "y": data_signature(y)},
        "settings": {"preset": settings.preset, **dict(settings)},
        "code": {f"{cls.__module__}.{cls.__qualname__}": source_digest(cls)
                 for cls in _own_classes(model)},
    }
    return {key: value for section, part in record.items()
            for key, value in _flatten(part, section, {}).items()}


def changes(saved: Mapping[str, str], now: Mapping[str, str], most: int = 6) -> list[str]:
    """``key: saved -> now`` for every key that differs, at most ``most`` lines."""
    keys = sorted(set(saved) | set(now))
    lines = [f"{key}: {saved.get(key, '(none)')} -> {now.get(key, '(none)')}"
             for key in keys if saved.get(key) != now.get(key)]
    if len(lines) > most:
        lines = lines[:most] + [f"... and {len(lines) - most} more"]
    return lines
