"""The first cell of each notebook, run in a fresh kernel exactly as JupyterLab
runs it (no output filter, TensorFlow's log level not preset), shows only what
the committed outputs show: the preset and the settings, no TensorFlow
start-up notices, no paths of this machine, no object reprs.

Each kernel spends seconds importing TensorFlow on one core, so the kernels run
two at a time (this machine's two cores); each notebook still gets its own test."""
import re
from concurrent.futures import ThreadPoolExecutor

import nbformat
import pytest
from nbclient import NotebookClient

from notebook_files import NOTEBOOKS, ROOT

NOISE = re.compile(r"oneDNN|cuda|absl|cpu_feature_guard|TF_ENABLE_ONEDNN_OPTS|I0000|W0000|E0000"
                   r"|<\w[^>]* at 0x[0-9a-f]+>|" + re.escape(str(ROOT.parent)))
PARALLEL_KERNELS = 2


def run_first_cell(path):
    """The outputs of ``path``'s first code cell, run alone in a fresh kernel."""
    first_cell = next(cell for cell in nbformat.read(path, as_version=4).cells
                      if cell.cell_type == "code")
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(first_cell.source)])
    NotebookClient(notebook, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    return notebook.cells[0].outputs


@pytest.fixture(scope="module")
def first_cell_outputs():
    with pytest.MonkeyPatch.context() as patch:
        for variable in ("TF_CPP_MIN_LOG_LEVEL", "MPLBACKEND"):  # as in a reader's Lab kernel
            patch.delenv(variable, raising=False)
        with ThreadPoolExecutor(PARALLEL_KERNELS) as pool:
            futures = {path: pool.submit(run_first_cell, path) for path in NOTEBOOKS}
            return {path: future for path, future in futures.items()}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_first_cell_is_quiet_in_a_fresh_kernel(path, first_cell_outputs):
    outputs = first_cell_outputs[path].result()  # re-raises the kernel's error, if any
    stderr = "".join(output.get("text", "") for output in outputs if output.get("name") == "stderr")
    assert stderr == "", f"the first cell writes to stderr in Lab:\n{stderr[:500]}"
    text = "".join(output.get("text", "") for output in outputs)
    assert text.startswith("Preset: smoke"), text[:200]
    assert not NOISE.search(text), f"noise in the first cell's output: {NOISE.search(text)[0]!r}"
