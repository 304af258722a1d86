import keras
import numpy as np
import pytest

from helpers.autoencoders import DenseTranspose, TiedAutoencoder
from helpers.progan import EqualizedConv2D, EqualizedDense, MinibatchStdDev, PixelNorm
from helpers.stylegan import AdaIN, NoiseInjection


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


# The progressive-growing GAN's layers (notebook 13): NumPy references, the run-time
# scale of the equalized layers, shapes, and a safe-mode round trip of each.

def _leaky_relu(values, slope=0.2):
    return np.where(values > 0, values, slope * values)


def test_minibatch_stddev_matches_numpy():
    features = np.random.default_rng(0).normal(size=(6, 3, 3, 4)).astype("float32")
    outputs = keras.ops.convert_to_numpy(MinibatchStdDev()(features))
    variety = np.sqrt(features.var(axis=0) + 1e-8).mean()
    assert outputs.shape == (6, 3, 3, 5) == MinibatchStdDev().compute_output_shape((6, 3, 3, 4))
    np.testing.assert_array_equal(outputs[..., :4], features)
    np.testing.assert_allclose(outputs[..., 4], variety, rtol=1e-5)


def test_minibatch_stddev_sees_a_batch_without_variety():
    varied = np.random.default_rng(1).normal(size=(8, 5)).astype("float32")
    copies = np.repeat(varied[:1], 8, axis=0)
    # Eight copies of one example: every standard deviation is 0 (sqrt(epsilon) = 1e-4).
    np.testing.assert_allclose(keras.ops.convert_to_numpy(MinibatchStdDev()(copies))[:, -1],
                               1e-4, rtol=1e-3)
    assert keras.ops.convert_to_numpy(MinibatchStdDev()(varied))[0, -1] > 0.5


def test_equalized_dense_stores_unit_normal_weights_and_scales_at_run_time():
    keras.utils.set_random_seed(0)
    layer = EqualizedDense(300, activation="leaky_relu")
    inputs = np.random.default_rng(2).normal(size=(5, 200)).astype("float32")
    outputs = keras.ops.convert_to_numpy(layer(inputs))
    kernel = keras.ops.convert_to_numpy(layer.kernel)
    assert abs(kernel.std() - 1.0) < 0.01 and abs(kernel.mean()) < 0.01  # N(0, 1), unscaled
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(layer.bias), 0.0)
    expected = _leaky_relu(inputs @ (kernel * np.sqrt(2 / 200)))
    assert outputs.shape == (5, 300) == layer.compute_output_shape((5, 200))
    np.testing.assert_allclose(outputs, expected, rtol=1e-4, atol=1e-5)


def test_equalized_dense_gain_bias_and_lr_multiplier():
    keras.utils.set_random_seed(0)
    layer = EqualizedDense(3, gain=1.0, lr_multiplier=0.01)
    inputs = np.random.default_rng(3).normal(size=(4, 6)).astype("float32")
    layer(inputs)
    layer.bias.assign(np.array([1.0, 2.0, 3.0], "float32"))
    kernel = keras.ops.convert_to_numpy(layer.kernel)
    expected = inputs @ (kernel * np.sqrt(1 / 6) * 0.01) + np.array([1.0, 2.0, 3.0]) * 0.01
    np.testing.assert_allclose(keras.ops.convert_to_numpy(layer(inputs)), expected,
                               rtol=1e-4, atol=1e-6)
    unbiased = EqualizedDense(3, use_bias=False)
    unbiased.build((None, 6))
    assert len(unbiased.weights) == 1


