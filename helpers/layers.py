"""Layers taught in one notebook and reused by later ones.

Each definition here is also shown in the notebook that teaches it, in a
cell marked ``#@save``; ``tests/test_saved_cells.py`` checks that the two
stay identical. Importing ``helpers`` registers them, so a saved ``.keras``
model that uses them reloads with ``keras.models.load_model(path)``.
"""
from __future__ import annotations

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="helpers")
class DenseTranspose(keras.layers.Layer):
    """A dense layer that reuses the transposed kernel of another ``Dense``.

    Usage: ``decoder_layer = DenseTranspose(encoder_layer, activation="sigmoid")``
    """

    def __init__(self, dense, activation=None, **kwargs):
        super().__init__(**kwargs)
        self.dense = dense
        self.activation = keras.activations.get(activation)

    def build(self, input_shape):
        # Only the biases are new: the kernel belongs to `dense`.
        self.bias = self.add_weight(name="bias", shape=(self.dense.kernel.shape[0],),
                                    initializer="zeros")

    def call(self, inputs):
        return self.activation(ops.matmul(inputs, ops.transpose(self.dense.kernel)) + self.bias)

    def get_config(self):
        return {**super().get_config(),
                "dense": keras.saving.serialize_keras_object(self.dense),
                "activation": keras.activations.serialize(self.activation)}

    @classmethod
    def from_config(cls, config):
        config["dense"] = keras.saving.deserialize_keras_object(config["dense"])
        return cls(**config)


@keras.saving.register_keras_serializable(package="helpers")
class TiedAutoencoder(keras.Model):
    """A stacked autoencoder whose decoder reuses the encoder's kernels, transposed.

    Its config holds only the layer sizes, so reloading rebuilds the tie.
    Usage: ``tied_ae = TiedAutoencoder(units=(100, 30))``
    """

    def __init__(self, units=(100, 30), image_shape=(28, 28), **kwargs):
        super().__init__(**kwargs)
        self.units, self.image_shape = tuple(units), tuple(image_shape)
        self.flatten = keras.layers.Flatten()
        self.encoder_layers = [keras.layers.Dense(size, activation="relu") for size in units]
        activations = ["relu"] * (len(units) - 1) + ["sigmoid"]
        self.decoder_layers = [DenseTranspose(dense, activation=activation)
                               for dense, activation in zip(self.encoder_layers[::-1],
                                                            activations)]
        self.reshape = keras.layers.Reshape(self.image_shape)

    def build(self, input_shape):
        # Build each layer explicitly, so the weights exist before fit (and on reload).
        size = 1
        for dimension in self.image_shape:
            size *= dimension
        for layer in self.encoder_layers:
            layer.build((None, size))
            size = layer.units
        for layer in self.decoder_layers:
            layer.build((None, size))
            size = layer.dense.kernel.shape[0]

    def encode(self, inputs):
        codings = self.flatten(inputs)
        for layer in self.encoder_layers:
            codings = layer(codings)
        return codings

    def decode(self, codings):
        outputs = codings
        for layer in self.decoder_layers:
            outputs = layer(outputs)
        return self.reshape(outputs)

    def call(self, inputs):
        return self.decode(self.encode(inputs))

    def get_config(self):
        return {**super().get_config(), "units": list(self.units),
                "image_shape": list(self.image_shape)}


@keras.saving.register_keras_serializable(package="helpers")
class Sampling(keras.layers.Layer):
    """Draw codings from N(mean, exp(log_var)) with the reparameterization trick.

    Usage: ``codings = Sampling(seed=42)([codings_mean, codings_log_var])``
    """

    def __init__(self, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.seed = seed
        # The generator's state is a variable: each call draws new noise,
        # and the same seed replays the same draws.
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, inputs):
        codings_mean, codings_log_var = inputs
        epsilon = keras.random.normal(ops.shape(codings_log_var), seed=self.seed_generator)
        return codings_mean + ops.exp(codings_log_var / 2) * epsilon

    def get_config(self):
        return {**super().get_config(), "seed": self.seed}


