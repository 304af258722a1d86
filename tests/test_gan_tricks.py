"""The remedies of notebook 12: the replay buffer, minibatch discrimination and the
gradient penalty, checked against direct computations, and the two GAN subclasses
trained for a step and reloaded in safe mode."""
import keras
import numpy as np
import pytest
import tensorflow as tf
from keras import ops

from helpers.gan_training import (ReplayBuffer, ReplayGAN, WGANGP, critic_gradient_norms,
                                gradient_penalty)
from helpers.gan_training import MinibatchDiscrimination


def _buffer(capacity, image_shape=(2, 2)):
    buffer = ReplayBuffer(capacity)
    buffer.build((None, *image_shape))
    return buffer


def _constant_images(values, image_shape=(2, 2)):
    """One image per value, every pixel equal to it: an image is known by its value."""
    return np.stack([np.full(image_shape, value, "float32") for value in values])


def _stored(buffer):
    count = int(ops.convert_to_numpy(buffer.count))
    return sorted(ops.convert_to_numpy(buffer.images)[:count, 0, 0].tolist())


def test_replay_buffer_fills_then_keeps_the_newest():
    buffer = _buffer(capacity=5)
    assert _stored(buffer) == []
    buffer.add(_constant_images([1, 2, 3]))
    assert _stored(buffer) == [1, 2, 3]
    buffer.add(_constant_images([4, 5, 6]))  # one more than fits: 1, the oldest, goes
    assert _stored(buffer) == [2, 3, 4, 5, 6]
    buffer.add(_constant_images([7, 8, 9]))
    assert _stored(buffer) == [5, 6, 7, 8, 9]


def test_replay_buffer_works_inside_a_compiled_function():
    buffer = _buffer(capacity=4)

    @tf.function
    def add(images):
        buffer.add(images)

    for start in range(1, 10, 2):  # 1 2, 3 4, ..., 9 10
        add(_constant_images([start, start + 1]))
    assert _stored(buffer) == [7, 8, 9, 10]


def test_replay_buffer_mixes_in_the_stated_share_from_the_buffer():
    buffer = _buffer(capacity=16)
    fresh = _constant_images([-1] * 8)
    # An empty buffer has nothing to replay: the fresh images pass unchanged.
    np.testing.assert_array_equal(ops.convert_to_numpy(buffer.mix(fresh, 0.5, seed=0)), fresh)
    buffer.add(_constant_images(range(10, 26)))
    seed = keras.random.SeedGenerator(0)
    for share, expected in ((0.5, 4), (0.25, 2), (0.0, 0), (1.0, 8)):
        mixed = ops.convert_to_numpy(buffer.mix(fresh, share, seed=seed))[:, 0, 0]
        replayed = mixed != -1
        assert replayed.sum() == expected
        assert set(mixed[replayed]) <= set(range(10, 26))  # replayed images come from it
    # Draws spread over the whole buffer, not one slot.
    draws = np.concatenate([ops.convert_to_numpy(buffer.mix(fresh, 1.0, seed=seed))[:, 0, 0]
                            for _ in range(20)])
    assert len(set(draws)) > 10


def test_replay_buffer_draws_only_from_filled_slots():
    buffer = _buffer(capacity=100)
    buffer.add(_constant_images([7, 8]))
    mixed = ops.convert_to_numpy(buffer.mix(_constant_images([-1] * 64), 1.0, seed=1))
    assert set(mixed[:, 0, 0]) <= {7, 8}


def _minibatch_reference(features, kernel, n_kernels, kernel_dim):
    rows = (features @ kernel).reshape(len(features), n_kernels, kernel_dim)
    closeness = np.zeros((len(features), n_kernels))
    for i in range(len(features)):
        for j in range(len(features)):
            closeness[i] += np.exp(-np.abs(rows[i] - rows[j]).sum(axis=-1))
    return np.concatenate([features, closeness], axis=1)


def test_minibatch_discrimination_matches_numpy():
    keras.utils.set_random_seed(0)
    layer = MinibatchDiscrimination(n_kernels=3, kernel_dim=4)
    features = np.random.default_rng(0).normal(size=(6, 5)).astype("float32")
    outputs = ops.convert_to_numpy(layer(features))
    expected = _minibatch_reference(features, ops.convert_to_numpy(layer.kernel), 3, 4)
    assert outputs.shape == (6, 5 + 3) == layer.compute_output_shape((6, 5))
    np.testing.assert_allclose(outputs, expected, rtol=1e-5, atol=1e-6)


