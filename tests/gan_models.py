"""Tiny dense generator and discriminator with notebook 09's structure, for the GAN tests."""
import keras

CODINGS_SIZE = 8


def tiny_networks(codings_size: int = CODINGS_SIZE) -> tuple[keras.Sequential, keras.Sequential]:
    """Untrained generator codings-16-784 (28x28, sigmoid) and discriminator 784-16-1."""
    generator = keras.Sequential([
        keras.Input(shape=(codings_size,)),
        keras.layers.Dense(16, activation="selu"),
        keras.layers.Dense(28 * 28, activation="sigmoid"),
        keras.layers.Reshape((28, 28)),
    ], name="generator")
    discriminator = keras.Sequential([
        keras.Input(shape=(28, 28)),
        keras.layers.Flatten(),
        keras.layers.Dense(16, activation="selu"),
        keras.layers.Dense(1, activation="sigmoid"),
    ], name="discriminator")
    return generator, discriminator