@keras.saving.register_keras_serializable(package="helpers")
class MinibatchDiscrimination(keras.layers.Layer):
    """Minibatch discrimination (Salimans et al., 2016): append to each example's
    features ``n_kernels`` numbers saying how close it is to the others in its batch.

    A kernel T projects the features f (n, A) to M (n, B, C); for each of the B rows,
    o_b(x_i) = sum_j exp(-||M_i,b - M_j,b||_1), summed over the whole batch (j = i too).
    Usage: ``features = MinibatchDiscrimination(n_kernels=50, kernel_dim=5)(features)``
    """

    def __init__(self, n_kernels=50, kernel_dim=5, kernel_initializer="glorot_uniform",
                 **kwargs):
        super().__init__(**kwargs)
        self.n_kernels, self.kernel_dim = n_kernels, kernel_dim
        self.kernel_initializer = keras.initializers.get(kernel_initializer)

    def build(self, input_shape):
        self.kernel = self.add_weight(name="kernel",
                                      shape=(input_shape[-1], self.n_kernels * self.kernel_dim),
                                      initializer=self.kernel_initializer)

    def call(self, inputs):
        rows = ops.reshape(ops.matmul(inputs, self.kernel),
                           (-1, self.n_kernels, self.kernel_dim))  # M: (n, B, C)
        l1_distances = ops.sum(ops.abs(ops.expand_dims(rows, 1) - ops.expand_dims(rows, 0)),
                               axis=-1)  # (n, n, B)
        closeness = ops.sum(ops.exp(-l1_distances), axis=1)  # (n, B)
        return ops.concatenate([inputs, ops.cast(closeness, inputs.dtype)], axis=-1)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], input_shape[-1] + self.n_kernels)

    def get_config(self):
        return {**super().get_config(), "n_kernels": self.n_kernels,
                "kernel_dim": self.kernel_dim,
                "kernel_initializer": keras.initializers.serialize(self.kernel_initializer)}


@keras.saving.register_keras_serializable(package="helpers")
class MinibatchStdDev(keras.layers.Layer):
    """Minibatch standard deviation (Karras et al., 2018): append one feature map holding
    a single number, the batch's variety, to every example.

    For each feature at each position, the standard deviation over the batch,
    sqrt(mean_i (x_i - mean_j x_j)^2 + epsilon); their mean over features and positions
    is one scalar, broadcast to a map of shape (..., 1) and concatenated to the inputs.
    Usage: ``features = MinibatchStdDev()(features)  # (n, 7, 7, 64) -> (n, 7, 7, 65)``
    """

    def __init__(self, epsilon: float = 1e-8, **kwargs):
        super().__init__(**kwargs)
        self.epsilon = epsilon

    def call(self, inputs):
        deviations = inputs - ops.mean(inputs, axis=0, keepdims=True)
        stddevs = ops.sqrt(ops.mean(ops.square(deviations), axis=0) + self.epsilon)
        variety = ops.mean(stddevs)
        feature_map = ops.ones_like(inputs[..., :1]) * ops.cast(variety, inputs.dtype)
        return ops.concatenate([inputs, feature_map], axis=-1)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], input_shape[-1] + 1)

    def get_config(self):
        return {**super().get_config(), "epsilon": self.epsilon}


