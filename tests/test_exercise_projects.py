"""The checks of the three book projects (helpers.exercises.projects): a right result
passes, and each kind of wrong result (untrained, collapsed, ignoring the class, worse than
its yardstick, the wrong object passed) fails with a message that says so.

Generators here are "memorizers": a softmax with a huge temperature picks one real image
per coding, so their samples are real images (a good generator) while a clone of the
same layers (fresh weights) produces noise (an untrained one)."""
from types import SimpleNamespace

import keras
import numpy as np
import pytest

import helpers
from helpers import exercises as ex
from helpers.exercises import projects

THRESHOLDS = SimpleNamespace(min_project_accuracy=0.4, min_pretraining_gain=0.02,
                             max_vae_ratio=1.0, min_project_entropy=1.8,
                             max_gan_ratio_to_untrained=0.5, min_class_agreement=0.6)


@pytest.fixture(autouse=True)
def fixed_thresholds(monkeypatch):
    """The checks' thresholds are per preset; the tests pin their own."""
    monkeypatch.setattr(projects, "_thresholds", lambda: THRESHOLDS)


def expect(result, status, *fragments):
    assert result.status == status, result.message
    for fragment in fragments:
        assert fragment in result.message, result.message


@pytest.fixture(scope="module")
def bank():
    data = helpers.load_fashion_mnist(train_size=2_000)
    return data.X_train, data.y_train


def memorizer(images, labels=None, codings_size=8, follow_class=True, seed=0):
    """A generator whose outputs are images of ``images`` (flattened bank in a Dense kernel)."""
    rng = np.random.default_rng(seed)
    codings = keras.Input((codings_size,))
    scores = keras.layers.Dense(len(images), use_bias=False, name="pick")(codings)
    inputs = [codings]
    if labels is not None:
        one_hot = keras.Input((10,))
        inputs.append(one_hot)
        scores = keras.layers.Add()([scores, keras.layers.Dense(len(images), use_bias=False,
                                                                name="by_class")(one_hot)])
    choice = keras.layers.Softmax()(keras.layers.Rescaling(1_000.0)(scores))
    pixels = keras.layers.Dense(28 * 28, use_bias=False, name="bank")(choice)
    model = keras.Model(inputs if labels is not None else codings,
                        keras.layers.Reshape((28, 28))(pixels))
    model.get_layer("pick").set_weights([rng.standard_normal((codings_size, len(images)))])
    if labels is not None:
        by_class = np.eye(10)[labels].T * 100.0 * follow_class  # (10, n): a big bonus for class k
        model.get_layer("by_class").set_weights([by_class])
    model.get_layer("bank").set_weights([images.reshape(len(images), -1)])
    return model


def untrained_generator(conditional=False):
    """A DCGAN-like generator (tanh mapped to [0, 1]) with its initial weights."""
    codings = keras.Input((8,))
    inputs = [codings, keras.Input((10,))] if conditional else codings
    hidden = keras.layers.Concatenate()(inputs) if conditional else codings
    hidden = keras.layers.Reshape((7, 7, 4))(keras.layers.Dense(7 * 7 * 4)(hidden))
    hidden = keras.layers.Conv2DTranspose(4, 4, strides=2, padding="same", activation="relu")(hidden)
    hidden = keras.layers.Conv2DTranspose(1, 4, strides=2, padding="same", activation="tanh")(hidden)
    hidden = keras.layers.Rescaling(0.5, 0.5)(hidden)
    return keras.Model(inputs, keras.layers.Reshape((28, 28))(hidden))


def test_replay_experiment(bank):
    images, _ = bank
    good, other = memorizer(images, seed=0), memorizer(images, seed=1)
    expect(ex.check_replay_experiment(good, other), ex.CORRECT, "without replay", "with it")
    expect(ex.check_replay_experiment(good, untrained_generator()), ex.WRONG, "untrained copy",
           "has it been trained?")
    one_class = memorizer(images[bank[1] == 1])  # trousers only
    expect(ex.check_replay_experiment(one_class, good), ex.WRONG, "collapsed")
    expect(ex.check_replay_experiment(good, good), ex.WRONG, "same generator")
    expect(ex.check_replay_experiment(None, good), ex.NOT_ANSWERED)
    predictions = good.predict(np.zeros((4, 8)), verbose=0)
    expect(ex.check_replay_experiment(predictions, good), ex.WRONG, "its predictions?")
    in_tanh_range = keras.Sequential([good, keras.layers.Rescaling(2.0, -1.0)])
    expect(ex.check_replay_experiment(in_tanh_range, good), ex.WRONG, "images")
    flat = keras.Sequential([good, keras.layers.Flatten()])
    expect(ex.check_replay_experiment(flat, good), ex.WRONG, "images")


