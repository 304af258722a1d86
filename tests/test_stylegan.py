"""The StyleGAN of notebook 14 and its widget, with a tiny model: per-style codings and
mixing, fixed noise, the style-mixing sampler, each phase updating only its network,
a safe-mode save/load round trip, and the style-mixing widget driven headless."""
import json

import ipywidgets
import keras
import numpy as np
import pytest

from helpers import widgets
from small_models import STYLEGAN_CODINGS_SIZE as CODINGS_SIZE, small_stylegan
from widget_png import from_png
from helpers.stylegan import StyleGAN, StyleGenerator


@pytest.fixture(scope="module")
def stylegan():
    return small_stylegan()


def numpy(tensor):
    return keras.ops.convert_to_numpy(tensor)


def codings(n, seed):
    return np.random.default_rng(seed).normal(size=(n, CODINGS_SIZE)).astype("float32")


def fixed_noise(generator, n, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.normal(size=shape).astype("float32") for shape in generator.noise_shapes(n)]


def test_images_noise_and_per_style_codings(stylegan):
    generator = stylegan.generator
    z = codings(3, 1)
    noise = fixed_noise(generator, 3)
    images = numpy(generator(z, noise=noise))
    assert images.shape == (3, 28, 28, 1) and images.min() >= 0 and images.max() <= 1
    np.testing.assert_allclose(numpy(generator(z, noise=noise)), images)  # fixed noise: same
    assert not np.allclose(numpy(generator(z)), numpy(generator(z)))  # new noise each call
    # One coding repeated for every style input is the same as that coding alone.
    per_style = np.repeat(z[:, None], generator.n_styles, axis=1)
    np.testing.assert_allclose(numpy(generator(per_style, noise=noise)), images, atol=1e-5)


def test_mix_takes_the_styles_below_the_crossover_from_a(stylegan):
    generator = stylegan.generator
    a, b = codings(2, 2), codings(2, 3)
    mixed = numpy(generator.mix(a, b, [1, 4]))
    assert mixed.shape == (2, generator.n_styles, CODINGS_SIZE)
    np.testing.assert_array_equal(mixed[0, :1], a[:1])
    np.testing.assert_array_equal(mixed[0, 1:], np.repeat(b[:1], generator.n_styles - 1, 0))
    np.testing.assert_array_equal(mixed[1, :4], np.repeat(a[1:], 4, 0))
    np.testing.assert_array_equal(mixed[1, 4:], np.repeat(b[1:], generator.n_styles - 4, 0))
    noise = fixed_noise(generator, 2)
    only_a = numpy(generator(generator.mix(a, b, generator.n_styles), noise=noise))
    np.testing.assert_allclose(only_a, numpy(generator(a, noise=noise)), atol=1e-5)
    assert not np.allclose(numpy(generator(mixed, noise=noise)), only_a)


def test_sampler_mixes_the_requested_share():
    for probability, expected in ((0.0, 0.0), (1.0, 1.0), (0.5, 0.5)):
        sampled = numpy(small_stylegan(mixing_probability=probability).sample_codings(2_000))
        mixed = np.any(sampled != sampled[:, :1], axis=(1, 2))
        assert abs(mixed.mean() - expected) < 0.05, (probability, mixed.mean())
    switches = np.argmax(np.any(sampled != sampled[:, :1], axis=-1)[mixed], axis=1)
    assert set(switches) == set(range(1, 6))


def test_each_phase_updates_only_its_network():
    stylegan = small_stylegan()
    images = np.random.default_rng(0).random((16, 28, 28, 1)).astype("float32")

    def weights(model):
        return [np.array(w) for w in model.get_weights()]

    def changed(before, model):
        return any(not np.array_equal(x, y) for x, y in zip(before, weights(model)))

    g_before, d_before = weights(stylegan.generator), weights(stylegan.discriminator)
    stylegan.discriminator_step(images)
    assert changed(d_before, stylegan.discriminator) and not changed(g_before, stylegan.generator)
    d_before = weights(stylegan.discriminator)
    stylegan.generator_step(16)
    assert changed(g_before, stylegan.generator) and not changed(d_before, stylegan.discriminator)


def test_fit_and_safe_mode_round_trip(tmp_path):
    stylegan = small_stylegan()
    images = np.random.default_rng(0).random((32, 28, 28, 1)).astype("float32")
    history = stylegan.fit(images, batch_size=16, epochs=1, verbose=0)
    assert set(history.history) == {"d_loss", "g_loss"}
    stylegan.save(tmp_path / "stylegan.keras")
    reloaded = keras.models.load_model(tmp_path / "stylegan.keras", safe_mode=True)
    assert isinstance(reloaded, StyleGAN) and isinstance(reloaded.generator, StyleGenerator)
    assert reloaded.mixing_probability == 0.9 and reloaded.generator.filters == (8, 4, 4)
    z, noise = codings(4, 5), fixed_noise(stylegan.generator, 4)
    np.testing.assert_allclose(numpy(reloaded.generator(z, noise=noise)),
                               numpy(stylegan.generator(z, noise=noise)), rtol=1e-5, atol=1e-6)
    reloaded.fit(images, batch_size=16, epochs=1, verbose=0)  # compiled, trainable


