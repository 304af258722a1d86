"""The GAN of notebook 09: each training phase updates only its own network, a
safe-mode save/load round trip, and the sample-grid callback."""
import keras
import matplotlib.pyplot as plt
import numpy as np
import pytest
from keras import ops

from gan_models import CODINGS_SIZE, tiny_networks
from helpers.gan import GAN, SampleGrid


def small_gan(seed=0):
    generator, discriminator = tiny_networks()
    gan = GAN(generator, discriminator, codings_size=CODINGS_SIZE, seed=seed, name="gan")
    gan.compile(d_optimizer=keras.optimizers.RMSprop(1e-2),
                g_optimizer=keras.optimizers.RMSprop(1e-2))
    return gan


@pytest.fixture(scope="module")
def images():
    return np.random.default_rng(0).random((64, 28, 28)).astype("float32")


def weights(model):
    return [np.array(w) for w in model.get_weights()]


def changed(before, model):
    return any(not np.array_equal(a, b) for a, b in zip(before, model.get_weights()))


def test_phase_one_updates_the_discriminator_only(images):
    gan = small_gan()
    generator_before, discriminator_before = weights(gan.generator), weights(gan.discriminator)
    gan.discriminator_step(ops.convert_to_tensor(images[:32]))
    assert changed(discriminator_before, gan.discriminator)
    assert not changed(generator_before, gan.generator)


def test_phase_two_updates_the_generator_only():
    gan = small_gan()
    generator_before, discriminator_before = weights(gan.generator), weights(gan.discriminator)
    gan.generator_step(32)
    assert changed(generator_before, gan.generator)
    assert not changed(discriminator_before, gan.discriminator)


@pytest.mark.parametrize("frozen", ["d_optimizer", "g_optimizer"])
def test_fit_updates_only_the_network_whose_optimizer_learns(images, frozen):
    gan = small_gan()
    gan.compile(**{frozen: keras.optimizers.SGD(0.0),
                   ("g_optimizer" if frozen == "d_optimizer" else "d_optimizer"):
                       keras.optimizers.RMSprop(1e-2)})
    generator_before, discriminator_before = weights(gan.generator), weights(gan.discriminator)
    history = gan.fit(images, batch_size=32, epochs=1, verbose=0)
    assert set(history.history) == {"d_loss", "g_loss"}
    frozen_network = gan.discriminator if frozen == "d_optimizer" else gan.generator
    trained_network = gan.generator if frozen == "d_optimizer" else gan.discriminator
    frozen_before = discriminator_before if frozen == "d_optimizer" else generator_before
    trained_before = generator_before if frozen == "d_optimizer" else discriminator_before
    assert not changed(frozen_before, frozen_network)
    assert changed(trained_before, trained_network)


def test_losses_are_the_binary_cross_entropies_of_each_phase(images):
    gan = small_gan()
    gan.compile(d_optimizer=keras.optimizers.SGD(0.0), g_optimizer=keras.optimizers.SGD(0.0))
    # Replay the codings the step will draw: same seed, fresh generator state.
    replay = keras.random.SeedGenerator(0)
    codings = keras.random.normal((32, CODINGS_SIZE), seed=replay)
    fakes = ops.convert_to_numpy(gan.generator(codings))
    d_fake = ops.convert_to_numpy(gan.discriminator(fakes))[:, 0]
    d_real = ops.convert_to_numpy(gan.discriminator(images[:32]))[:, 0]
    expected_d = -np.mean(np.concatenate([np.log(1 - d_fake), np.log(d_real)]))
    d_loss = float(gan.discriminator_step(ops.convert_to_tensor(images[:32])))
    np.testing.assert_allclose(d_loss, expected_d, rtol=1e-4)
    codings = keras.random.normal((32, CODINGS_SIZE), seed=replay)
    d_fake = ops.convert_to_numpy(gan.discriminator(gan.generator(codings)))[:, 0]
    g_loss = float(gan.generator_step(32))
    np.testing.assert_allclose(g_loss, -np.mean(np.log(d_fake)), rtol=1e-4)  # non-saturating


