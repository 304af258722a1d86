"""The first cell of each notebook, run as JupyterLab runs it (no output filter,
TensorFlow's log level not preset), shows only what the committed outputs show:
the preset and the settings, no TensorFlow start-up notices, no paths of this
machine, no object reprs.

TensorFlow prints its start-up notices once per process, at its first import, so
what keeps them out is that ``import helpers`` (which silences TensorFlow before
importing it) comes first in every notebook: checked statically below. One fresh
kernel then runs every notebook's first cell in turn: the first of them meets the
real start-up, and each gets its own test of what it prints. (A kernel per notebook
checked nothing more and spent 50 s importing TensorFlow 15 times.)"""
import ast
import re

import nbformat
import pytest
from nbclient import NotebookClient

from notebook_files import NOTEBOOKS, ROOT

NOISE = re.compile(r"oneDNN|cuda|absl|cpu_feature_guard|TF_ENABLE_ONEDNN_OPTS|I0000|W0000|E0000"
                   r"|<\w[^>]* at 0x[0-9a-f]+>|" + re.escape(str(ROOT.parent)))


def first_code_cell(path):
    return next(cell for cell in nbformat.read(path, as_version=4).cells
                if cell.cell_type == "code")


@pytest.fixture(scope="module")
def first_cell_outputs():
    """{notebook: outputs of its first cell}, all run in one fresh kernel, in order."""
    cells = [nbformat.v4.new_code_cell(first_code_cell(path).source) for path in NOTEBOOKS]
    notebook = nbformat.v4.new_notebook(cells=cells)
    with pytest.MonkeyPatch.context() as patch:
        # As in a reader's Lab kernel. Without PYTEST_CURRENT_TEST too: ipykernel seeing it
        # stops forwarding what C++ code writes to file descriptor 2, where TensorFlow's
        # start-up notices go, and this test would see none of them.
        for variable in ("TF_CPP_MIN_LOG_LEVEL", "MPLBACKEND", "PYTEST_CURRENT_TEST"):
            patch.delenv(variable, raising=False)
        NotebookClient(notebook, timeout=300, kernel_name="python3",
                       resources={"metadata": {"path": str(NOTEBOOKS[0].parent)}}).execute()
    return {path: cell.outputs for path, cell in zip(NOTEBOOKS, notebook.cells)}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_first_cell_imports_helpers_before_anything_else(path):
    statements = ast.parse(first_code_cell(path).source).body
    first = statements[0]
    assert isinstance(first, ast.Import) and [alias.name for alias in first.names] == ["helpers"], \
        "the first statement must be `import helpers`: it silences TensorFlow before importing it"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_first_cell_is_quiet_in_a_fresh_kernel(path, first_cell_outputs):
    outputs = first_cell_outputs[path]
    stderr = "".join(output.get("text", "") for output in outputs if output.get("name") == "stderr")
    assert stderr == "", f"the first cell writes to stderr in Lab:\n{stderr[:500]}"
    text = "".join(output.get("text", "") for output in outputs)
    assert text.startswith("Preset: smoke"), text[:200]
    assert not NOISE.search(text), f"noise in the first cell's output: {NOISE.search(text)[0]!r}"