def test_the_moving_average_follows_its_formula_and_survives_a_round_trip(tmp_path):
    decay = 0.5
    stylegan = small_stylegan(ema_decay=decay)
    assert stylegan.sampling_generator is stylegan.average_generator
    generator, average = stylegan.generator, stylegan.average_generator
    for a, b in zip(average.get_weights(), generator.get_weights()):
        np.testing.assert_array_equal(a, b)  # it starts from the generator's weights
    images = np.random.default_rng(0).random((16, 28, 28, 1)).astype("float32")
    before = [numpy(w) for w in average.trainable_weights]
    stylegan.train_step(images)
    after = [numpy(w) for w in generator.trainable_weights]
    assert any(not np.allclose(a, b) for a, b in zip(before, after)), "the generator did not move"
    for old, new, averaged in zip(before, after, average.trainable_weights):
        np.testing.assert_allclose(numpy(averaged), decay * old + (1 - decay) * new, rtol=1e-5,
                                   atol=1e-6)
    stylegan.save(tmp_path / "stylegan.keras")
    reloaded = keras.models.load_model(tmp_path / "stylegan.keras", safe_mode=True)
    assert reloaded.ema_decay == decay
    for a, b in zip(reloaded.average_generator.get_weights(), average.get_weights()):
        np.testing.assert_array_equal(a, b)
    z, noise = codings(4, 6), fixed_noise(generator, 4)
    np.testing.assert_allclose(numpy(reloaded.sampling_generator(z, noise=noise)),
                               numpy(average(z, noise=noise)), rtol=1e-5, atol=1e-6)


def test_without_a_decay_there_is_no_average_and_samples_come_from_the_generator(stylegan):
    assert stylegan.average_generator is None and stylegan.ema_decay == 0
    assert stylegan.sampling_generator is stylegan.generator


def test_widget_redraws_with_the_crossover_and_the_seeds(stylegan):
    widget = widgets.style_mixing_widget(stylegan, seeds=(0, 1), crossover=2)
    assert isinstance(widget, widgets.StyleMixingWidget)
    assert "stylegan-crossover" in widget.crossover._dom_classes
    assert "stylegan-mixed" in widget.mixed_image._dom_classes
    generator = stylegan.generator

    def expected(crossover):
        a, b = (widget.codings(slider.value)[None] for slider in widget.seed_sliders)
        noise = [n[:1] for n in widget.noise]
        return numpy(generator(generator.mix(a, b, crossover), noise=noise))[0, ..., 0]

    np.testing.assert_allclose(widget.mixed, expected(2), atol=1e-5)
    np.testing.assert_allclose(from_png(widget.mixed_image.value), expected(2),
                               atol=1 / 255 + 1e-6)
    before = widget.mixed_image.value
    widget.crossover.value = 5
    assert widget.mixed_image.value != before, "the image did not change with the crossover"
    np.testing.assert_allclose(widget.mixed, expected(5), atol=1e-5)
    assert "1–5 (coarse) from A" in widget.explanation.value
    widget.crossover.value = generator.n_styles  # every style from A: the mix is image A
    np.testing.assert_allclose(widget.mixed, widget.image_a, atol=1e-5)
    widget.crossover.value = 0  # every style from B
    np.testing.assert_allclose(widget.mixed, widget.image_b, atol=1e-5)

    widget.crossover.value = 3
    mixed, image_a, image_b = widget.mixed_image.value, widget.image_a, widget.image_b
    widget.seed_sliders[1].value = 7
    assert widget.mixed_image.value != mixed and np.allclose(widget.image_a, image_a)
    assert not np.allclose(widget.image_b, image_b)
    mixed = widget.mixed_image.value
    widget.seed_sliders[0].value = 9
    assert widget.mixed_image.value != mixed and not np.allclose(widget.image_a, image_a)


def test_widget_truncation_pulls_every_image_toward_the_mean_w(stylegan):
    from helpers.stylegan import mean_w, truncated_images

    widget = widgets.style_mixing_widget(stylegan, seeds=(0, 1), crossover=3)
    assert "stylegan-psi" in widget.psi._dom_classes and widget.psi.value == 1.0
    untruncated = widget.mixed.copy()
    np.testing.assert_allclose(  # psi = 1 is the plain generator
        untruncated, numpy(stylegan.generator(widget.per_style_codings(),
                                              noise=widget.noise))[1, ..., 0], atol=1e-5)
    widget.psi.value = 0.5
    assert not np.allclose(widget.mixed, untruncated)
    codings = widget.per_style_codings()
    w = numpy(stylegan.generator.map(codings))
    w_mean = numpy(mean_w(stylegan.generator))
    expected = numpy(stylegan.generator.synthesize(w_mean + 0.5 * (w - w_mean), widget.noise))
    np.testing.assert_allclose(widget.mixed, expected[1, ..., 0], atol=1e-5)
    np.testing.assert_allclose(
        numpy(truncated_images(stylegan.generator, codings, 0.5, w_mean, widget.noise)),
        expected, atol=1e-5)
    widget.psi.value = 0.0  # every w is the mean: A, the mix and B are one image
    np.testing.assert_allclose(widget.mixed, widget.image_a, atol=1e-5)
    np.testing.assert_allclose(widget.image_b, widget.image_a, atol=1e-5)


