"""The StyleGAN of notebook 13: a generator made of a mapping network (z -> w) and a
synthesis network (a learned constant, steered at every layer by a style A_i(w_i)
through AdaIN, with per-pixel noise), and a ``GAN`` (notebook 08) that trains it
with style-mixing regularization.

The classes are shown in the notebook in cells marked ``#@save``, built up over
several cells in the order of this file; ``tests/test_saved_cells.py`` keeps the
copies identical. Importing ``helpers`` registers them, so
``keras.models.load_model("stylegan.keras")`` works in safe mode from any kernel.

The generator takes codings of shape (n, codings_size), one coding per image, or
(n, n_styles, codings_size), one coding per style input: that is how two codings
are mixed.

Usage::

    generator = StyleGenerator(codings_size=64, w_size=64, mapping_depth=4)
    stylegan = StyleGAN(generator, discriminator, codings_size=64, mixing_probability=0.9)
    stylegan.compile(d_optimizer="rmsprop", g_optimizer="rmsprop")
    stylegan.fit(X_train, batch_size=64, epochs=2)
    images = generator(generator.mix(codings_a, codings_b, crossover=2), noise=fixed_noise)
"""
from __future__ import annotations

import keras
from keras import ops

from helpers.gan import GAN
from helpers.layers import AdaIN, EqualizedConv2D, EqualizedDense, NoiseInjection, PixelNorm


@keras.saving.register_keras_serializable(package="helpers")
class StyleGenerator(keras.Model):
    """Mapping network z -> w and synthesis network: a learned constant, then per
    resolution (7, 14, 28 by default) two layers, each conv -> noise -> leaky ReLU ->
    AdaIN with its own style A_i(w_i) (the first layer of all skips the conv)."""

    def __init__(self, codings_size=64, w_size=64, mapping_depth=4, filters=(64, 32, 16),
                 start_size=7, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.codings_size, self.w_size, self.mapping_depth = codings_size, w_size, mapping_depth
        self.filters, self.start_size, self.seed = tuple(filters), start_size, seed
        self.n_styles = 2 * len(self.filters)  # two style inputs per resolution
        self.mapping = [PixelNorm()] + [  # lr x 0.01 in the mapping network, as the paper's
            EqualizedDense(w_size, activation="leaky_relu", lr_multiplier=0.01)
            for _ in range(mapping_depth)]
        channels = [self.filters[index // 2] for index in range(self.n_styles)]
        self.convs = [EqualizedConv2D(size, 3) for size in channels[1:]]  # none on the constant
        self.noises = [NoiseInjection(seed=None if seed is None else seed + index)
                       for index in range(self.n_styles)]
        self.affines = [EqualizedDense(2 * size, gain=1.0) for size in channels]  # the A's
        self.adains = [AdaIN() for _ in range(self.n_styles)]
        self.upsample = keras.layers.UpSampling2D(interpolation="bilinear")
        self.to_image = EqualizedConv2D(1, 1, gain=1.0)

    def build(self, input_shape=None):
        self.constant = self.add_weight(  # the synthesis network's input, learned
            name="constant", shape=(1, self.start_size, self.start_size, self.filters[0]),
            initializer=keras.initializers.RandomNormal(stddev=1.0))
        self.call(ops.zeros((1, self.codings_size)))  # builds every layer with its shape

    def map(self, codings):
        """w = f(z) for codings of shape (..., codings_size): the mapping network."""
        w = ops.reshape(codings, (-1, self.codings_size))
        for layer in self.mapping:
            w = layer(w)
        return ops.reshape(w, (*ops.shape(codings)[:-1], self.w_size))

    def synthesize(self, ws, noise=None):
        """Images (n, 28, 28, 1) in [0, 1] from ws (n, n_styles, w_size), one w per style
        input; ``noise``: None (new noise) or one array (n, size, size, 1) per style input."""
        features = ops.repeat(self.constant, ops.shape(ws)[0], axis=0)
        for index in range(self.n_styles):
            if index > 0:
                if index % 2 == 0:  # a new resolution: twice the size
                    features = self.upsample(features)
                features = self.convs[index - 1](features)
            features = self.noises[index](features, noise=None if noise is None else noise[index])
            features = ops.leaky_relu(features, negative_slope=0.2)
            style = self.affines[index](ws[:, index])  # A_i(w_i): scales and biases
            features = self.adains[index]([features, style])
        return ops.tanh(self.to_image(features)) * 0.5 + 0.5  # [-1, 1] -> [0, 1]

    def call(self, codings, noise=None, training=False):
        ws = self.map(codings)
        if len(ws.shape) == 2:  # one coding per image: the same w for every style input
            ws = ops.repeat(ws[:, None], self.n_styles, axis=1)
        return self.synthesize(ws, noise)

    def mix(self, codings_a, codings_b, crossover):
        """Per-style codings (n, n_styles, codings_size): style inputs below ``crossover``
        (an int or one per image) from ``codings_a``, the rest from ``codings_b``."""
        crossover = ops.reshape(ops.convert_to_tensor(crossover, "int32"), (-1, 1))
        from_a = ops.arange(self.n_styles)[None, :] < crossover  # (n or 1, n_styles)
        return ops.where(from_a[..., None], ops.convert_to_tensor(codings_a)[:, None],
                         ops.convert_to_tensor(codings_b)[:, None])

    def noise_shapes(self, n):
        """The shape of each style input's noise for ``n`` images."""
        return [(n, self.start_size * 2 ** (index // 2), self.start_size * 2 ** (index // 2), 1)
                for index in range(self.n_styles)]

    def get_config(self):
        return {**super(StyleGenerator, self).get_config(), "codings_size": self.codings_size,
                "w_size": self.w_size, "mapping_depth": self.mapping_depth,
                "filters": list(self.filters), "start_size": self.start_size,
                "seed": self.seed}


@keras.saving.register_keras_serializable(package="helpers")
class StyleGAN(GAN):
    """The GAN of notebook 08 with a StyleGenerator and style-mixing regularization: in
    both phases, a share ``mixing_probability`` of the fakes is made from two codings,
    switched at a random crossover (1 to n_styles - 1)."""

    def __init__(self, generator, discriminator, codings_size, mixing_probability=0.9,
                 seed=None, **kwargs):
        super().__init__(generator, discriminator, codings_size, seed=seed, **kwargs)
        self.mixing_probability = mixing_probability

    def sample_codings(self, batch_size):
        n_styles = self.generator.n_styles
        first = keras.random.normal((batch_size, self.codings_size), seed=self.seed_generator)
        second = keras.random.normal((batch_size, self.codings_size), seed=self.seed_generator)
        crossover = keras.random.randint((batch_size,), 1, n_styles, seed=self.seed_generator)
        mixed = keras.random.uniform((batch_size,), seed=self.seed_generator)
        mixed = mixed < self.mixing_probability
        # Unmixed images take every style from the first coding (crossover = n_styles).
        return self.generator.mix(first, second, ops.where(mixed, crossover, n_styles))

    def get_config(self):
        return {**super(StyleGAN, self).get_config(),
                "mixing_probability": self.mixing_probability}
