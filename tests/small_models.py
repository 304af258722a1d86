"""Tiny untrained models with the notebooks' structure (conditional GAN, StyleGAN,
diffusion), for their unit and widget tests and the real-browser widget tests."""
import keras
import numpy as np

from helpers.cgan import ConditionalGAN
from helpers.diffusion import Diffusion, build_unet, cosine_betas
from helpers.stylegan import StyleGAN, StyleGenerator

CGAN_CODINGS_SIZE = 6
STYLEGAN_CODINGS_SIZE = 8
N_CLASSES = 10


def small_cgan(seed=0):
    """Dense G([z, one-hot]) and D([x, one-hot]), untrained, the notebook's structure."""
    keras.utils.set_random_seed(seed)
    codings, classes = keras.Input((CGAN_CODINGS_SIZE,)), keras.Input((N_CLASSES,))
    hidden = keras.layers.Dense(16, activation="leaky_relu")(
        keras.layers.Concatenate()([codings, classes]))
    pixels = keras.layers.Dense(28 * 28, activation="sigmoid")(hidden)
    generator = keras.Model([codings, classes], keras.layers.Reshape((28, 28))(pixels),
                            name="generator")
    images, classes_d = keras.Input((28, 28)), keras.Input((N_CLASSES,))
    hidden = keras.layers.Concatenate()([keras.layers.Flatten()(images), classes_d])
    hidden = keras.layers.Dense(16, activation="leaky_relu")(hidden)
    logit = keras.layers.Dense(1)(hidden)  # logits, as in the notebook
    discriminator = keras.Model([images, classes_d], logit, name="discriminator")
    cgan = ConditionalGAN(generator, discriminator, CGAN_CODINGS_SIZE, n_classes=N_CLASSES,
                          seed=seed, name="cgan")
    cgan.compile(d_optimizer=keras.optimizers.RMSprop(1e-2),
                 g_optimizer=keras.optimizers.RMSprop(1e-2))
    return cgan


def small_stylegan(seed=0, mixing_probability=0.9, ema_decay=0.0):
    """A StyleGenerator (w of 8, 2 mapping layers, 8-4-4 channels) and a one-convolution
    discriminator, untrained, with some noise strength as after training."""
    keras.utils.set_random_seed(seed)
    generator = StyleGenerator(STYLEGAN_CODINGS_SIZE, w_size=8, mapping_depth=2,
                               filters=(8, 4, 4), seed=seed)
    generator.build((None, STYLEGAN_CODINGS_SIZE))
    for layer in generator.noises:  # the layers start at zero
        layer.set_weights([np.full(layer.scale.shape, 0.5, "float32")])
    discriminator = keras.Sequential([
        keras.Input((28, 28, 1)), keras.layers.Conv2D(4, 4, strides=4),
        keras.layers.Flatten(), keras.layers.Dense(1, activation="sigmoid")])
    stylegan = StyleGAN(generator, discriminator, STYLEGAN_CODINGS_SIZE,
                        mixing_probability=mixing_probability, ema_decay=ema_decay, seed=seed,
                        name="stylegan")
    stylegan.compile(d_optimizer=keras.optimizers.RMSprop(1e-2),
                     g_optimizer=keras.optimizers.RMSprop(1e-2))
    return stylegan


def randomize_head(network, rng, scale=0.1):
    """Random weights for the output layer, which starts at zero (predicting no noise), so
    that what the network is given changes what it predicts."""
    head = network.get_layer("predicted_noise")
    head.set_weights([rng.normal(size=w.shape).astype("float32") * scale
                      for w in head.get_weights()])


def small_diffusion(n_classes=None, class_dropout=0.0, n_steps=50):
    """A U-Net of 8-16-16 channels in a Diffusion model (cosine schedule), untrained."""
    keras.utils.set_random_seed(0)
    network = build_unet(widths=(8, 16, 16), embedding_dim=16, n_classes=n_classes)
    model = Diffusion(network, cosine_betas(n_steps), ema_decay=0.9, n_classes=n_classes,
                      class_dropout=class_dropout, seed=0)
    model.compile(optimizer=keras.optimizers.Adam(1e-3))
    return model
