"""The generators shipped in pretrained/ (tools/train_long.py): the manifest lists the
three, every hash and size matches, the files are small, each loads in safe mode and
draws images, and the style-mixing widget finds the StyleGAN. Nothing is trained."""
import keras
import numpy as np
import pytest

import helpers
from helpers.support.pretrained import (PRETRAINED_DIR, load_pretrained, pretrained_path,
                                        read_manifest, sha256)

NAMES = ("dcgan", "progan", "stylegan")
MANIFEST = read_manifest()


def test_manifest_lists_the_three_generators_and_how_they_were_made():
    assert set(MANIFEST["models"]) == set(NAMES)
    assert MANIFEST["command"] == "python tools/train_long.py" and MANIFEST["preset"] == "long"
    for name, entry in MANIFEST["models"].items():
        assert entry["notebook"].startswith("notebooks/") and entry["settings"], name
        assert entry["notebook_wall_minutes"] > 0 and entry["notebook_cpu_minutes"] > 0, name
        assert 0 < entry["frechet_distance"] and 0 <= entry["class_entropy"] <= np.log(10)


def test_every_file_matches_its_hash_and_the_folder_stays_small():
    total = 0
    for name, entry in MANIFEST["models"].items():
        path = PRETRAINED_DIR / entry["file"]
        assert path.is_file(), f"{path} is listed in the manifest but missing"
        assert sha256(path) == entry["sha256"], f"{path} differs from the manifest"
        assert path.stat().st_size == entry["bytes"]
        total += entry["bytes"]
    assert total < 10e6, f"pretrained/ holds {total / 1e6:.1f} MB"
    listed = {entry["file"] for entry in MANIFEST["models"].values()} | {"manifest.json"}
    assert {path.name for path in PRETRAINED_DIR.iterdir()} == listed, "files the manifest lacks"


@pytest.mark.parametrize("name", NAMES)
def test_each_generator_loads_in_safe_mode_and_draws_images(name):
    generator = load_pretrained(name)
    codings_size = getattr(generator, "codings_size", None) or generator.input_shape[-1]
    images = keras.ops.convert_to_numpy(generator(np.random.default_rng(0).normal(
        size=(4, codings_size)).astype("float32")))
    assert images.shape == (4, 28, 28, 1) and images.min() >= 0 and images.max() <= 1
    assert images.std(axis=0).mean() > 0.01, "four codings drew one image"


def test_the_style_mixing_widget_finds_the_long_run_model(tmp_path, monkeypatch):
    monkeypatch.setenv("NOTEBOOK_MODELS_DIR", str(tmp_path))  # no model of the reader's
    widget = helpers.widgets.style_mixing_widget()
    assert isinstance(widget, helpers.widgets.StyleMixingWidget)
    assert list(widget.model_picker.options) == ["long-run model"]
    shipped = keras.models.load_model(pretrained_path("stylegan"), safe_mode=True)
    np.testing.assert_array_equal(widget.generator.get_weights()[0], shipped.get_weights()[0])


def test_the_manifest_records_the_long_presets_settings():
    """What shipped was trained with what the long preset says (tools/train_long.py)."""
    from helpers.support.presets import LONG_RUN

    for name, entry in MANIFEST["models"].items():
        expected = {key: list(value) if isinstance(value, tuple) else value
                    for key, value in LONG_RUN[name].items()}
        assert entry["settings"] == expected, name


def test_the_long_run_table_counts_training_images(monkeypatch):
    from helpers.evaluation import long_run

    assert long_run.training_images("progan", "default") == 16_000 * (1 + 2 + 5)
    assert long_run.training_images("dcgan", "default") == 55_000 * 5
    stylegan_epochs = helpers.preset_settings("stylegan", "long").epochs
    assert long_run.training_images("stylegan", "long") == 55_000 * stylegan_epochs
    report = helpers.SampleQuality(9.5, {}, np.ones(10), 2.3, 5_000)
    shown = []
    monkeypatch.setattr(long_run, "show_table", lambda header, rows: shown.append(rows))
    long_run.show_long_run_comparison("stylegan", "StyleGAN", report, report, None, "default")
    labels = [row[0] for row in shown[0]]
    assert labels[:2] == ["StyleGAN (this notebook)", "StyleGAN, long run"]
    assert "DCGAN, long run (its manifest)" in labels and "DCGAN (notebook 10)" not in labels
