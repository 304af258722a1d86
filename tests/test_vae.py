"""The VAE of notebook 08: sampling layer, both loss terms against NumPy,
training steps, and a safe-mode save/load round trip."""
import keras
import numpy as np
import pytest
from keras import ops

from helpers.vae import Sampling
from helpers.vae import VAE, latent_loss, reconstruction_loss
from vae_models import small_vae


@pytest.fixture(scope="module")
def images():
    return np.random.default_rng(0).random((96, 28, 28)).astype("float32")


def test_sampling_has_the_requested_mean_and_std():
    mean = np.array([[-2.0, 0.0, 3.0]], "float32").repeat(50_000, axis=0)
    log_var = np.log(np.array([[0.25, 1.0, 9.0]], "float32")).repeat(50_000, axis=0)
    draws = ops.convert_to_numpy(Sampling(seed=1)([mean, log_var]))
    assert draws.shape == (50_000, 3)
    np.testing.assert_allclose(draws.mean(axis=0), [-2, 0, 3], atol=0.05)
    np.testing.assert_allclose(draws.std(axis=0), [0.5, 1, 3], rtol=0.02)


def test_sampling_is_mean_plus_sigma_times_standard_noise():
    mean = np.random.default_rng(1).normal(size=(4, 5)).astype("float32")
    log_var = np.random.default_rng(2).normal(size=(4, 5)).astype("float32")
    noise = ops.convert_to_numpy(Sampling(seed=3)([np.zeros_like(mean), np.zeros_like(log_var)]))
    # Same seed, same state: the same epsilon, now scaled and shifted.
    draws = ops.convert_to_numpy(Sampling(seed=3)([mean, log_var]))
    np.testing.assert_allclose(draws, mean + np.exp(log_var / 2) * noise, rtol=1e-5, atol=1e-6)


def test_sampling_draws_new_noise_each_call_and_replays_with_its_seed():
    inputs = [np.zeros((2, 4), "float32"), np.zeros((2, 4), "float32")]
    layer = Sampling(seed=5)
    first, second = (ops.convert_to_numpy(layer(inputs)) for _ in range(2))
    assert not np.allclose(first, second)
    np.testing.assert_array_equal(ops.convert_to_numpy(Sampling(seed=5)(inputs)), first)


def test_sampling_config_round_trip():
    layer = Sampling(seed=11, name="codings")
    clone = Sampling.from_config(layer.get_config())
    assert clone.seed == 11 and clone.name == "codings"
    assert keras.saving.get_registered_name(Sampling) == "helpers>Sampling"


def test_latent_loss_matches_numpy_kl_divergence():
    rng = np.random.default_rng(4)
    mean, log_var = rng.normal(size=(6, 10)), rng.normal(size=(6, 10))
    expected = -0.5 * np.sum(1 + log_var - np.exp(log_var) - mean**2, axis=-1)
    actual = ops.convert_to_numpy(latent_loss(mean.astype("float32"), log_var.astype("float32")))
    np.testing.assert_allclose(actual, expected, rtol=1e-5)
    # KL(N(mu, sigma^2) || N(0, 1)) = log(1/sigma) + (sigma^2 + mu^2)/2 - 1/2, per dimension.
    sigma = np.exp(log_var / 2)
    closed_form = np.sum(-np.log(sigma) + (sigma**2 + mean**2) / 2 - 0.5, axis=-1)
    np.testing.assert_allclose(actual, closed_form, rtol=1e-5)
    assert np.allclose(ops.convert_to_numpy(latent_loss(np.zeros((2, 3)), np.zeros((2, 3)))), 0)


@pytest.mark.parametrize("mean, variance", [(0.0, 4.0), (0.0, 0.25), (1.0, 4.0), (-1.5, 0.5),
                                            (2.0, 0.05)])
def test_latent_loss_with_nonzero_log_var_matches_kl_by_integration(mean, variance):
    # The definition, KL(q || p) = integral of q(z) (log q(z) - log p(z)) dz, integrated
    # numerically: independent of the closed form the code uses.
    from scipy import integrate, stats

    q, p = stats.norm(mean, np.sqrt(variance)), stats.norm(0, 1)
    reference, _ = integrate.quad(lambda z: q.pdf(z) * (q.logpdf(z) - p.logpdf(z)),
                                  mean - 12 * np.sqrt(variance), mean + 12 * np.sqrt(variance))
    log_var = np.log(variance)
    actual = ops.convert_to_numpy(latent_loss(np.array([[mean]], "float32"),
                                              np.array([[log_var]], "float32")))
    np.testing.assert_allclose(actual, [reference], rtol=1e-4)
    if mean == 0:  # closed form for a centred Gaussian: (e^γ - 1 - γ) / 2
        np.testing.assert_allclose(actual, [0.5 * (variance - 1 - log_var)], rtol=1e-5)


