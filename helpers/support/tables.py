"""Tables the notebooks print: layer shapes and Markdown result tables.

Usage::

    print_layer_table(conv_encoder, conv_decoder)
    show_table(["model", "validation MSE"], [("stacked", "0.0128")])
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence

import keras


def print_layer_table(*models: keras.Model) -> None:
    """Each layer's output shape and parameter count, model after model."""
    print(f"{'layer':<40}{'output shape':<20}{'parameters':>10}")
    for model in models:
        for layer in model.layers:
            name = f"{model.name}/{layer.name}"
            print(f"{name:<40}{str(layer.output.shape):<20}{layer.count_params():>10,}")
    print(f"{'total':<60}{sum(model.count_params() for model in models):>10,}")


def markdown_table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A Markdown table; numbers are right-aligned."""
    rows = [[str(cell) for cell in row] for row in rows]
    for row in rows:
        if len(row) != len(headers):
            raise ValueError(f"a row has {len(row)} cells, expected {len(headers)}: {row}")
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def show_table(headers: Sequence[str], rows: Iterable[Sequence[object]],
               caption: str | None = None) -> None:
    """Display ``markdown_table(headers, rows)`` in the notebook, after an optional caption."""
    from IPython.display import Markdown, display

    text = markdown_table(headers, rows)
    display(Markdown(f"{caption}\n\n{text}" if caption else text))


def describe_optimizer(optimizer: keras.optimizers.Optimizer) -> str:
    """An optimizer and its learning rate in a few words, read from its config, e.g.
    ``"RMSprop, learning rate 0.002 decayed to 0 (CosineDecay, 4,300 steps)"``.

    Usage: ``describe_optimizer(dcgan.g_optimizer)``
    """
    config = optimizer.get_config()
    rate = config["learning_rate"]
    extras = [f"{name} {config[name]:g}" for name in ("beta_1", "beta_2", "rho")
              if name in config and config[name] is not None]
    name = type(optimizer).__name__ + (f" ({', '.join(extras)})" if extras else "")
    if isinstance(rate, dict):  # a schedule, serialized
        schedule = rate.get("config", {})
        start = schedule.get("initial_learning_rate")
        floor = schedule.get("alpha", None)
        steps = schedule.get("decay_steps")
        end = "" if floor is None else f" decayed to {start * floor:g}"
        return (f"{name}, learning rate {start:g}{end} ({rate.get('class_name')}"
                f"{f', {steps:,} steps' if steps else ''})")
    return f"{name}, learning rate {float(rate):g}, constant"