def _conv_same(images, kernel, strides=1):
    """Direct 'same'-padded convolution (cross-correlation, as Keras computes it)."""
    size = kernel.shape[0]
    height, width = images.shape[1:3]
    out_height, out_width = -(-height // strides), -(-width // strides)
    pad_h = max((out_height - 1) * strides + size - height, 0)
    pad_w = max((out_width - 1) * strides + size - width, 0)
    padded = np.pad(images, ((0, 0), (pad_h // 2, pad_h - pad_h // 2),
                             (pad_w // 2, pad_w - pad_w // 2), (0, 0)))
    outputs = np.zeros((images.shape[0], out_height, out_width, kernel.shape[-1]))
    for row in range(out_height):
        for column in range(out_width):
            patch = padded[:, row * strides:row * strides + size,
                           column * strides:column * strides + size, :]
            outputs[:, row, column] = np.einsum("nhwc,hwcf->nf", patch, kernel)
    return outputs


@pytest.mark.parametrize("strides", [1, 2])
def test_equalized_conv2d_matches_numpy(strides):
    keras.utils.set_random_seed(0)
    layer = EqualizedConv2D(4, 3, strides=strides, activation="leaky_relu")
    images = np.random.default_rng(4).normal(size=(2, 7, 7, 3)).astype("float32")
    layer.build(images.shape)
    layer.bias.assign(np.arange(4, dtype="float32"))
    outputs = keras.ops.convert_to_numpy(layer(images))
    kernel = keras.ops.convert_to_numpy(layer.kernel)
    expected = _leaky_relu(_conv_same(images, kernel * np.sqrt(2 / (3 * 3 * 3)), strides)
                           + np.arange(4))
    size = 7 if strides == 1 else 4
    assert outputs.shape == (2, size, size, 4) == layer.compute_output_shape((2, 7, 7, 3))
    np.testing.assert_allclose(outputs, expected, rtol=1e-4, atol=1e-5)


def test_equalized_conv2d_stores_unit_normal_weights():
    keras.utils.set_random_seed(0)
    layer = EqualizedConv2D(64, 3, gain=1.0)
    layer.build((None, 8, 8, 32))
    kernel = keras.ops.convert_to_numpy(layer.kernel)
    assert abs(kernel.std() - 1.0) < 0.02 and abs(kernel.mean()) < 0.02
    assert layer.scale == pytest.approx(np.sqrt(1.0 / (3 * 3 * 32)))
    # The equalized outputs have unit variance for unit-variance inputs (gain 1, linear).
    images = np.random.default_rng(5).normal(size=(16, 8, 8, 32)).astype("float32")
    assert keras.ops.convert_to_numpy(layer(images))[:, 2:-2, 2:-2].std() == \
        pytest.approx(1.0, abs=0.1)


def test_pixel_norm_matches_numpy():
    features = np.random.default_rng(6).normal(size=(3, 4, 4, 8)).astype("float32") * 5
    outputs = keras.ops.convert_to_numpy(PixelNorm()(features))
    expected = features / np.sqrt((features ** 2).mean(axis=-1, keepdims=True) + 1e-8)
    assert outputs.shape == features.shape
    np.testing.assert_allclose(outputs, expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose((outputs ** 2).mean(axis=-1), 1.0, rtol=1e-4)


def test_progan_layers_round_trip_in_safe_mode(tmp_path):
    keras.utils.set_random_seed(0)
    codings = keras.Input((6,))
    hidden = EqualizedDense(2 * 2 * 4, activation="leaky_relu", gain=0.5)(codings)
    hidden = PixelNorm(epsilon=1e-6)(keras.layers.Reshape((2, 2, 4))(hidden))
    hidden = EqualizedConv2D(3, 3, strides=2, activation="leaky_relu", use_bias=False)(hidden)
    hidden = MinibatchStdDev(epsilon=1e-7)(hidden)
    outputs = EqualizedDense(1, gain=1.0, lr_multiplier=0.5)(keras.layers.Flatten()(hidden))
    model = keras.Model(codings, outputs)
    path = tmp_path / "progan_layers.keras"
    model.save(path)
    reloaded = keras.models.load_model(path, safe_mode=True)
    assert [type(layer).__name__ for layer in reloaded.layers] == \
        [type(layer).__name__ for layer in model.layers]
    assert [layer.get_config() for layer in reloaded.layers[1:]] == \
        [layer.get_config() for layer in model.layers[1:]]
    inputs = np.random.default_rng(7).normal(size=(5, 6)).astype("float32")
    np.testing.assert_allclose(reloaded.predict(inputs, verbose=0),
                               model.predict(inputs, verbose=0), rtol=1e-6)


# StyleGAN layers


def test_noise_injection_matches_numpy_with_given_noise():
    rng = np.random.default_rng(0)
    features = rng.normal(size=(2, 3, 4, 5)).astype("float32")
    noise = rng.normal(size=(2, 3, 4, 1)).astype("float32")
    layer = NoiseInjection(seed=1)
    layer.build(features.shape)
    assert np.all(layer.get_weights()[0] == 0), "the noise scales must start at zero"
    scale = rng.normal(size=(5,)).astype("float32")
    layer.set_weights([scale])
    expected = features + scale * noise  # one noise value per pixel, scaled per channel
    np.testing.assert_allclose(layer(features, noise=noise), expected, rtol=1e-6, atol=1e-6)


def test_noise_injection_draws_new_noise_shared_by_the_channels():
    features = np.zeros((2, 3, 4, 5), "float32")
    layer = NoiseInjection(seed=1)
    layer.build(features.shape)
    layer.set_weights([np.arange(1, 6, dtype="float32")])
    first, second = (keras.ops.convert_to_numpy(layer(features)) for _ in range(2))
    assert not np.allclose(first, second), "each call must draw new noise"
    noise = first[..., :1]  # channel c holds (c + 1) times the same noise image
    np.testing.assert_allclose(first, noise * np.arange(1, 6), rtol=1e-5, atol=1e-6)
    assert abs(noise.std() - 1) < 0.6 and noise.shape == (2, 3, 4, 1)


def test_noise_injection_rejects_wrong_shapes():
    layer = NoiseInjection()
    with pytest.raises(ValueError, match="feature maps"):
        layer.build((2, 8))
    features = np.zeros((2, 3, 4, 5), "float32")
    with pytest.raises(ValueError, match="noise must have shape"):
        layer(features, noise=np.zeros((2, 3, 4, 5), "float32"))


def adain_numpy(features, style, epsilon=1e-8):
    channels = features.shape[-1]
    mean = features.mean(axis=(1, 2), keepdims=True)
    std = np.sqrt(features.var(axis=(1, 2), keepdims=True) + epsilon)
    scale, bias = style[:, :channels], style[:, channels:]
    return (1 + scale[:, None, None]) * (features - mean) / std + bias[:, None, None]


def test_adain_matches_numpy():
    rng = np.random.default_rng(0)
    features = rng.normal(3.0, 2.0, size=(2, 4, 5, 3)).astype("float32")
    style = rng.normal(size=(2, 6)).astype("float32")
    outputs = keras.ops.convert_to_numpy(AdaIN()([features, style]))
    np.testing.assert_allclose(outputs, adain_numpy(features, style), rtol=1e-4, atol=1e-5)
    # With a zero style every map is standardized: mean 0, standard deviation 1.
    standardized = keras.ops.convert_to_numpy(AdaIN()([features, np.zeros((2, 6), "float32")]))
    np.testing.assert_allclose(standardized.mean(axis=(1, 2)), 0, atol=1e-5)
    np.testing.assert_allclose(standardized.std(axis=(1, 2)), 1, atol=1e-4)


def test_adain_rejects_a_style_of_the_wrong_size():
    features = np.zeros((2, 4, 4, 3), "float32")
    with pytest.raises(ValueError, match="2 x 3 = 6"):
        AdaIN()([features, np.zeros((2, 3), "float32")])
    with pytest.raises(ValueError, match="AdaIN expects"):
        AdaIN()([np.zeros((2, 4, 3), "float32"), np.zeros((2, 6), "float32")])


def test_stylegan_layers_round_trip_in_safe_mode(tmp_path):
    features = keras.Input((4, 4, 3))
    style, noise = keras.Input((6,)), keras.Input((4, 4, 1))
    noisy = NoiseInjection(seed=3, name="noise")(features, noise=noise)
    outputs = AdaIN(epsilon=1e-6, name="adain")([noisy, style])
    model = keras.Model([features, style, noise], outputs)
    rng = np.random.default_rng(1)
    model.get_layer("noise").set_weights([rng.normal(size=(3,)).astype("float32")])
    inputs = [rng.normal(size=(2, 4, 4, 3)).astype("float32"),
              rng.normal(size=(2, 6)).astype("float32"),
              rng.normal(size=(2, 4, 4, 1)).astype("float32")]
    model.save(tmp_path / "stylegan_layers.keras")
    reloaded = keras.models.load_model(tmp_path / "stylegan_layers.keras", safe_mode=True)
    assert isinstance(reloaded.get_layer("adain"), AdaIN)
    assert reloaded.get_layer("adain").epsilon == 1e-6
    assert isinstance(reloaded.get_layer("noise"), NoiseInjection)
    assert reloaded.get_layer("noise").seed == 3
    np.testing.assert_allclose(reloaded.predict(inputs, verbose=0),
                               model.predict(inputs, verbose=0), rtol=1e-6, atol=1e-6)