def test_minibatch_discrimination_sees_a_batch_without_diversity():
    keras.utils.set_random_seed(0)
    layer = MinibatchDiscrimination(n_kernels=8, kernel_dim=3)
    varied = np.random.default_rng(0).normal(size=(10, 5)).astype("float32")
    identical = np.repeat(varied[:1], 10, axis=0)
    # Ten copies of one example: each is at distance 0 of all ten, so o_b = 10 exactly.
    np.testing.assert_allclose(ops.convert_to_numpy(layer(identical))[:, 5:], 10.0, rtol=1e-6)
    assert ops.convert_to_numpy(layer(varied))[:, 5:].mean() < 5.0


def test_minibatch_discrimination_round_trip_in_safe_mode(tmp_path):
    keras.utils.set_random_seed(0)
    inputs = keras.Input((5,))
    outputs = keras.layers.Dense(1)(MinibatchDiscrimination(n_kernels=4, kernel_dim=2)(inputs))
    model = keras.Model(inputs, outputs)
    path = tmp_path / "minibatch.keras"
    model.save(path)
    reloaded = keras.models.load_model(path, safe_mode=True)
    assert isinstance(reloaded.layers[1], MinibatchDiscrimination)
    assert reloaded.layers[1].get_config()["n_kernels"] == 4
    features = np.random.default_rng(1).normal(size=(7, 5)).astype("float32")
    np.testing.assert_allclose(reloaded.predict(features, verbose=0),
                               model.predict(features, verbose=0), rtol=1e-6)


def test_gradient_penalty_of_a_linear_critic():
    # critic(x) = <w, x>: its gradient is w everywhere, so the penalty is (||w|| - 1)^2.
    weights = np.random.default_rng(0).normal(size=(3, 3)).astype("float32")
    critic = lambda images, training=False: ops.sum(images * weights, axis=(1, 2))  # noqa: E731
    real, fake = np.ones((4, 3, 3), "float32"), np.zeros((4, 3, 3), "float32")
    penalty = float(gradient_penalty(critic, real, fake, np.full(4, 0.3, "float32")))
    assert penalty == pytest.approx((np.linalg.norm(weights) - 1) ** 2, rel=1e-5)


def test_gradient_penalty_matches_a_direct_computation():
    # critic(x) = sum(x^2): gradient 2 x at the interpolate x = eps real + (1 - eps) fake.
    rng = np.random.default_rng(0)
    real, fake = rng.random((5, 2, 3)).astype("float32"), rng.random((5, 2, 3)).astype("float32")
    epsilon = rng.random(5).astype("float32")
    critic = lambda images, training=False: ops.sum(ops.square(images), axis=(1, 2))  # noqa: E731
    interpolates = epsilon[:, None, None] * real + (1 - epsilon[:, None, None]) * fake
    norms = np.linalg.norm(2 * interpolates.reshape(5, -1), axis=1)
    np.testing.assert_allclose(ops.convert_to_numpy(critic_gradient_norms(critic, interpolates)),
                               norms, rtol=1e-5)
    assert float(gradient_penalty(critic, real, fake, epsilon)) == \
        pytest.approx(np.mean((norms - 1) ** 2), rel=1e-5)


def test_gradient_penalty_of_a_network_matches_per_image_gradients():
    keras.utils.set_random_seed(0)
    critic = keras.Sequential([keras.Input((2, 3)), keras.layers.Flatten(),
                               keras.layers.Dense(4, activation="tanh"), keras.layers.Dense(1)])
    rng = np.random.default_rng(1)
    real, fake = rng.random((3, 2, 3)).astype("float32"), rng.random((3, 2, 3)).astype("float32")
    epsilon = np.array([0.0, 0.5, 1.0], "float32")
    norms = []
    for i in range(3):  # one image at a time: no sum over the batch to get wrong
        point = tf.constant((epsilon[i] * real[i] + (1 - epsilon[i]) * fake[i])[None])
        with tf.GradientTape() as tape:
            tape.watch(point)
            score = critic(point)[0, 0]
        norms.append(np.linalg.norm(tape.gradient(score, point).numpy()))
    assert float(gradient_penalty(critic, real, fake, epsilon)) == \
        pytest.approx(np.mean((np.array(norms) - 1) ** 2), rel=1e-5)


