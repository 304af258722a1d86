"""Committed notebooks carry the outputs of a clean default-preset run, so a
reader on GitHub sees every figure and number."""
import re

import nbformat
import pytest

from notebook_files import NOTEBOOKS

NOISE = re.compile(r"oneDNN|cuda_drivers|absl::|cpu_feature_guard|Traceback")


def test_there_are_notebooks():
    assert NOTEBOOKS


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_outputs_from_a_default_run_in_order(path):
    notebook = nbformat.read(path, as_version=4)
    code_cells = [cell for cell in notebook.cells if cell.cell_type == "code"]
    counts = [cell.execution_count for cell in code_cells]
    assert counts == list(range(1, len(code_cells) + 1)), \
        "run the notebook top to bottom in a fresh kernel (make outputs)"
    first_output = "".join(output.get("text", "") for output in code_cells[0].outputs)
    assert "Preset: default" in first_output, "outputs must come from the default preset"
    assert any(output.output_type == "display_data" for cell in code_cells
               for output in cell.outputs), "no figure in the committed outputs"
    for cell in code_cells:
        for output in cell.outputs:
            assert output.output_type != "error", f"error output in: {cell.source[:60]!r}"
            assert not NOISE.search(output.get("text", "")), \
                f"log noise in committed output of: {cell.source[:60]!r}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_notebook_structure(path):
    notebook = nbformat.read(path, as_version=4)
    assert notebook.cells[0].cell_type == "markdown" and notebook.cells[0].source.startswith("# ")
    first_code = next(cell for cell in notebook.cells if cell.cell_type == "code")
    assert "helpers.setup(" in first_code.source
    assert any("What we saw" in cell.source for cell in notebook.cells
               if cell.cell_type == "markdown"), "end with a 'What we saw' summary"
