"""The conditional GAN of notebook 11 and its widget: each phase updates only its own
network and both networks receive the class, a safe-mode save/load round trip, the
agreement measure, and the class-and-latent explorer driven headless."""
import ipywidgets
import keras
import numpy as np
import pytest

import helpers
from helpers import widgets
from small_models import CGAN_CODINGS_SIZE as CODINGS_SIZE, N_CLASSES, small_cgan
from widget_png import from_png
from helpers.cgan import ConditionalGAN, class_agreement


@pytest.fixture(scope="module")
def labelled_images():
    rng = np.random.default_rng(0)
    return rng.random((64, 28, 28)).astype("float32"), np.arange(64) % N_CLASSES


@pytest.fixture(scope="module")
def cgan():
    return small_cgan()


def weights(model):
    return [np.array(w) for w in model.get_weights()]


def changed(before, model):
    return any(not np.array_equal(a, b) for a, b in zip(before, weights(model)))


def test_the_class_changes_the_generated_image(cgan):
    codings = np.random.default_rng(1).normal(size=(3, CODINGS_SIZE)).astype("float32")
    as_bags, as_shoes = cgan.generate(codings, 8), cgan.generate(codings, 9)
    assert as_bags.shape == (3, 28, 28)
    assert np.abs(as_bags - as_shoes).max() > 1e-4
    one_hot = np.eye(N_CLASSES, dtype="float32")[[8, 8, 8]]
    np.testing.assert_allclose(as_bags, keras.ops.convert_to_numpy(
        cgan.generator([codings, one_hot])), rtol=1e-5, atol=1e-6)


def test_each_phase_updates_only_its_network(labelled_images):
    images, labels = labelled_images
    cgan = small_cgan()
    g_before, d_before = weights(cgan.generator), weights(cgan.discriminator)
    cgan.discriminator_step(images[:16], labels[:16])
    assert changed(d_before, cgan.discriminator) and not changed(g_before, cgan.generator)
    d_before = weights(cgan.discriminator)
    cgan.generator_step(labels[:16])
    assert changed(g_before, cgan.generator) and not changed(d_before, cgan.discriminator)


def test_the_discriminator_sees_the_labels_of_the_real_images(labelled_images, monkeypatch):
    """Phase 1 gives D the real images' classes for the real and fake pairs and wrong
    classes for the mismatched ones; phase 2 the requested ones."""
    images, labels = labelled_images
    cgan = small_cgan()
    seen = []
    original_call = cgan.discriminator.call

    def spy(inputs, *args, **kwargs):
        seen.append(np.argmax(keras.ops.convert_to_numpy(inputs[1]), axis=1))
        return original_call(inputs, *args, **kwargs)

    monkeypatch.setattr(cgan.discriminator, "call", spy)
    cgan.discriminator_step(images[:8], labels[:8])
    # Three calls: real images with their classes, fakes made for the same classes, real
    # images mislabelled.
    assert [len(classes) for classes in seen] == [8, 8, 8]
    np.testing.assert_array_equal(seen[0], labels[:8])
    np.testing.assert_array_equal(seen[1], labels[:8])
    assert np.all(seen[2] != labels[:8])
    cgan.generator_step(labels[3:11])
    np.testing.assert_array_equal(seen[-1], labels[3:11])


def test_fit_with_labels_and_safe_mode_round_trip(labelled_images, tmp_path):
    images, labels = labelled_images
    cgan = small_cgan()
    history = cgan.fit(images, labels, batch_size=16, epochs=1, verbose=0)
    assert set(history.history) == {"d_loss", "g_loss"}
    path = tmp_path / "cgan.keras"
    cgan.save(path)
    reloaded = keras.models.load_model(path, safe_mode=True)
    assert isinstance(reloaded, ConditionalGAN) and reloaded.n_classes == N_CLASSES
    codings = np.random.default_rng(2).normal(size=(4, CODINGS_SIZE)).astype("float32")
    np.testing.assert_allclose(reloaded.generate(codings, [0, 3, 5, 9]),
                               cgan.generate(codings, [0, 3, 5, 9]), rtol=1e-5, atol=1e-6)
    reloaded.fit(images, labels, batch_size=16, epochs=1, verbose=0)  # compiled, trainable


