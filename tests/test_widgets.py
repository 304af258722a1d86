"""The VAE widgets, driven headless: set a slider, check the image that the
callback drew against the decoder's output for that coding. (Their latency is
measured by ``make bench``, not asserted here: timings belong in benchmarks.)"""
import ipywidgets
import numpy as np
import pytest
from keras import ops

from helpers import widgets
from widget_png import from_png
from vae_models import small_vae


@pytest.fixture(scope="module")
def vae():
    return small_vae(coding_size=3)


@pytest.fixture(scope="module")
def labelled_images():
    rng = np.random.default_rng(0)
    return rng.random((60, 28, 28)).astype("float32"), np.arange(60) % 10


def decoded(vae, codings):
    return ops.convert_to_numpy(vae.decoder(np.asarray(codings, "float32")[None]))[0]


def test_png_round_trip():
    image = np.random.default_rng(1).random((28, 28)).astype("float32")
    np.testing.assert_allclose(from_png(widgets.to_png(image)), image, atol=1 / 255)


def test_interpolation_slider_redraws_the_decoded_coding(vae, labelled_images):
    images, labels = labelled_images
    widget = widgets.interpolation_widget(vae, images, labels)
    assert isinstance(widget, widgets.InterpolationWidget)
    before = widget.decoded_image.value, widget.blend_image.value
    widget.slider.value = 0.9
    assert widget.decoded_image.value != before[0] and widget.blend_image.value != before[1]
    means = ops.convert_to_numpy(vae.encoder(np.stack([widget.image_a, widget.image_b]))[0])
    coding = 0.1 * means[0] + 0.9 * means[1]
    np.testing.assert_allclose(widget.codings_at(0.9), coding, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(widget.decoded, decoded(vae, coding), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(from_png(widget.decoded_image.value),
                               decoded(vae, coding), atol=1 / 255 + 1e-6)
    np.testing.assert_allclose(widget.blend, 0.1 * widget.image_a + 0.9 * widget.image_b,
                               rtol=1e-6)


def test_interpolation_ends_are_the_two_picked_images(vae, labelled_images):
    images, labels = labelled_images
    widget = widgets.InterpolationWidget(vae, images, labels, start=(2, 1), end=(5, 3))
    np.testing.assert_array_equal(widget.image_a, images[labels == 2][1])
    np.testing.assert_array_equal(widget.image_b, images[labels == 5][3])
    widget.slider.value = 0.0
    np.testing.assert_allclose(widget.blend, widget.image_a)
    widget.choosers[1][0].value = 8  # another class for image B
    np.testing.assert_array_equal(widget.image_b, images[labels == 8][3])
    np.testing.assert_allclose(from_png(widget.ends[1].value), widget.image_b,
                               atol=1 / 255 + 1e-6)


def test_latent_explorer_decodes_the_slider_values(vae):
    explorer = widgets.latent_explorer(vae)
    assert len(explorer.sliders) == 3
    before = explorer.decoded_image.value
    explorer.sliders[1].value = 2.0
    assert explorer.decoded_image.value != before
    np.testing.assert_allclose(explorer.decoded, decoded(vae, [0, 2, 0]), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(from_png(explorer.decoded_image.value),
                               decoded(vae, [0, 2, 0]), atol=1 / 255 + 1e-6)
    explorer.random_button.click()
    np.testing.assert_allclose(explorer.decoded, decoded(vae, explorer.codings()),
                               rtol=1e-5, atol=1e-6)
    explorer.reset_button.click()
    assert np.all(explorer.codings() == 0)


def test_widgets_load_the_saved_vae_from_a_path(vae, labelled_images, tmp_path):
    path = tmp_path / "vae.keras"
    vae.save(path)
    images, labels = labelled_images
    widget = widgets.interpolation_widget(path, images, labels)
    assert isinstance(widget, widgets.InterpolationWidget)
    np.testing.assert_array_equal(widget.vae.decoder.get_weights()[0],
                                  vae.decoder.get_weights()[0])
    assert isinstance(widgets.latent_explorer(str(path)), widgets.LatentExplorer)


def test_without_a_trained_model_the_widgets_say_what_to_run(tmp_path, monkeypatch):
    monkeypatch.setenv("NOTEBOOK_MODELS_DIR", str(tmp_path))
    for make in (widgets.interpolation_widget, widgets.latent_explorer):
        message = make()
        assert isinstance(message, ipywidgets.HTML)
        assert "08_variational_autoencoders.ipynb" in message.value
        assert str(tmp_path / "smoke" / "vae.keras") in message.value
    message = widgets.latent_explorer(tmp_path / "elsewhere.keras")
    assert "elsewhere.keras" in message.value



def test_a_widget_without_its_live_state_shows_one_line(vae, labelled_images):
    """What GitHub shows for a committed widget output is its text/plain form: one line,
    not the repr of every child (the cGAN and StyleGAN widgets share the same mix-in)."""
    from helpers.widgets import ConditionalGANExplorer, ShortRepr, StyleMixingWidget

    for widget in (widgets.interpolation_widget(vae, *labelled_images),
                   widgets.latent_explorer(vae)):
        text = widget._repr_mimebundle_()["text/plain"]
        assert text == f"{type(widget).__name__}: interactive, run this notebook in " \
                       "JupyterLab to use it", text
    assert issubclass(ConditionalGANExplorer, ShortRepr)
    assert issubclass(StyleMixingWidget, ShortRepr)