def test_latent_loss_sums_the_dimensions():
    means = np.array([[0.0, 1.0, -1.5]], "float32")
    log_vars = np.log(np.array([[4.0, 0.25, 0.5]], "float32"))
    per_dimension = [float(ops.convert_to_numpy(latent_loss(means[:, [k]], log_vars[:, [k]]))[0])
                     for k in range(3)]
    total = ops.convert_to_numpy(latent_loss(means, log_vars))
    np.testing.assert_allclose(total, [sum(per_dimension)], rtol=1e-6)


def test_reconstruction_loss_is_squared_error_summed_over_pixels():
    rng = np.random.default_rng(5)
    images, reconstructions = rng.random((3, 28, 28)), rng.random((3, 28, 28))
    expected = ((images - reconstructions) ** 2).reshape(3, -1).sum(axis=1)
    actual = ops.convert_to_numpy(reconstruction_loss(images.astype("float32"),
                                                      reconstructions.astype("float32")))
    np.testing.assert_allclose(actual, expected, rtol=1e-5)


def test_test_step_reports_both_terms_as_numpy_computes_them(images):
    vae = small_vae()
    vae.compile(optimizer="nadam")
    logs = vae.evaluate(images, images, batch_size=len(images), verbose=0, return_dict=True)
    means, log_vars, codings = (ops.convert_to_numpy(t) for t in vae.encoder(images))
    # The evaluation drew other codings than this call: compare the latent term exactly
    # and the reconstruction term only roughly.
    expected_latent = np.mean(-0.5 * np.sum(1 + log_vars - np.exp(log_vars) - means**2, axis=-1))
    np.testing.assert_allclose(logs["latent_loss"], expected_latent, rtol=1e-4)
    reconstructions = ops.convert_to_numpy(vae.decoder(codings))
    expected_reconstruction = np.mean(((images - reconstructions) ** 2).sum(axis=(1, 2)))
    np.testing.assert_allclose(logs["reconstruction_loss"], expected_reconstruction, rtol=0.05)
    np.testing.assert_allclose(logs["loss"], logs["reconstruction_loss"] + logs["latent_loss"],
                               rtol=1e-5)


def test_fit_lowers_the_loss_and_logs_every_term(images):
    vae = small_vae()
    vae.compile(optimizer=keras.optimizers.Nadam(0.01))
    history = vae.fit(images, images, epochs=4, batch_size=32, verbose=0,
                      validation_data=(images, images))
    for name in ("loss", "reconstruction_loss", "latent_loss"):
        assert name in history.history and f"val_{name}" in history.history
    assert history.history["loss"][-1] < history.history["loss"][0]


def test_saved_vae_reloads_in_safe_mode_with_identical_outputs(images, tmp_path):
    vae = small_vae()
    vae.compile(optimizer="nadam")
    vae.fit(images, images, epochs=1, batch_size=32, verbose=0)
    path = tmp_path / "vae.keras"
    vae.save(path)
    reloaded = keras.models.load_model(path, safe_mode=True)
    assert isinstance(reloaded, VAE) and isinstance(reloaded.encoder.layers[-1], Sampling)
    np.testing.assert_array_equal(ops.convert_to_numpy(reloaded.encoder(images)[0]),
                                  ops.convert_to_numpy(vae.encoder(images)[0]))
    # With the sampling seed's state reset on both, the whole stochastic VAE agrees.
    for model in (vae, reloaded):
        sampling = model.encoder.layers[-1]
        sampling.seed_generator.state.assign([sampling.seed, 0])
    np.testing.assert_array_equal(ops.convert_to_numpy(reloaded(images)),
                                  ops.convert_to_numpy(vae(images)))
    # The optimizer's state came back too, so training can go on where it stopped.
    assert reloaded.optimizer.iterations.numpy() == vae.optimizer.iterations.numpy() > 0
