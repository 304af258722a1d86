"""Test-wide environment: the smoke preset, retraining, no downloads, quiet TensorFlow.

Set before any kernel starts, so nbval's notebook kernels inherit it. The
preset is forced, not defaulted: a reader's exported NOTEBOOK_PRESET must not
turn the test run into a default-preset one (or overwrite their models).

The real-browser tests run last: by then nbval has trained and saved every
notebook's smoke models, which the browser's kernels load instead of training
again.
"""
import os

os.environ["NOTEBOOK_PRESET"] = "smoke"
os.environ["NOTEBOOK_RETRAIN"] = "1"  # tests always train: a stale saved model proves nothing
os.environ["FASHION_MNIST_NO_DOWNLOAD"] = "1"
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("MPLBACKEND", "Agg")


def pytest_collection_modifyitems(config, items):
    browser = [item for item in items if item.path.name == "test_browser_widgets.py"]
    items[:] = [item for item in items if item not in browser] + browser
