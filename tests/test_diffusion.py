"""Diffusion building blocks (helpers.diffusion): the noise schedules, the closed form of the
forward process against iterating its one-step form, the step embedding, the U-Net's
shapes, a train step and a safe-mode round trip, DDIM's determinism and the guidance
formula."""
import keras
import numpy as np
import pytest

from helpers.diffusion import (Diffusion, SinusoidalEmbedding, build_unet, cosine_betas,
                           ddim_sample, ddim_steps, ddpm_sample, guided_noise, linear_betas,
                           null_class, predict_noise)
from small_models import randomize_head, small_diffusion


@pytest.fixture(scope="module")
def untrained():
    """One small unconditional model for the tests that only read it (building one and
    tracing its network cost about a second each)."""
    return small_diffusion()


@pytest.mark.parametrize("betas", [linear_betas(1_000), linear_betas(100), cosine_betas(200)],
                         ids=["linear-1000", "linear-100", "cosine-200"])
def test_schedules_destroy_the_signal_monotonically(betas):
    alpha_bars = np.cumprod(1 - betas)
    assert np.all((betas > 0) & (betas < 1))
    assert np.all(np.diff(alpha_bars) < 0), "alpha-bar must fall at every step"
    assert alpha_bars[0] > 0.99 and alpha_bars[-1] < 1e-3, "from almost clean to almost noise"


def test_linear_schedule_keeps_its_total_noise_for_other_step_counts():
    assert linear_betas(1_000)[[0, -1]] == pytest.approx([1e-4, 0.02])
    assert np.sum(linear_betas(250)) == pytest.approx(np.sum(linear_betas(1_000)), rel=0.01)


def test_cosine_schedule_follows_its_formula():
    n, s = 200, 0.008
    alpha_bars = np.cumprod(1 - cosine_betas(n))
    t = np.arange(1, n + 1) / n
    expected = np.cos((t + s) / (1 + s) * np.pi / 2) ** 2 / np.cos(s / (1 + s) * np.pi / 2) ** 2
    np.testing.assert_allclose(alpha_bars[:-5], expected[:-5], rtol=1e-6)  # the end is clipped


def test_closed_form_matches_iterating_the_one_step_process(untrained):
    model = untrained
    betas = np.array(model.betas)
    rng = np.random.default_rng(0)
    clean = rng.uniform(-1, 1, (1, 28, 28, 1)).astype("float32")
    # Iterate x_t = sqrt(1 - beta_t) x_{t-1} + sqrt(beta_t) z_t for 20,000 chains.
    x = np.repeat(clean, 20_000, axis=0).reshape(20_000, -1)[:, :50]
    for t in range(30):
        x = np.sqrt(1 - betas[t]) * x + np.sqrt(betas[t]) * rng.standard_normal(x.shape)
    closed = keras.ops.convert_to_numpy(model.add_noise(
        np.repeat(clean, 20_000, axis=0), np.full(20_000, 29), rng.standard_normal(
            (20_000, 28, 28, 1)).astype("float32"))).reshape(20_000, -1)[:, :50]
    np.testing.assert_allclose(x.mean(0), closed.mean(0), atol=0.03)
    np.testing.assert_allclose(x.std(0), closed.std(0), atol=0.03)
    alpha_bar = np.prod(1 - betas[:30])
    np.testing.assert_allclose(closed.mean(0), np.sqrt(alpha_bar) * clean.reshape(-1)[:50],
                               atol=0.03)
    np.testing.assert_allclose(closed.std(0), np.sqrt(1 - alpha_bar), atol=0.03)


def test_step_embedding_is_sines_then_cosines_of_the_step():
    embedding = keras.ops.convert_to_numpy(SinusoidalEmbedding(8)(np.array([0, 1, 10])))
    assert embedding.shape == (3, 8)
    np.testing.assert_allclose(embedding[0], [0, 0, 0, 0, 1, 1, 1, 1], atol=1e-7)
    frequencies = np.exp(-np.log(10_000) * np.arange(4) / 4)
    np.testing.assert_allclose(embedding[2], np.concatenate([np.sin(10 * frequencies),
                                                             np.cos(10 * frequencies)]), atol=1e-5)
    with pytest.raises(ValueError, match="even"):
        SinusoidalEmbedding(7)


