"""A GAN trained through ``helpers.fit_or_load`` survives an interrupted kernel:
run the same cell again and training resumes where it stopped (the epoch
counter, both networks and both optimizers' state continue), a re-run after
it finished reuses the saved GAN with both optimizers' state, and every saved
generator reloads in safe mode."""
import warnings

import keras
import numpy as np
import pytest
from keras import ops

from gan_models import CODINGS_SIZE, tiny_networks
from helpers.gan import GAN
from helpers.support.presets import preset_settings
from helpers.support.training import fit_or_load, model_path

N_IMAGES, BATCH_SIZE, EPOCHS, INTERRUPT_AT = 256, 32, 4, 2  # 8 steps per epoch
STEPS = N_IMAGES // BATCH_SIZE


def fresh_gan():
    """What a reader's cells build after a kernel restart: same seed, new objects."""
    keras.utils.set_random_seed(0)
    generator, discriminator = tiny_networks()
    gan = GAN(generator, discriminator, codings_size=CODINGS_SIZE, seed=0, name="gan")
    gan.compile(d_optimizer=keras.optimizers.Adam(1e-3),  # moments and velocities
                g_optimizer=keras.optimizers.Adam(1e-3))
    return gan


class Interrupt(Exception):
    """Stands for a kernel interrupted in the middle of training."""


class Recorder(keras.callbacks.Callback):
    """At the beginning of each epoch (after BackupAndRestore's on_train_begin has
    restored the state), record the epoch index, both optimizers' variables and
    the networks' weights; raise ``Interrupt`` at the beginning of epoch
    ``interrupt_at`` (0-based), once the previous epoch's backup is written.
    At the end of each epoch, record the losses."""

    def __init__(self, interrupt_at=None):
        super().__init__()
        self.interrupt_at = interrupt_at
        self.epochs, self.states, self.losses = [], [], {"d_loss": [], "g_loss": []}

    def on_epoch_begin(self, epoch, logs=None):
        self.epochs.append(epoch)
        self.states.append(state(self.model))
        if epoch == self.interrupt_at:
            raise Interrupt(f"interrupted at the beginning of epoch {epoch + 1}")

    def on_epoch_end(self, epoch, logs=None):
        for key in self.losses:
            self.losses[key].append(float(logs[key]))


def state(gan):
    return {"d_optimizer": [np.array(v) for v in gan.d_optimizer.variables],
            "g_optimizer": [np.array(v) for v in gan.g_optimizer.variables],
            "weights": [np.array(w) for w in gan.get_weights()]}


def assert_same_state(actual, expected):
    for key in expected:
        assert len(actual[key]) == len(expected[key]), f"{key}: a different number of variables"
        for a, b in zip(actual[key], expected[key]):
            np.testing.assert_array_equal(a, b, err_msg=key)


@pytest.fixture
def images():
    return np.random.default_rng(0).random((N_IMAGES, 28, 28)).astype("float32")


@pytest.fixture
def settings(tmp_path, monkeypatch):
    monkeypatch.setenv("NOTEBOOK_MODELS_DIR", str(tmp_path))
    monkeypatch.delenv("NOTEBOOK_RETRAIN", raising=False)
    return preset_settings("gan", "smoke")


def train(gan, settings, images, recorder):
    return fit_or_load(gan, settings, "gan", images, epochs=EPOCHS, batch_size=BATCH_SIZE,
                       shuffle=False, verbose=0, callbacks=[recorder])


def test_an_interrupted_fit_resumes_with_the_epoch_counter_and_both_optimizers(
        settings, images, capsys):
    first = Recorder(interrupt_at=INTERRUPT_AT)
    interrupted = fresh_gan()
    with pytest.raises(Interrupt):
        train(interrupted, settings, images, first)
    assert first.epochs == [0, 1, 2]
    at_interrupt = first.states[-1]  # what the backup of epoch 2 holds
    assert int(interrupted.d_optimizer.iterations) == INTERRUPT_AT * STEPS
    assert not model_path(settings, "gan").exists(), "nothing saved before fit ends"

    # The reader runs the cells again: new objects, the same fit_or_load call.
    second = Recorder()
    resumed = fresh_gan()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        history = train(resumed, settings, images, second)
    assert not [w for w in caught if "Skipping variable loading" in str(w.message)]
    assert "Saved to" in capsys.readouterr().out
    assert second.epochs == [2, 3], "the epoch counter restarted"
    # The learning curves hold all epochs: those before the interruption, then the rest.
    assert set(history) == {"d_loss", "g_loss"} and len(history["d_loss"]) == EPOCHS
    assert history["d_loss"][:INTERRUPT_AT] == first.losses["d_loss"]
    assert history["g_loss"][INTERRUPT_AT:] == second.losses["g_loss"]
    # At the beginning of the resumed run, both networks and both optimizers
    # (step counters, Adam's moments and velocities) are those of the interrupt.
    # (The codings' SeedGenerator state is not in Keras' backups: the resumed run
    # draws the first epochs' codings again, so it does not end on exactly the
    # weights of an uninterrupted run.)
    assert_same_state(second.states[0], at_interrupt)
    for name in ("d_optimizer", "g_optimizer"):
        assert any(np.abs(v).sum() > 0 for v in at_interrupt[name][2:]), f"{name} has no state"
        assert int(getattr(resumed, name).iterations) == EPOCHS * STEPS, \
            f"{name}'s step counter restarted"


