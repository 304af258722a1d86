"""Run notebooks top to bottom and keep their outputs, cleaned for committing.

Usage: ``NOTEBOOK_PRESET=default python tools/run_notebooks.py notebooks/*.ipynb``

``--first-cell`` runs only each notebook's first code cell (imports and
``helpers.setup``) and replaces that cell's outputs, leaving the rest as they
were: for a change to what the first cell prints, without retraining.

Cleaning: TensorFlow's start-up notices on stderr are dropped, progress-bar
updates overwritten with ``\\r`` are collapsed to their last state, and
per-cell timing metadata is removed, so diffs show only what changed.
"""
from __future__ import annotations

import os
import re
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

NOISE = re.compile(r"oneDNN|cuda|absl::|cpu_feature_guard|TF_ENABLE_ONEDNN_OPTS|"
                   r"rebuild TensorFlow|computation placer|WARNING: All log messages|"
                   r"E0000|I0000|W0000")


def collapse_carriage_returns(text: str) -> str:
    """Keep what a terminal would show: the text after the last ``\\r`` of each line."""
    text = text.replace("\b", "")
    return "\n".join(line.rsplit("\r", 1)[-1] for line in text.split("\n"))


def merge_streams(outputs: list) -> list:
    """Join consecutive outputs of the same stream (a progress bar arrives in many)."""
    merged: list = []
    for output in outputs:
        previous = merged[-1] if merged else None
        if (output.output_type == "stream" and previous is not None
                and previous.output_type == "stream" and previous.name == output.name):
            previous.text += output.text
        else:
            merged.append(output)
    return merged


def clean(notebook: nbformat.NotebookNode) -> None:
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        cell.metadata.pop("execution", None)
        outputs = []
        for output in merge_streams(cell.outputs):
            if output.output_type == "stream":
                if output.name == "stderr":
                    kept = [line for line in output.text.splitlines(keepends=True)
                            if not NOISE.search(line)]
                    output.text = "".join(kept)
                output.text = collapse_carriage_returns(output.text)
                if not output.text.strip():
                    continue
            outputs.append(output)
        cell.outputs = outputs


def execute(notebook: nbformat.NotebookNode, folder: Path, timeout: int) -> None:
    """Run ``notebook`` in a fresh kernel started in ``folder``, then clean its outputs."""
    NotebookClient(notebook, timeout=timeout, kernel_name="python3",
                   resources={"metadata": {"path": str(folder)}}).execute()
    clean(notebook)


def run(path: Path, first_cell_only: bool = False) -> float:
    notebook = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    if first_cell_only:
        first = next(cell for cell in notebook.cells if cell.cell_type == "code")
        alone = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(first.source)],
                                         metadata=notebook.metadata)
        execute(alone, path.parent, timeout=600)
        first.outputs = alone.cells[0].outputs
    else:
        execute(notebook, path.parent, timeout=1800)
    elapsed = time.perf_counter() - start
    nbformat.write(notebook, path)
    return elapsed


def main(paths: list[str]) -> None:
    first_cell_only = "--first-cell" in paths
    paths = [name for name in paths if name != "--first-cell"]
    os.environ.setdefault("NOTEBOOK_PRESET", "default")
    os.environ["NOTEBOOK_RETRAIN"] = "1"  # committed outputs come from a real training run
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    for name in paths:
        print(f"{name}: running in the {os.environ['NOTEBOOK_PRESET']} preset...", flush=True)
        print(f"{name}: {run(Path(name), first_cell_only):.0f} s", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