def test_unet_maps_noisy_images_and_steps_to_noise_of_the_same_shape():
    for n_classes in (None, 10):
        network = build_unet(widths=(8, 16, 16), embedding_dim=16, n_classes=n_classes)
        inputs = [np.zeros((3, 28, 28, 1), "float32"), np.array([0, 5, 49], "int32")]
        if n_classes:
            inputs.append(np.array([0, 9, 10], "int32"))
        assert network.predict_on_batch(inputs).shape == (3, 28, 28, 1)
        assert null_class(network) == n_classes
        names = [layer.name for layer in network.layers]
        for block in ("down0", "down1", "down2", "middle", "up2", "up1", "up0"):
            assert block in names


def test_train_step_and_safe_mode_round_trip(tmp_path):
    model = small_diffusion(n_classes=10, class_dropout=0.2)
    images = np.random.default_rng(0).random((32, 28, 28, 1)).astype("float32")
    labels = np.arange(32) % 10
    model.run_eagerly = True  # two steps: faster than tracing the step into a graph
    before = [w.copy() for w in model.ema_network.get_weights()]
    history = model.fit(images, labels, batch_size=16, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    after = model.ema_network.get_weights()
    assert any(not np.allclose(a, b) for a, b in zip(before, after)), "EMA did not move"
    path = tmp_path / "diffusion.keras"
    model.save(path)
    reloaded = keras.models.load_model(path, safe_mode=True)
    assert isinstance(reloaded, Diffusion) and reloaded.n_classes == 10
    for a, b in zip(reloaded.ema_network.get_weights(), after):
        np.testing.assert_array_equal(a, b)
    reloaded.run_eagerly = True
    reloaded.fit(images, labels, batch_size=16, epochs=1, verbose=0)
    assert int(reloaded.optimizer.iterations) == 4  # the optimizer's state came back


def test_ddim_with_no_noise_is_deterministic_and_ddpm_is_seeded(untrained):
    model = untrained
    noise = np.random.default_rng(1).standard_normal((4, 28, 28, 1)).astype("float32")
    first = ddim_sample(model.network, model.betas, noise, 5)
    np.testing.assert_array_equal(first, ddim_sample(model.network, model.betas, noise, 5))
    assert first.shape == (4, 28, 28, 1) and first.min() >= 0 and first.max() <= 1
    a, b = (ddpm_sample(model.network, model.betas, noise, seed=seed) for seed in (3, 3))
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, ddpm_sample(model.network, model.betas, noise, seed=4))
    assert list(ddim_steps(50, 5)) == [49, 37, 24, 12, 0]


def test_ddim_eta_adds_seeded_noise_and_one_step_jumps_are_ddpm():
    """eta = 0 ignores the seed; eta > 0 draws fresh noise from it; and DDIM with eta = 1
    over every step is DDPM's ancestral sampler (same posterior mean and variance)."""
    model = small_diffusion()
    noise = np.random.default_rng(2).standard_normal((3, 28, 28, 1)).astype("float32")
    deterministic = ddim_sample(model.network, model.betas, noise, 5, seed=1)
    np.testing.assert_array_equal(deterministic,
                                  ddim_sample(model.network, model.betas, noise, 5, seed=2))
    a, b, c = (ddim_sample(model.network, model.betas, noise, 5, eta=1.0, seed=seed)
               for seed in (1, 1, 2))
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c) and not np.allclose(a, deterministic)
    # Visiting every step with eta = 1 is DDPM's sampler: the same mean and variance per
    # step, and the same draws in the same order, so the same images from the same seed.
    rng = np.random.default_rng(3)
    randomize_head(model.network, rng)  # the predicted noise matters
    every_step = ddim_sample(model.network, model.betas, noise, len(model.betas), eta=1.0,
                             seed=5)
    np.testing.assert_allclose(every_step, ddpm_sample(model.network, model.betas, noise, seed=5),
                               atol=1e-4)

