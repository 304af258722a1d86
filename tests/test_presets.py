import pytest

from helpers.support.presets import LONG_RUN, PRESETS, SETTINGS, PresetError, current_preset, preset_settings


def test_default_preset_when_unset(monkeypatch):
    monkeypatch.delenv("NOTEBOOK_PRESET", raising=False)
    assert current_preset() == "default"


@pytest.mark.parametrize("value", ["smoke", "DEFAULT", " full "])
def test_known_presets_are_accepted(monkeypatch, value):
    monkeypatch.setenv("NOTEBOOK_PRESET", value)
    assert current_preset() == value.strip().lower()


def test_unknown_preset_lists_the_valid_ones(monkeypatch):
    monkeypatch.setenv("NOTEBOOK_PRESET", "fast")
    with pytest.raises(PresetError, match="smoke, default, full, long"):
        current_preset()


def test_settings_pick_the_preset_column():
    smoke, full = preset_settings("stacked", "smoke"), preset_settings("stacked", "full")
    assert smoke.epochs == SETTINGS["stacked"]["epochs"][0]
    assert full.epochs == SETTINGS["stacked"]["epochs"][2]
    assert smoke.preset == "smoke" and dict(smoke).keys() == SETTINGS["stacked"].keys()


def test_long_is_default_with_longer_gan_training():
    for notebook in SETTINGS:
        long, default = preset_settings(notebook, "long"), preset_settings(notebook, "default")
        assert long.preset == "long"
        overrides = LONG_RUN.get(notebook, {})
        assert {key: value for key, value in dict(long).items() if key not in overrides} == \
            {key: value for key, value in dict(default).items() if key not in overrides}
        assert set(overrides) <= set(dict(default)), f"{notebook}: overrides a setting it lacks"
    for notebook in ("dcgan", "stylegan"):
        assert preset_settings(notebook, "long").epochs > preset_settings(notebook, "default").epochs
    long, default = preset_settings("progan", "long"), preset_settings("progan", "default")
    assert all(a >= b for a, b in zip(long.stage_epochs, default.stage_epochs))


def test_unknown_notebook_and_setting_are_clear_errors():
    with pytest.raises(PresetError, match="known: pca"):
        preset_settings("gan-zoo", "smoke")
    with pytest.raises(AttributeError, match="known settings"):
        preset_settings("stacked", "smoke").learning_rate


def test_every_table_has_one_value_per_preset():
    for notebook, table in SETTINGS.items():
        for key, row in table.items():
            assert len(row) == 3, f"{notebook}.{key} needs a smoke, default and full value"


def test_smoke_is_never_bigger_than_default():
    for table in SETTINGS.values():
        for key, (smoke, default, _) in table.items():
            if isinstance(smoke, int) and isinstance(default, int):
                assert smoke <= default, key
            if default is not None and smoke is None:
                pytest.fail(f"{key}: smoke uses all data but default does not")