def _networks(sigmoid=True):
    generator = keras.Sequential([keras.Input((4,)), keras.layers.Dense(16, activation="sigmoid"),
                                  keras.layers.Reshape((4, 4))])
    discriminator = keras.Sequential([keras.Input((4, 4)), keras.layers.Flatten(),
                                      keras.layers.Dense(8, activation="selu"),
                                      keras.layers.Dense(1, activation="sigmoid" if sigmoid
                                                         else None)])
    return generator, discriminator


@pytest.mark.parametrize("kind", ["replay", "wgan_gp"])
def test_gan_subclasses_train_and_reload_in_safe_mode(kind, tmp_path):
    keras.utils.set_random_seed(0)
    images = np.random.default_rng(0).random((40, 4, 4)).astype("float32")
    if kind == "replay":
        model = ReplayGAN(*_networks(), codings_size=4, buffer_size=24, replay_share=0.5, seed=0)
    else:
        model = WGANGP(*_networks(sigmoid=False), codings_size=4, n_critic=2, gp_weight=10.0,
                       seed=0)
    model.compile(d_optimizer=keras.optimizers.Adam(1e-3), g_optimizer=keras.optimizers.Adam(1e-3))
    history = model.fit(images, batch_size=8, epochs=2, verbose=0)
    assert np.isfinite(history.history["d_loss"] + history.history["g_loss"]).all()
    if kind == "replay":  # 2 epochs x 40 fakes went in: the buffer is full
        assert int(ops.convert_to_numpy(model.replay_buffer.count)) == 24
    path = tmp_path / f"{kind}.keras"
    model.save(path)
    reloaded = keras.models.load_model(path, safe_mode=True)
    assert type(reloaded) is type(model)
    for key in ("codings_size", "seed", "buffer_size", "replay_share", "n_critic", "gp_weight"):
        assert reloaded.get_config().get(key) == model.get_config().get(key)
    codings = np.random.default_rng(2).normal(size=(3, 4)).astype("float32")
    np.testing.assert_allclose(reloaded.generator(codings), model.generator(codings), rtol=1e-6)
    if kind == "replay":
        np.testing.assert_array_equal(ops.convert_to_numpy(reloaded.replay_buffer.images),
                                      ops.convert_to_numpy(model.replay_buffer.images))


def test_replay_changes_only_where_the_fakes_come_from():
    from helpers.gan import GAN

    assert ReplayGAN.discriminator_step is GAN.discriminator_step
    assert ReplayGAN.fake_images is not GAN.fake_images


def test_a_last_batch_smaller_than_the_critic_steps_gives_finite_losses():
    """43 images in batches of 10 with 5 critic steps: the last batch holds 3."""
    keras.utils.set_random_seed(0)
    images = np.random.default_rng(0).random((43, 4, 4)).astype("float32")
    wgan = WGANGP(*_networks(sigmoid=False), codings_size=4, n_critic=5, seed=0)
    wgan.compile(d_optimizer=keras.optimizers.Adam(1e-3), g_optimizer=keras.optimizers.Adam(1e-3))
    history = wgan.fit(images, batch_size=10, epochs=1, verbose=0)
    assert np.isfinite(history.history["d_loss"] + history.history["g_loss"]).all()


def test_a_critic_step_raises_the_reals_score_above_the_fakes():
    """The critic maximises D(real) - D(fake): one step, penalty off, must raise it."""
    keras.utils.set_random_seed(0)
    generator, critic = _networks(sigmoid=False)
    wgan = WGANGP(generator, critic, codings_size=4, n_critic=1, gp_weight=0.0, seed=0)
    wgan.compile(d_optimizer=keras.optimizers.SGD(1e-2), g_optimizer="sgd")
    real = np.random.default_rng(1).random((16, 4, 4)).astype("float32")
    fake = np.random.default_rng(2).random((16, 4, 4)).astype("float32") * 0.5
    wgan.fake_images = lambda real_images: ops.convert_to_tensor(fake)

    def gap():
        return float(ops.mean(critic(real)) - ops.mean(critic(fake)))

    before = gap()
    wgan.discriminator_step(real)
    assert gap() > before
