"""Test-wide environment: the smoke preset, retraining, no downloads, quiet TensorFlow,
and TensorFlow's threads shared out between pytest-xdist workers.

Set before any kernel starts, so nbval's notebook kernels inherit it. The
preset is forced, not defaulted: a reader's exported NOTEBOOK_PRESET must not
turn the test run into a default-preset one (or overwrite their models).

``make test`` runs the suite on every core (``pytest -n auto``): each test file,
and each chain of notebooks (CHAINS), is one unit of work that runs in one
worker, in order, so a notebook's cells stay together. Each worker's
TensorFlow, and the notebook kernels it starts, get an equal share of the
cores, so two workers do not fight over them (``tools/bench.py --only
threads`` measures the choice).
"""
import importlib.util
import os
from pathlib import PurePosixPath

os.environ["NOTEBOOK_PRESET"] = "smoke"
os.environ["NOTEBOOK_RETRAIN"] = "1"  # tests always train: a stale saved model proves nothing
os.environ["FASHION_MNIST_NO_DOWNLOAD"] = "1"
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("MPLBACKEND", "Agg")


THREAD_VARIABLES = ("TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS", "OMP_NUM_THREADS")


def threads_per_worker(cores: int | None, workers: int) -> int:
    """An equal share of the cores for each of ``workers`` processes, at least one."""
    return max(1, (cores or 1) // max(1, workers))


_workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "0") or 0)
if _workers > 1:
    _threads = str(threads_per_worker(os.cpu_count(), _workers))
    for _variable in THREAD_VARIABLES:
        os.environ.setdefault(_variable, _threads)


# Notebooks that load models other notebooks save (to compare with them) run in one
# worker, in reading order, so the comparison always runs and never meets a file being
# written. Run alone, each still passes: it says which notebook to run first.
CHAINS = {
    "autoencoder notebooks": ("02_", "03_", "04_", "05_", "06_"),  # 04, 06 load 02-05's
    "generative notebooks": ("07_", "08_", "09_", "12_", "13_"),  # 08 loads 07's, 09 08's, ...
}


def schedule_group(nodeid: str) -> str:
    """The unit of work a test belongs to: its chain of notebooks, or its file."""
    path = PurePosixPath(nodeid.split("::", 1)[0])
    if path.suffix == ".ipynb" and path.parent.name == "notebooks":
        for chain, prefixes in CHAINS.items():
            if path.name.startswith(prefixes):
                return chain
    return str(path)


if importlib.util.find_spec("xdist"):
    def pytest_xdist_make_scheduler(config, log):
        """pytest-xdist hands out whole units (``schedule_group``): a unit's tests run in
        one worker, in collection order. (Its ``xdist_group`` mark would do the same, but
        pytest-xdist 3.8 cannot apply it under pytest 9.2, which derives node ids anew.)"""
        from xdist.scheduler import LoadScopeScheduling

        config.option.loadscopereorder = False  # keep our order (longest first), not by count
        class ChainScheduling(LoadScopeScheduling):
            def _split_scope(self, nodeid: str) -> str:
                return schedule_group(nodeid)

        return ChainScheduling(config, log)


def pytest_collection_modifyitems(config, items):
    """Longest first, so that the workers finish together: the chains, the browser tests
    (four notebooks' widgets in JupyterLab), the other notebooks, then the unit tests. Only the
    schedule changes: no test needs another."""
    def rank(item):
        if schedule_group(item.nodeid) in CHAINS:
            return 0
        if item.path.name == "test_browser_widgets.py":
            return 1
        return 2 if item.path.suffix == ".ipynb" else 3

    items.sort(key=rank)  # stable: each file's own order is kept
