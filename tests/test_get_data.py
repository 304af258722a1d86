"""`make data` on a fresh machine (helpers.support.get_data): a local copy is used when
there is one, else the official files are downloaded and checked against their
SHA-256; with neither, one message says what to do. The network is faked: the
"server" serves bytes from the project's own copy."""
import hashlib
import io
import shutil

import pytest

from helpers.support import data as data_module
from helpers.support import get_data
from helpers.support.data import FILES, FashionMNISTError, find_dataset_dir

LABELS = ("train-labels-idx1-ubyte.gz", "t10k-labels-idx1-ubyte.gz")


@pytest.fixture(scope="module")
def copy():
    """The folder that holds the four files this test run uses."""
    return find_dataset_dir(download=False)


@pytest.fixture
def nowhere(monkeypatch, tmp_path):
    """No project data, empty Keras cache, no FASHION_MNIST_DIR."""
    monkeypatch.delenv("FASHION_MNIST_DIR", raising=False)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras-home"))
    monkeypatch.setattr(data_module, "DATA_DIR", tmp_path / "project-data")
    return tmp_path / "project-data" / "fashion-mnist"


class FakeResponse(io.BytesIO):
    def __init__(self, payload):
        super().__init__(payload)
        self.headers = {"Content-Length": str(len(payload))}


def serve(monkeypatch, files, requested):
    def urlopen(url, timeout):
        requested.append(url)
        name = url.rsplit("/", 1)[1]
        if name not in files:
            raise OSError(f"404 for {name}")
        return FakeResponse(files[name])

    monkeypatch.setattr(get_data.urllib.request, "urlopen", urlopen)


def test_the_label_files_are_the_official_ones(copy):
    """The SHA-256 table is right where this machine can check it: the label files of
    every copy are the official bytes (the images of the project's copy are re-packed)."""
    for name in LABELS:
        assert get_data.sha256(copy / name) == get_data.OFFICIAL_SHA256[name]


def test_a_local_copy_is_copied_and_a_second_run_does_nothing(nowhere, copy, monkeypatch):
    serve(monkeypatch, {}, requested := [])
    messages = []
    assert get_data.fill(sources=[copy], log=messages.append) == nowhere
    assert get_data.is_complete(nowhere) and "Copied" in messages[-1]
    get_data.fill(sources=[copy], log=messages.append)
    assert "already holds" in messages[-1] and requested == []


def test_keras_cache_is_used_without_a_sibling_folder(nowhere, copy, tmp_path, monkeypatch):
    shutil.copytree(copy, tmp_path / "keras-home" / "datasets" / "fashion-mnist")
    serve(monkeypatch, {}, requested := [])
    get_data.fill(log=lambda *a, **k: None)
    assert get_data.is_complete(nowhere) and requested == []


def test_download_keeps_official_bytes_and_rejects_others(nowhere, copy, monkeypatch):
    served = {name: (copy / name).read_bytes() for name in FILES}
    official = {name: hashlib.sha256(payload).hexdigest() for name, payload in served.items()}
    monkeypatch.setattr(get_data, "OFFICIAL_SHA256", official)
    serve(monkeypatch, served, requested := [])
    lines = []
    get_data.fill(log=lambda *parts, **kw: lines.append("".join(parts)))
    assert get_data.is_complete(nowhere) and len(requested) == 4
    assert any("MB" in line for line in lines), "a progress line per file"

    (nowhere / LABELS[0]).unlink()
    served[LABELS[0]] = b"\xff" + served[LABELS[0]][1:]  # both mirrors serve a damaged file
    with pytest.raises(FashionMNISTError, match="SHA-256 is not the official one"):
        get_data.fill(log=lambda *a, **k: None)
    assert not (nowhere / LABELS[0]).exists()
    assert not list(nowhere.glob("*.part")), "no half-downloaded file is left behind"


def test_offline_with_no_copy_says_what_to_do(nowhere, monkeypatch):
    serve(monkeypatch, {}, requested := [])
    with pytest.raises(FashionMNISTError) as error:
        get_data.fill(log=lambda *a, **k: None)
    message = str(error.value)
    assert "could not download" in message and "make data" in message
    assert "FASHION_MNIST_DIR" in message and str(nowhere) in message
    assert len(requested) == len(get_data.MIRRORS), "each mirror tried once, then stop"


def test_no_download_flag_and_command_line(nowhere, monkeypatch, capsys):
    serve(monkeypatch, {}, requested := [])
    assert get_data.main(["--no-download"]) == 1
    assert "downloading was turned off" in capsys.readouterr().err and requested == []
