import gzip
import shutil
import urllib.request
import struct

import numpy as np
import pytest

from helpers.support import data as data_module
from helpers.support.data import FILES, FashionMNISTError, load_fashion_mnist, read_idx


@pytest.fixture(scope="module")
def dataset():
    return load_fashion_mnist()


def test_book_split_shapes_dtypes_and_range(dataset):
    assert dataset.X_train.shape == (55_000, 28, 28)
    assert dataset.X_valid.shape == (5_000, 28, 28)
    assert dataset.X_test.shape == (10_000, 28, 28)
    assert dataset.y_train.shape == (55_000,) and dataset.y_test.shape == (10_000,)
    for images in (dataset.X_train, dataset.X_valid, dataset.X_test):
        assert images.dtype == np.float32
        assert images.min() == 0.0 and images.max() == 1.0
    assert set(np.unique(dataset.y_train)) == set(range(10))
    assert len(dataset.class_names) == 10 and dataset.class_names[9] == "Ankle boot"
    assert 0.27 < dataset.X_train.mean() < 0.30  # Fashion-MNIST's mean pixel is 0.286


def test_subsets_keep_the_first_images(dataset):
    small = load_fashion_mnist(train_size=100, valid_size=10)
    assert small.X_train.shape == (100, 28, 28) and small.X_valid.shape == (10, 28, 28)
    np.testing.assert_array_equal(small.X_train, dataset.X_train[:100])
    np.testing.assert_array_equal(small.X_valid, dataset.X_valid[:10])
    np.testing.assert_array_equal(small.y_valid, dataset.y_valid[:10])
    # The pixels divided by 255 in float32, whichever way the loader gets there.
    name = "train-images-idx3-ubyte.gz"
    raw = read_idx(dataset.source / name, *FILES[name])
    np.testing.assert_array_equal(small.X_valid, raw[55_000:55_010].astype(np.float32) / 255.0)
    larger = load_fashion_mnist(train_size=100_000)  # more than there are: all of them
    assert larger.X_train.shape == (55_000, 28, 28) and larger.X_valid.shape == (5_000, 28, 28)
    with pytest.raises(ValueError, match="positive"):
        load_fashion_mnist(train_size=0)


def test_each_file_is_decoded_once_until_it_changes(monkeypatch, tmp_path, dataset):
    folder = tmp_path / "mine"
    shutil.copytree(dataset.source, folder)
    monkeypatch.setenv("FASHION_MNIST_DIR", str(folder))
    decoded = []
    original = data_module.read_idx
    monkeypatch.setattr(data_module, "read_idx",
                        lambda path, *spec: decoded.append(path.name) or original(path, *spec))
    first = load_fashion_mnist(train_size=10)
    second = load_fashion_mnist(train_size=20)
    assert sorted(decoded) == sorted(FILES), "a second load decoded the files again"
    np.testing.assert_array_equal(second.X_train[:10], first.X_train)
    assert not first.y_train.flags.writeable  # the cached arrays cannot be changed
    labels = folder / "t10k-labels-idx1-ubyte.gz"
    labels.write_bytes(gzip.compress(gzip.decompress(labels.read_bytes())[:-1] + b"\x05"))
    assert load_fashion_mnist(train_size=10).y_test[-1] == 5  # changed: decoded again
    assert decoded.count(labels.name) == 2


def _write_idx(path, magic, shape, payload=None, truncate=0):
    body = payload if payload is not None else bytes(int(np.prod(shape)))
    raw = struct.pack(">I", magic) + struct.pack(f">{len(shape)}I", *shape) + body
    with gzip.open(path, "wb") as file:
        file.write(raw[:len(raw) - truncate])


def test_read_idx_accepts_a_valid_file(tmp_path):
    path = tmp_path / "labels.gz"
    _write_idx(path, 2049, (3,), payload=bytes([1, 2, 3]))
    np.testing.assert_array_equal(read_idx(path, 2049, 3), [1, 2, 3])


@pytest.mark.parametrize("problem, writer, message", [
    ("bad gzip", lambda p: p.write_bytes(b"not gzip at all"), "cannot decompress"),
    ("wrong magic", lambda p: _write_idx(p, 2051, (3,)), "magic number 2051, expected 2049"),
    ("wrong count", lambda p: _write_idx(p, 2049, (2,)), "holds 2 items, expected 3"),
    ("truncated", lambda p: _write_idx(p, 2049, (3,), truncate=1), "truncated"),
])
def test_read_idx_rejects_bad_files_with_the_fix(tmp_path, problem, writer, message):
    path = tmp_path / "labels.gz"
    writer(path)
    with pytest.raises(FashionMNISTError, match=message) as error:
        read_idx(path, 2049, 3)
    assert str(path) in str(error.value) and "make data" in str(error.value)


def test_truncated_gzip_stream_is_a_clear_error(tmp_path):
    path = tmp_path / "labels.gz"
    _write_idx(path, 2049, (3,), payload=bytes([1, 2, 3]))
    path.write_bytes(path.read_bytes()[:-12])
    with pytest.raises(FashionMNISTError, match="cannot decompress"):
        read_idx(path, 2049, 3)


def _isolate(monkeypatch, tmp_path, folder):
    """Make `folder` the only place searched: no project cache, empty Keras home."""
    monkeypatch.setenv("FASHION_MNIST_DIR", str(folder))
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras-home"))
    monkeypatch.setattr(data_module, "DATA_DIR", tmp_path / "no-project-data")


def test_missing_files_name_every_folder_tried(monkeypatch, tmp_path):
    _isolate(monkeypatch, tmp_path, tmp_path / "empty")
    with pytest.raises(FashionMNISTError) as error:
        load_fashion_mnist(download=False)
    message = str(error.value)
    for folder in (tmp_path / "empty", tmp_path / "no-project-data" / "fashion-mnist",
                   tmp_path / "keras-home" / "datasets" / "fashion-mnist"):
        assert str(folder) in message
    assert "FASHION_MNIST_DIR" in message and "make data" in message
    assert all(name in message for name in FILES), "the fix names the four files"


def test_failed_download_is_reported_with_the_fix(monkeypatch, tmp_path):
    _isolate(monkeypatch, tmp_path, tmp_path / "empty")

    def no_network(*args, **kwargs):
        raise OSError("network is unreachable")

    monkeypatch.setattr(urllib.request, "urlopen", no_network)
    with pytest.raises(FashionMNISTError, match="(?s)download failed.*unreachable.*make data"):
        load_fashion_mnist(download=True)


def test_corrupt_file_in_the_chosen_folder_is_reported(monkeypatch, tmp_path, dataset):
    folder = tmp_path / "copy"
    shutil.copytree(dataset.source, folder)
    (folder / "t10k-labels-idx1-ubyte.gz").write_bytes(b"\x1f\x8b garbage")
    _isolate(monkeypatch, tmp_path, folder)
    with pytest.raises(FashionMNISTError, match="t10k-labels-idx1-ubyte.gz"):
        load_fashion_mnist(download=False)


def test_fashion_mnist_dir_comes_first(monkeypatch, tmp_path, dataset):
    folder = tmp_path / "mine"
    shutil.copytree(dataset.source, folder)
    monkeypatch.setenv("FASHION_MNIST_DIR", str(folder))
    assert load_fashion_mnist(train_size=10).source == folder
    assert set(FILES) <= {path.name for path in folder.iterdir()}
