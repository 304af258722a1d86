"""A small VAE with the notebook's structure, for the VAE and widget tests."""
import keras

from helpers.vae import Sampling
from helpers.vae import VAE


def small_vae(coding_size: int = 3, units: int = 16, seed: int = 7) -> VAE:
    """Encoder 784-units-(mean, log_var, codings), decoder codings-units-784: untrained."""
    keras.utils.set_random_seed(seed)
    inputs = keras.Input((28, 28))
    hidden = keras.layers.Dense(units, activation="relu")(keras.layers.Flatten()(inputs))
    codings_mean = keras.layers.Dense(coding_size)(hidden)
    codings_log_var = keras.layers.Dense(coding_size)(hidden)
    codings = Sampling(seed=seed)([codings_mean, codings_log_var])
    encoder = keras.Model(inputs, [codings_mean, codings_log_var, codings], name="encoder")
    decoder_inputs = keras.Input((coding_size,))
    hidden = keras.layers.Dense(units, activation="relu")(decoder_inputs)
    pixels = keras.layers.Dense(28 * 28, activation="sigmoid")(hidden)
    decoder = keras.Model(decoder_inputs, keras.layers.Reshape((28, 28))(pixels), name="decoder")
    return VAE(encoder, decoder, name="vae")