def test_widget_loads_the_saved_model_or_says_what_to_run(stylegan, tmp_path, monkeypatch):
    path = tmp_path / "stylegan.keras"
    stylegan.save(path)
    widget = widgets.style_mixing_widget(str(path))
    assert isinstance(widget, widgets.StyleMixingWidget)
    np.testing.assert_array_equal(widget.generator.get_weights()[0],
                                  stylegan.generator.get_weights()[0])
    monkeypatch.setenv("NOTEBOOK_MODELS_DIR", str(tmp_path / "models"))
    monkeypatch.setenv("NOTEBOOK_PRESET", "smoke")
    message = widgets.style_mixing_widget(long_run=False)
    assert isinstance(message, ipywidgets.HTML)
    assert "14_stylegan.ipynb" in message.value
    assert str(tmp_path / "models" / "smoke" / "stylegan.keras") in message.value


def ship(generator, folder):
    """A pretrained/ folder holding ``generator`` as the long-run StyleGAN."""
    from helpers.support.pretrained import MANIFEST_NAME, sha256
    folder.mkdir()
    path = folder / "stylegan_generator.keras"
    generator.save(path)
    (folder / MANIFEST_NAME).write_text(json.dumps(
        {"models": {"stylegan": {"file": path.name, "sha256": sha256(path)}}}))
    return path


def test_widget_offers_your_model_and_the_long_run_model(stylegan, tmp_path, monkeypatch):
    from helpers.support import pretrained
    shipped = small_stylegan(seed=5).generator
    ship(shipped, tmp_path / "pretrained")
    monkeypatch.setattr(pretrained, "PRETRAINED_DIR", tmp_path / "pretrained")
    widget = widgets.style_mixing_widget(stylegan, seeds=(0, 1), crossover=3)
    assert widget.model_picker in widget.children
    assert list(widget.model_picker.options) == ["your model", "long-run model"]
    assert widget.generator is stylegan.generator
    yours = widget.mixed.copy()
    widget.model_picker.value = "long-run model"
    assert widget.generator is not stylegan.generator
    np.testing.assert_array_equal(widget.generator.get_weights()[0], shipped.get_weights()[0])
    assert not np.allclose(widget.mixed, yours), "switching models did not redraw"
    expected = numpy(widget.generator(widget.per_style_codings(), noise=widget.noise))
    np.testing.assert_allclose(widget.mixed, expected[1, ..., 0], atol=1e-5)
    widget.model_picker.value = "your model"
    np.testing.assert_allclose(widget.mixed, yours, atol=1e-6)
    # Only yours when asked, or when nothing is shipped: no buttons then.
    alone = widgets.style_mixing_widget(stylegan, long_run=False)
    assert alone.model_picker not in alone.children


def test_widget_shows_the_long_run_model_until_you_train_yours(tmp_path, monkeypatch):
    from helpers.support import pretrained
    ship(small_stylegan(seed=5).generator, tmp_path / "pretrained")
    monkeypatch.setattr(pretrained, "PRETRAINED_DIR", tmp_path / "pretrained")
    monkeypatch.setenv("NOTEBOOK_MODELS_DIR", str(tmp_path / "models"))
    monkeypatch.setenv("NOTEBOOK_PRESET", "smoke")
    widget = widgets.style_mixing_widget()
    assert isinstance(widget, widgets.StyleMixingWidget)
    assert list(widget.model_picker.options) == ["long-run model"]
    note = widget.children[0].value
    assert "14_stylegan.ipynb" in note and "long-run model" in note


def test_a_tampered_long_run_file_is_refused(tmp_path, monkeypatch):
    from helpers.support import pretrained
    path = ship(small_stylegan(seed=5).generator, tmp_path / "pretrained")
    monkeypatch.setattr(pretrained, "PRETRAINED_DIR", tmp_path / "pretrained")
    assert pretrained.load_pretrained("stylegan") is not None
    assert pretrained.load_pretrained("dcgan") is None  # not shipped
    with open(path, "ab") as file:
        file.write(b"\0")
    with pytest.raises(pretrained.PretrainedError, match="git checkout -- pretrained/"):
        pretrained.load_pretrained("stylegan")