def test_vae_samples(bank):
    images, _ = bank
    sharp = memorizer(images)
    blurred = keras.Sequential([memorizer(images, seed=1), keras.layers.Reshape((28, 28, 1)),
                                keras.layers.AveragePooling2D(4), keras.layers.UpSampling2D(4),
                                keras.layers.Reshape((28, 28))])
    expect(ex.check_vae_samples(sharp, blurred), ex.CORRECT, "against notebook 08's")
    expect(ex.check_vae_samples(blurred, sharp), ex.WRONG, "not below it")
    expect(ex.check_vae_samples(sharp, sharp), ex.WRONG, "notebook 08's decoder itself")
    one_class = memorizer(images[bank[1] == 1])
    expect(ex.check_vae_samples(one_class, blurred), ex.WRONG, "too few classes")
    expect(ex.check_vae_samples(None, blurred), ex.NOT_ANSWERED)
    two_inputs = memorizer(images, bank[1])
    expect(ex.check_vae_samples(two_inputs, blurred), ex.WRONG, "one input")


def test_conditional_generator(bank):
    images, labels = bank
    follows = memorizer(images, labels)
    expect(ex.check_conditional_generator(follows), ex.CORRECT, "class agreement")
    ignores = memorizer(images, labels, follow_class=False)
    expect(ex.check_conditional_generator(ignores), ex.WRONG, "ignores the class gets 10 %")
    expect(ex.check_conditional_generator(memorizer(images)), ex.WRONG, "two inputs")
    shifted = memorizer(images, (labels + 1) % 10)  # makes class k + 1 when asked for k
    expect(ex.check_conditional_generator(shifted), ex.WRONG, "agrees with the requested class")
    expect(ex.check_conditional_generator(untrained_generator(conditional=True)), ex.WRONG,
           "has it been trained?")
    expect(ex.check_conditional_generator(None), ex.NOT_ANSWERED)


def classifier_on(encoder, seed):
    return keras.Sequential([keras.Input((28, 28)), encoder,
                             keras.layers.Dense(10, activation="softmax",
                                                kernel_initializer=keras.initializers.GlorotUniform(seed))])


def new_encoder(seed):
    return keras.Sequential([keras.Input((28, 28)), keras.layers.Flatten(),
                             keras.layers.Dense(32, activation="relu",
                                                kernel_initializer=keras.initializers.GlorotUniform(seed))])


def trained(model, images, labels, epochs):
    model.compile(loss="sparse_categorical_crossentropy", optimizer="adam")
    model.fit(images, labels, epochs=epochs, batch_size=64, verbose=0)
    return model


def test_pretraining(bank):
    """A classifier trained on 2,000 labels plays the pretrained one (its encoder is the
    one passed), one trained on 100 plays the scratch one: the first is clearly better."""
    images, labels = bank
    test_images, test_labels = images[-500:], labels[-500:]
    encoder = new_encoder(0)
    pretrained = trained(classifier_on(encoder, 0), images[:1_500], labels[:1_500], 5)
    scratch = trained(classifier_on(new_encoder(1), 1), images[:100], labels[:100], 20)
    expect(ex.check_pretraining(pretrained, scratch, encoder, test_images, test_labels),
           ex.CORRECT, "from scratch")
    expect(ex.check_pretraining(scratch, pretrained, encoder, test_images, test_labels),
           ex.WRONG, "does not contain the encoder's layers")
    # The right roles, but the encoder cloned: not its layers, so not pretrained.
    copy = keras.models.clone_model(encoder)
    copy.set_weights(encoder.get_weights())
    expect(ex.check_pretraining(pretrained, scratch, copy, test_images, test_labels),
           ex.WRONG, "does not contain the encoder's layers")
    sharing = classifier_on(encoder, 2)
    expect(ex.check_pretraining(pretrained, sharing, encoder, test_images, test_labels),
           ex.WRONG, "shares layers")
    expect(ex.check_pretraining(pretrained, pretrained, encoder, test_images, test_labels),
           ex.WRONG, "same model")
    untrained = classifier_on(new_encoder(5), 5)
    expect(ex.check_pretraining(pretrained, untrained, encoder, test_images, test_labels),
           ex.WRONG, "train it")
    one_output = keras.Sequential([keras.Input((28, 28)), encoder, keras.layers.Dense(1)])
    expect(ex.check_pretraining(one_output, scratch, encoder, test_images, test_labels),
           ex.WRONG, "one score per class")
    expect(ex.check_pretraining(pretrained.predict(test_images, verbose=0), scratch, encoder,
                                test_images, test_labels), ex.WRONG, "its predictions?")
    expect(ex.check_pretraining(None, scratch, encoder, test_images, test_labels),
           ex.NOT_ANSWERED)
    expect(ex.check_pretraining(pretrained, scratch, encoder, test_images, test_labels[:10]),
           ex.WRONG, "labels")
    # Last: training this one moves the shared encoder under the models above.
    worse = trained(classifier_on(new_encoder(3), 3), images[:1_500], labels[:1_500], 5)
    no_gain = trained(classifier_on(encoder, 4), images[:100], labels[:100], 1)
    expect(ex.check_pretraining(no_gain, worse, encoder, test_images, test_labels),
           ex.WRONG, "should add at least")