@keras.saving.register_keras_serializable(package="helpers")
class EqualizedDense(keras.layers.Layer):
    """A dense layer with an equalized learning rate (Karras et al., 2018): the kernel is
    stored as N(0, 1) draws and multiplied at run time by sqrt(gain / fan_in), He's scale.

    ``lr_multiplier`` (StyleGAN's mapping network uses 0.01) stores weights divided by it
    and multiplies kernel and bias by it at run time, slowing their effective learning.
    Usage: ``hidden = EqualizedDense(128, activation="leaky_relu")(codings)``
    """

    def __init__(self, units: int, activation=None, gain: float = 2.0, use_bias: bool = True,
                 bias_initializer="zeros", lr_multiplier: float = 1.0, **kwargs):
        super().__init__(**kwargs)
        self.units, self.gain, self.use_bias = units, gain, use_bias
        self.activation = keras.activations.get(activation)
        self.bias_initializer = keras.initializers.get(bias_initializer)
        self.lr_multiplier = lr_multiplier

    def build(self, input_shape):
        fan_in = input_shape[-1]
        self.scale = (self.gain / fan_in) ** 0.5 * self.lr_multiplier
        self.kernel = self.add_weight(
            name="kernel", shape=(fan_in, self.units),
            initializer=keras.initializers.RandomNormal(stddev=1.0 / self.lr_multiplier))
        self.bias = (self.add_weight(name="bias", shape=(self.units,),
                                     initializer=self.bias_initializer)
                     if self.use_bias else None)

    def call(self, inputs):
        outputs = ops.matmul(inputs, self.kernel * self.scale)
        if self.bias is not None:
            outputs = outputs + self.bias * self.lr_multiplier
        return self.activation(outputs)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.units)

    def get_config(self):
        return {**super().get_config(), "units": self.units,
                "activation": keras.activations.serialize(self.activation),
                "gain": self.gain, "use_bias": self.use_bias,
                "bias_initializer": keras.initializers.serialize(self.bias_initializer),
                "lr_multiplier": self.lr_multiplier}


@keras.saving.register_keras_serializable(package="helpers")
class EqualizedConv2D(keras.layers.Layer):
    """A 2-D convolution ("same" padding) with an equalized learning rate: the kernel is
    stored as N(0, 1) draws and multiplied at run time by sqrt(gain / fan_in), where
    fan_in = kernel height x kernel width x input channels.

    Usage: ``features = EqualizedConv2D(64, 3, activation="leaky_relu")(images)``
    """

    def __init__(self, filters: int, kernel_size: int, strides: int = 1, activation=None,
                 gain: float = 2.0, use_bias: bool = True, **kwargs):
        super().__init__(**kwargs)
        self.filters, self.kernel_size, self.strides = filters, kernel_size, strides
        self.activation = keras.activations.get(activation)
        self.gain, self.use_bias = gain, use_bias

    def build(self, input_shape):
        channels = input_shape[-1]
        self.scale = (self.gain / (self.kernel_size ** 2 * channels)) ** 0.5
        self.kernel = self.add_weight(
            name="kernel", shape=(self.kernel_size, self.kernel_size, channels, self.filters),
            initializer=keras.initializers.RandomNormal(stddev=1.0))
        self.bias = (self.add_weight(name="bias", shape=(self.filters,), initializer="zeros")
                     if self.use_bias else None)

    def call(self, inputs):
        outputs = ops.conv(inputs, self.kernel * self.scale, strides=self.strides,
                           padding="same")
        if self.bias is not None:
            outputs = outputs + self.bias
        return self.activation(outputs)

    def compute_output_shape(self, input_shape):
        height, width = (None if size is None else -(-size // self.strides)
                         for size in input_shape[1:3])
        return (input_shape[0], height, width, self.filters)

    def get_config(self):
        return {**super().get_config(), "filters": self.filters,
                "kernel_size": self.kernel_size, "strides": self.strides,
                "activation": keras.activations.serialize(self.activation),
                "gain": self.gain, "use_bias": self.use_bias}


@keras.saving.register_keras_serializable(package="helpers")
class PixelNorm(keras.layers.Layer):
    """Pixelwise feature-vector normalization (Karras et al., 2018): each position's
    vector of channels divided by its root mean square, x / sqrt(mean_c x^2 + epsilon).

    Usage: ``features = PixelNorm()(EqualizedConv2D(64, 3, activation="leaky_relu")(x))``
    """

    def __init__(self, epsilon: float = 1e-8, **kwargs):
        super().__init__(**kwargs)
        self.epsilon = epsilon

    def call(self, inputs):
        return inputs * ops.rsqrt(ops.mean(ops.square(inputs), axis=-1, keepdims=True)
                                  + self.epsilon)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "epsilon": self.epsilon}