def test_save_and_load_round_trip_in_safe_mode(images, tmp_path):
    gan = small_gan(seed=3)
    gan.fit(images, batch_size=32, epochs=1, verbose=0)
    path = tmp_path / "gan.keras"
    gan.save(path)
    reloaded = keras.models.load_model(path, safe_mode=True)
    assert isinstance(reloaded, GAN)
    assert (reloaded.codings_size, reloaded.seed) == (CODINGS_SIZE, 3)
    codings = np.random.default_rng(1).normal(size=(5, CODINGS_SIZE)).astype("float32")
    np.testing.assert_array_equal(ops.convert_to_numpy(reloaded(codings)),
                                  ops.convert_to_numpy(gan(codings)))
    np.testing.assert_array_equal(ops.convert_to_numpy(reloaded.discriminator(images[:4])),
                                  ops.convert_to_numpy(gan.discriminator(images[:4])))
    for name in ("d_optimizer", "g_optimizer"):  # compiled again, with their state
        saved, loaded = getattr(gan, name), getattr(reloaded, name)
        assert int(loaded.iterations) == int(saved.iterations) == 2
        for a, b in zip(saved.variables, loaded.variables):
            np.testing.assert_array_equal(np.array(a), np.array(b))
    reloaded.fit(images, batch_size=32, epochs=1, verbose=0)


def test_sample_grid_draws_the_fixed_codings_every_few_epochs(images):
    gan = small_gan()
    codings = np.random.default_rng(2).normal(size=(6, CODINGS_SIZE)).astype("float32")
    grid = SampleGrid(codings, every=2, n_cols=3, show=False)
    gan.fit(images, batch_size=32, epochs=3, verbose=0, callbacks=[grid])
    assert sorted(grid.figures) == [2, 3]  # every 2 epochs, and after the last one
    figure = grid.figures[3]
    assert isinstance(figure, plt.Figure)
    shown = [ax.images[0].get_array() for ax in figure.axes if ax.images]
    assert len(shown) == len(codings)
    expected = ops.convert_to_numpy(gan.generator(codings))
    np.testing.assert_allclose(np.array(shown), expected, atol=1e-6)
    plt.close("all")


def test_sample_grid_rejects_a_bad_interval():
    with pytest.raises(ValueError, match="every"):
        SampleGrid(np.zeros((2, CODINGS_SIZE)), every=0)


def _spy_on_calls(model, monkeypatch):
    """Record the batch each call of ``model`` receives."""
    seen, original_call = [], model.call

    def spy(inputs, *args, **kwargs):
        seen.append(ops.convert_to_numpy(inputs))
        return original_call(inputs, *args, **kwargs)

    monkeypatch.setattr(model, "call", spy)
    return seen


def test_the_discriminator_judges_reals_and_fakes_in_separate_calls(images, monkeypatch):
    gan = small_gan()
    seen = _spy_on_calls(gan.discriminator, monkeypatch)
    gan.discriminator_step(images[:8])
    assert [len(batch) for batch in seen] == [8, 8], "one call of 16 mixes reals and fakes"
    np.testing.assert_array_equal(seen[0], images[:8])


def test_a_batch_statistic_sees_the_variety_of_the_fakes_alone(images):
    """With a minibatch std-dev layer, a collapsed generator's fakes must be judged with
    their own (zero) spread, not with the spread of a batch half made of reals."""
    from helpers.progan import MinibatchStdDev

    generator = keras.Sequential([keras.Input((CODINGS_SIZE,)),
                                  keras.layers.Dense(28 * 28, kernel_initializer="zeros",
                                                     bias_initializer="ones"),
                                  keras.layers.Reshape((28, 28))])  # one image, always
    inputs = keras.Input((28, 28))
    spread = MinibatchStdDev()(keras.layers.Reshape((28, 28, 1))(inputs))[..., -1:]
    score = keras.layers.Dense(1, activation="sigmoid")(keras.layers.Flatten()(spread))
    discriminator = keras.Model(inputs, score)
    statistic = keras.Model(inputs, spread)
    gan = GAN(generator, discriminator, codings_size=CODINGS_SIZE, seed=0)
    gan.compile()
    seen = []
    original = discriminator.call
    discriminator.call = lambda batch, *a, **k: (seen.append(statistic(batch)), original(batch, *a, **k))[1]
    gan.discriminator_step(images[:8])
    real_spread, fake_spread = (float(ops.mean(value)) for value in seen)
    assert real_spread > 0.1 and fake_spread < 1e-3
