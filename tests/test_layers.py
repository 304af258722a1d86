import keras
import numpy as np
import pytest

from helpers.layers import DenseTranspose, TiedAutoencoder


def _tied_pair(seed=0):
    keras.utils.set_random_seed(seed)
    dense = keras.layers.Dense(4, activation="relu")
    dense.build((None, 6))
    return dense, DenseTranspose(dense, activation="sigmoid")


def test_dense_transpose_matches_numpy():
    dense, tied = _tied_pair()
    codings = np.random.default_rng(0).normal(size=(5, 4)).astype("float32")
    tied(codings)
    tied.bias.assign(np.linspace(-1, 1, 6).astype("float32"))
    outputs = keras.ops.convert_to_numpy(tied(codings))
    kernel = keras.ops.convert_to_numpy(dense.kernel)
    expected = 1 / (1 + np.exp(-(codings @ kernel.T + np.linspace(-1, 1, 6))))
    assert outputs.shape == (5, 6)
    np.testing.assert_allclose(outputs, expected, rtol=1e-5, atol=1e-6)


def test_dense_transpose_adds_only_a_bias():
    dense, tied = _tied_pair()
    tied(np.zeros((1, 4), "float32"))
    assert tied.bias.shape == (6,)
    # Its weights are the tied layer's kernel and bias plus its own bias: no new kernel.
    assert {id(weight) for weight in tied.trainable_weights} == \
        {id(dense.kernel), id(dense.bias), id(tied.bias)}


def test_dense_transpose_round_trip_in_safe_mode(tmp_path):
    dense, tied = _tied_pair()
    inputs = keras.Input((4,))
    model = keras.Model(inputs, tied(inputs))
    tied.bias.assign(np.arange(6, dtype="float32") / 10)
    path = tmp_path / "tied.keras"
    model.save(path)
    reloaded = keras.models.load_model(path, safe_mode=True)
    codings = np.random.default_rng(1).normal(size=(3, 4)).astype("float32")
    np.testing.assert_allclose(reloaded.predict(codings, verbose=0),
                               model.predict(codings, verbose=0), rtol=1e-6)


def test_tied_autoencoder_shares_kernels():
    tied_ae = TiedAutoencoder(units=(100, 30))
    tied_ae(np.zeros((1, 28, 28), "float32"))
    untied_params = 784 * 100 + 100 + 100 * 30 + 30 + 30 * 100 + 100 + 100 * 784 + 784
    assert tied_ae.count_params() == untied_params - 784 * 100 - 100 * 30
    assert tied_ae.decoder_layers[-1].dense is tied_ae.encoder_layers[0]


def test_tied_autoencoder_reloads_with_the_tie(tmp_path):
    keras.utils.set_random_seed(0)
    images = np.random.default_rng(0).random((64, 28, 28)).astype("float32")
    tied_ae = TiedAutoencoder(units=(16, 4))
    tied_ae.compile(loss="mse", optimizer="adam")
    tied_ae.fit(images, images, epochs=1, verbose=0)
    path = tmp_path / "tied_ae.keras"
    tied_ae.save(path)
    reloaded = keras.models.load_model(path, safe_mode=True)
    np.testing.assert_allclose(reloaded.predict(images, verbose=0),
                               tied_ae.predict(images, verbose=0), rtol=1e-6)
    assert reloaded.decoder_layers[-1].dense is reloaded.encoder_layers[0]
    assert reloaded.count_params() == tied_ae.count_params()


def test_tied_autoencoder_rejects_wrong_image_shape():
    tied_ae = TiedAutoencoder(units=(8, 2))
    with pytest.raises(ValueError, match=r"784|100"):
        tied_ae(np.zeros((1, 10, 10), "float32"))


@pytest.mark.filterwarnings("ignore:Gradients do not exist")  # the Dense's own bias is unused
def test_training_the_decoder_alone_moves_the_shared_kernel():
    """The tie carries gradients: a step on a decoder built only from DenseTranspose
    changes the encoder's kernel (a decoder that used a copy, or stopped the
    gradient, would leave it unchanged)."""
    dense, tied = _tied_pair()
    codings = keras.Input((4,))
    decoder = keras.Model(codings, tied(codings))
    decoder.compile(loss="mse", optimizer=keras.optimizers.SGD(learning_rate=1.0))
    kernel_before = keras.ops.convert_to_numpy(dense.kernel).copy()
    rng = np.random.default_rng(2)
    decoder.train_on_batch(rng.normal(size=(16, 4)).astype("float32"),
                           rng.random((16, 6)).astype("float32"))
    assert not np.allclose(keras.ops.convert_to_numpy(dense.kernel), kernel_before)
    assert {id(weight) for weight in decoder.trainable_weights} >= {id(dense.kernel)}


def test_tied_autoencoder_trains_one_kernel_per_pair():
    """Inside TiedAutoencoder each encoder kernel is the decoder's kernel: one fit step
    moves it, and the decoder keeps computing with the moved kernel, transposed."""
    keras.utils.set_random_seed(0)
    images = np.random.default_rng(3).random((32, 28, 28)).astype("float32")
    tied_ae = TiedAutoencoder(units=(8, 2))
    tied_ae.compile(loss="mse", optimizer=keras.optimizers.SGD(learning_rate=0.5))
    tied_ae.build((None, 28, 28))
    first_kernel = tied_ae.encoder_layers[0].kernel
    before = keras.ops.convert_to_numpy(first_kernel).copy()
    tied_ae.train_on_batch(images, images)
    after = keras.ops.convert_to_numpy(first_kernel)
    assert not np.allclose(after, before)
    hidden = np.random.default_rng(4).random((5, 8)).astype("float32")
    last = tied_ae.decoder_layers[-1]
    expected = 1 / (1 + np.exp(-(hidden @ after.T + keras.ops.convert_to_numpy(last.bias))))
    np.testing.assert_allclose(keras.ops.convert_to_numpy(last(hidden)), expected,
                               rtol=1e-5, atol=1e-6)