def test_a_re_run_reuses_the_saved_gan_with_both_optimizers(settings, images, capsys):
    trained = fresh_gan()
    history = train(trained, settings, images, Recorder())
    capsys.readouterr()
    reused = fresh_gan()  # fresh weights and fresh optimizers, replaced by the saved ones
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert train(reused, settings, images, Recorder()) == history
    assert not [w for w in caught if "Skipping variable loading" in str(w.message)]
    assert "Loaded the trained model from" in capsys.readouterr().out
    assert_same_state(state(reused), state(trained))
    assert int(reused.d_optimizer.iterations) == int(reused.g_optimizer.iterations) \
        == EPOCHS * STEPS


def test_the_saved_generator_reloads_in_safe_mode(settings, images):
    gan = fresh_gan()
    train(gan, settings, images, Recorder())
    reloaded = keras.models.load_model(model_path(settings, "gan"))  # safe_mode by default
    assert type(reloaded) is GAN
    codings = np.random.default_rng(1).normal(size=(6, CODINGS_SIZE)).astype("float32")
    np.testing.assert_array_equal(ops.convert_to_numpy(reloaded.generator(codings)),
                                  ops.convert_to_numpy(gan.generator(codings)))
    np.testing.assert_array_equal(ops.convert_to_numpy(reloaded(codings)),
                                  ops.convert_to_numpy(gan(codings)))


def conditional_networks(n_classes=10):
    codings, classes = keras.Input((CODINGS_SIZE,)), keras.Input((n_classes,))
    hidden = keras.layers.Dense(16, activation="selu")(
        keras.layers.Concatenate()([codings, classes]))
    pixels = keras.layers.Dense(28 * 28, activation="sigmoid")(hidden)
    image = keras.layers.Reshape((28, 28))(pixels)
    generator = keras.Model([codings, classes], image, name="generator")
    images, classes = keras.Input((28, 28)), keras.Input((n_classes,))
    hidden = keras.layers.Dense(16, activation="selu")(
        keras.layers.Concatenate()([keras.layers.Flatten()(images), classes]))
    logit = keras.layers.Dense(1)(hidden)  # logits, as in notebook 11
    return generator, keras.Model([images, classes], logit, name="discriminator")


def subclassed_gan(kind):
    """A GAN subclass of a later notebook, its fit arguments and generator inputs."""
    keras.utils.set_random_seed(0)
    codings = np.random.default_rng(1).normal(size=(6, CODINGS_SIZE)).astype("float32")
    if kind == "ReplayGAN":
        from helpers.gan_training import ReplayGAN

        plain = fresh_gan()
        gan = ReplayGAN(plain.generator, plain.discriminator, codings_size=CODINGS_SIZE,
                        buffer_size=64, seed=0, name="gan")
        labels, inputs = None, codings
    else:
        from helpers.cgan import ConditionalGAN

        generator, discriminator = conditional_networks()
        gan = ConditionalGAN(generator, discriminator, codings_size=CODINGS_SIZE,
                             n_classes=10, seed=0, name="gan")
        labels = np.arange(N_IMAGES) % 10
        inputs = [codings, np.eye(10, dtype="float32")[np.arange(6) % 10]]
    gan.compile(d_optimizer=keras.optimizers.Adam(1e-3), g_optimizer=keras.optimizers.Adam(1e-3))
    return gan, labels, inputs


@pytest.mark.parametrize("kind", ["ReplayGAN", "ConditionalGAN"])
def test_a_subclass_saved_by_fit_or_load_reloads_in_safe_mode(settings, images, kind):
    gan, labels, inputs = subclassed_gan(kind)
    fit_or_load(gan, settings, "gan", images, labels, epochs=2, batch_size=BATCH_SIZE,
                verbose=0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        reloaded = keras.models.load_model(model_path(settings, "gan"))  # safe_mode by default
    assert not [w for w in caught if "Skipping" in str(w.message)]
    assert type(reloaded) is type(gan)
    np.testing.assert_array_equal(ops.convert_to_numpy(reloaded.generator(inputs)),
                                  ops.convert_to_numpy(gan.generator(inputs)))
    for name in ("d_optimizer", "g_optimizer"):
        assert int(getattr(reloaded, name).iterations) == 2 * STEPS