def test_guidance_formula_and_guided_prediction():
    rng = np.random.default_rng(0)
    unconditional, conditional = rng.normal(size=(2, 3, 4))
    np.testing.assert_allclose(guided_noise(unconditional, conditional, 0.0), unconditional)
    np.testing.assert_allclose(guided_noise(unconditional, conditional, 1.0), conditional)
    np.testing.assert_allclose(guided_noise(unconditional, conditional, 3.0),
                               3 * conditional - 2 * unconditional)
    model = small_diffusion(n_classes=10)
    network = model.network
    randomize_head(network, rng)  # so the class matters
    x = rng.standard_normal((4, 28, 28, 1)).astype("float32")
    labels = np.array([1, 2, 3, 4])
    steps = np.full(4, 7, "int32")
    cond = network.predict_on_batch([x, steps, labels])
    uncond = network.predict_on_batch([x, steps, np.full(4, 10)])
    np.testing.assert_allclose(predict_noise(network, x, 7, labels, 2.5),
                               uncond + 2.5 * (cond - uncond), atol=1e-5)
    # predict_noise may run the network through XLA (large networks): the same sums in
    # another order.
    np.testing.assert_allclose(predict_noise(network, x, 7, labels, 1.0), cond, atol=1e-5)


def test_ddim_path_runs_from_the_noise_to_the_result(untrained):
    model = untrained
    noise = np.random.default_rng(2).standard_normal((2, 28, 28, 1)).astype("float32")
    images, path = ddim_sample(model.network, model.betas, noise, 5, keep_path=True)
    assert [t for t, _ in path] == list(ddim_steps(50, 5))
    np.testing.assert_allclose(path[0][1], np.clip((noise + 1) / 2, 0, 1))
    np.testing.assert_array_equal(images, ddim_sample(model.network, model.betas, noise, 5))


def test_diffusion_explorer_redraws_with_class_seed_guidance_and_step(tmp_path, monkeypatch,
                                                                     untrained):
    from widget_png import from_png

    from helpers import widgets

    model = small_diffusion(n_classes=10)
    # A non-zero head, so that every input matters.
    randomize_head(model.ema_network, np.random.default_rng(0), scale=0.2)
    explorer = widgets.diffusion_explorer(model, n_sampling_steps=4, label=1, seed=3,
                                          guidance=2.0)
    assert isinstance(explorer, widgets.DiffusionExplorer) and explorer.conditional
    assert explorer.step.max == 4 and explorer.step.value == 4
    noise = np.random.default_rng(3).standard_normal((1, 28, 28, 1)).astype("float32")
    expected = ddim_sample(model.ema_network, model.betas, noise, 4, labels=np.array([1]),
                           guidance=2.0)[0, ..., 0]
    np.testing.assert_allclose(from_png(explorer.image.value), expected, atol=1 / 255 + 1e-6)
    assert "finished" in explorer.caption.value
    explorer.step.value = 0  # the starting noise
    np.testing.assert_allclose(explorer.states[0], np.clip((noise[0, ..., 0] + 1) / 2, 0, 1))
    assert "t = 49" in explorer.caption.value
    for control, value in ((explorer.class_picker, 7), (explorer.guidance, 5.0),
                           (explorer.seed, 11)):
        before = explorer.states[-1].copy()
        control.value = value
        assert not np.allclose(explorer.states[-1], before), f"{control.description} did nothing"
    unconditional = widgets.diffusion_explorer(untrained, n_sampling_steps=3)
    assert not unconditional.conditional and unconditional.class_picker not in unconditional.children
    monkeypatch.setenv("NOTEBOOK_MODELS_DIR", str(tmp_path))
    message = widgets.diffusion_explorer()
    assert "guided_diffusion.keras" in message.value


@pytest.mark.parametrize("widths, embedding_dim, xla", [((8, 16, 16), 16, False),
                                                        ((16, 32, 32), 32, True)])
def test_predict_noise_compiles_with_xla_only_networks_large_enough_to_gain(
        widths, embedding_dim, xla, monkeypatch):
    network = build_unet(widths=widths, embedding_dim=embedding_dim)
    # No network call: only the choice is tested (compiling would take a second).
    monkeypatch.setattr(network, "predict_on_batch", lambda inputs: np.zeros_like(inputs[0]))
    predict_noise(network, np.zeros((2, 28, 28, 1), "float32"), 3)
    assert network.jit_compile is xla
