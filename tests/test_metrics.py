import keras
import numpy as np
import pytest

from helpers.evaluation.reconstruction import reconstruction_mse


def test_identity_model_has_zero_error_and_blank_model_the_mean_square():
    images = np.random.default_rng(0).random((10, 28, 28)).astype("float32")
    inputs = keras.Input((28, 28))
    identity = keras.Model(inputs, keras.layers.Identity()(inputs))
    blank = keras.Model(inputs, keras.layers.Rescaling(0.0)(inputs))
    assert reconstruction_mse(identity, images) == pytest.approx(0.0)
    assert reconstruction_mse(blank, images) == pytest.approx(float(np.mean(images ** 2)), rel=1e-5)


def test_wrong_output_shape_is_a_clear_error():
    inputs = keras.Input((28, 28))
    model = keras.Model(inputs, keras.layers.Flatten()(inputs)[:, :10])
    with pytest.raises(ValueError, match="must return its input's shape"):
        reconstruction_mse(model, np.zeros((2, 28, 28), "float32"))