# StyleGAN layers


@keras.saving.register_keras_serializable(package="helpers")
class NoiseInjection(keras.layers.Layer):
    """StyleGAN's per-pixel noise (Karras et al., 2019): x + scale_c * n, where n is one
    N(0, 1) value per pixel, shared by all the channels of that pixel, and scale_c is a
    learned factor per channel that starts at zero (so training decides how much noise).

    A new noise image is drawn at every call from the layer's seed generator; pass
    ``noise`` of shape (batch, height, width, 1) to hold it fixed or to vary only it.
    Usage: ``features = NoiseInjection(seed=42)(features)`` or ``layer(features, noise=n)``
    """

    def __init__(self, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def build(self, input_shape):
        if len(input_shape) != 4:
            raise ValueError(f"NoiseInjection expects feature maps (batch, height, width, "
                             f"channels), got shape {tuple(input_shape)}")
        self.scale = self.add_weight(name="scale", shape=(input_shape[-1],),
                                     initializer="zeros")

    def call(self, inputs, noise=None):
        if noise is None:
            shape = ops.shape(inputs)
            noise = keras.random.normal((shape[0], shape[1], shape[2], 1),
                                        seed=self.seed_generator, dtype=inputs.dtype)
        elif tuple(noise.shape[1:]) != (*inputs.shape[1:3], 1):
            raise ValueError(f"noise must have shape (batch, {inputs.shape[1]}, "
                             f"{inputs.shape[2]}, 1) for features of shape "
                             f"{tuple(inputs.shape)}, got {tuple(noise.shape)}")
        return inputs + self.scale * ops.cast(noise, inputs.dtype)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "seed": self.seed}


@keras.saving.register_keras_serializable(package="helpers")
class AdaIN(keras.layers.Layer):
    """Adaptive instance normalization (Huang & Belongie, 2017; StyleGAN): each feature
    map of each example is standardized over its pixels, then scaled and shifted by a style.

    ``call([x, style])``: x (batch, height, width, C), style (batch, 2 C). The first C
    numbers s are the scales, used as 1 + s, the last C numbers b the biases:
    AdaIN(x, style)_c = (1 + s_c) (x_c - mean(x_c)) / sqrt(var(x_c) + epsilon) + b_c.
    With 1 + s (as StyleGAN's code does), a style near zero, as a freshly initialized
    affine layer gives, keeps the maps at unit spread instead of wiping them out.
    Usage: ``features = AdaIN()([features, EqualizedDense(2 * channels)(w)])``
    """

    def __init__(self, epsilon: float = 1e-8, **kwargs):
        super().__init__(**kwargs)
        self.epsilon = epsilon

    def build(self, input_shape):
        features_shape, style_shape = input_shape
        if len(features_shape) != 4 or len(style_shape) != 2:
            raise ValueError(f"AdaIN expects [features (batch, height, width, C), style "
                             f"(batch, 2 C)], got shapes {tuple(features_shape)} and "
                             f"{tuple(style_shape)}")
        if style_shape[-1] != 2 * features_shape[-1]:
            raise ValueError(f"the style must hold 2 x {features_shape[-1]} = "
                             f"{2 * features_shape[-1]} numbers (scales then biases), "
                             f"got {style_shape[-1]}")

    def call(self, inputs):
        features, style = inputs
        mean, variance = ops.moments(features, axes=(1, 2), keepdims=True)
        normalized = (features - mean) * ops.rsqrt(variance + self.epsilon)
        scale, bias = ops.split(ops.cast(style, features.dtype), 2, axis=-1)
        return (1 + scale[:, None, None, :]) * normalized + bias[:, None, None, :]

    def compute_output_shape(self, input_shape):
        return input_shape[0]

    def get_config(self):
        return {**super().get_config(), "epsilon": self.epsilon}
