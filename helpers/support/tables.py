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