def test_class_agreement_counts_matches_per_requested_class():
    class Fixed:  # a "classifier" whose answer is written in the image's first pixel
        def predict(self, images, **kwargs):
            return np.eye(N_CLASSES)[np.round(images[:, 0, 0, 0] * 10).astype(int)]

    requested = np.repeat(np.arange(N_CLASSES), 4)
    predicted = requested.copy()
    predicted[::4] = (predicted[::4] + 1) % N_CLASSES  # one in four of each class is wrong
    images = np.zeros((len(requested), 28, 28), "float32")
    images[:, 0, 0] = predicted / 10
    agreement = class_agreement(Fixed(), images, requested)
    assert agreement.shape == (N_CLASSES,)
    np.testing.assert_allclose(agreement, 0.75)


def test_explorer_redraws_when_the_class_and_the_sliders_change(cgan):
    explorer = widgets.cgan_explorer(cgan)
    assert isinstance(explorer, widgets.ConditionalGANExplorer)
    assert "cgan-class-picker" in explorer.class_picker._dom_classes
    assert all("cgan-latent-slider" in s._dom_classes for s in explorer.sliders)
    assert "cgan-image" in explorer.image._dom_classes
    assert [label for label, _ in explorer.class_picker.options] == list(helpers.CLASS_NAMES)

    def shown():
        return from_png(explorer.image.value)

    first = explorer.image.value
    explorer.class_picker.value = 7
    assert explorer.image.value != first, "the image did not change with the class"
    expected = cgan.generate(explorer.codings()[None], 7)[0]
    np.testing.assert_allclose(explorer.generated, expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(shown(), expected, atol=1 / 255 + 1e-6)

    before = explorer.image.value
    explorer.sliders[0].value = 2.0
    assert explorer.image.value != before, "the image did not change with the slider"
    np.testing.assert_allclose(explorer.codings(), explorer.origin + 2.0 * explorer.directions[0],
                               rtol=1e-6)
    np.testing.assert_allclose(shown(), cgan.generate(explorer.codings()[None], 7)[0],
                               atol=1 / 255 + 1e-6)
    before = explorer.image.value
    explorer.sliders[1].value = -1.5
    assert explorer.image.value != before
    np.testing.assert_allclose(explorer.directions @ explorer.directions.T, np.eye(2), atol=1e-5)


def test_explorer_strip_shows_the_same_coding_as_every_class(cgan):
    explorer = widgets.ConditionalGANExplorer(cgan)
    codings = np.repeat(explorer.codings()[None], N_CLASSES, axis=0)
    for label, view in enumerate(explorer.strip):
        np.testing.assert_allclose(from_png(view.value),
                                   cgan.generate(codings[:1], label)[0], atol=1 / 255 + 1e-6)
    origin = explorer.origin.copy()
    before = explorer.image.value
    explorer.new_button.click()
    assert not np.array_equal(origin, explorer.origin) and explorer.image.value != before


def test_explorer_loads_the_saved_model_or_says_what_to_run(cgan, tmp_path, monkeypatch):
    path = tmp_path / "cgan.keras"
    cgan.save(path)
    explorer = widgets.cgan_explorer(str(path))
    assert isinstance(explorer, widgets.ConditionalGANExplorer)
    np.testing.assert_array_equal(explorer.cgan.generator.get_weights()[0],
                                  cgan.generator.get_weights()[0])
    monkeypatch.setenv("NOTEBOOK_MODELS_DIR", str(tmp_path / "models"))
    monkeypatch.setenv("NOTEBOOK_PRESET", "smoke")
    message = widgets.cgan_explorer()
    assert isinstance(message, ipywidgets.HTML)
    assert "11_conditional_gans.ipynb" in message.value
    assert str(tmp_path / "models" / "smoke" / "cgan.keras") in message.value


def test_a_confident_wrong_score_still_gives_the_discriminator_a_gradient(labelled_images):
    """Scores of -80 for real images: a loss computed from probabilities would clip them
    and give no gradient at all; from logits, the discriminator still learns."""
    images, labels = labelled_images
    cgan = small_cgan()
    last = cgan.discriminator.layers[-1]
    last.set_weights([np.zeros_like(last.get_weights()[0]), np.array([-80.0], "float32")])
    before = weights(cgan.discriminator)
    loss = float(cgan.discriminator_step(images[:8], labels[:8]))
    assert loss > 10  # about 80 / 2: the real half's loss, not a clipped 16
    assert changed(before, cgan.discriminator)
