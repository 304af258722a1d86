import keras
import numpy as np
import pytest

from helpers.autoencoders import KLDivergenceRegularizer


def kl_reference(activations, weight, target, epsilon=1e-7):
    """The sparsity loss written out in NumPy: weight * sum_j KL(p || q_j)."""
    # Clipped in float32, like the layer's activations, so that 1 - epsilon rounds the same way.
    low, high = np.float32(epsilon), np.float32(1) - np.float32(epsilon)
    q = np.clip(activations.mean(axis=0).astype("float32"), low, high).astype("float64")
    p = target
    return weight * np.sum(p * np.log(p / q) + (1 - p) * np.log((1 - p) / (1 - q)))


ACTIVATIONS = {
    "uniform": np.random.default_rng(0).random((16, 5)),
    "sparse": np.where(np.random.default_rng(1).random((32, 8)) < 0.1, 0.9, 0.01),
    "at target": np.full((4, 3), 0.1),
    "dead and saturated units": np.array([[0.0, 1.0, 0.3], [0.0, 1.0, 0.5]]),
}


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_matches_numpy_reference(name):
    activations = ACTIVATIONS[name].astype("float32")
    regularizer = KLDivergenceRegularizer(weight=0.05, target=0.1)
    value = float(keras.ops.convert_to_numpy(regularizer(activations)))
    assert np.isfinite(value)
    np.testing.assert_allclose(value, kl_reference(activations.astype("float64"), 0.05, 0.1),
                               rtol=1e-4, atol=1e-6)


def test_zero_exactly_at_target_and_positive_elsewhere():
    regularizer = KLDivergenceRegularizer(weight=1.0, target=0.2)
    at_target = float(keras.ops.convert_to_numpy(regularizer(np.full((8, 4), 0.2, "float32"))))
    away = float(keras.ops.convert_to_numpy(regularizer(np.full((8, 4), 0.5, "float32"))))
    assert abs(at_target) < 1e-6 and away > 0


@pytest.mark.parametrize("target", [0.0, 1.0, -0.1, 1.5])
def test_rejects_targets_outside_the_open_unit_interval(target):
    with pytest.raises(ValueError, match="target"):
        KLDivergenceRegularizer(weight=0.05, target=target)


def test_config_round_trip():
    regularizer = KLDivergenceRegularizer(weight=0.05, target=0.1)
    clone = KLDivergenceRegularizer.from_config(regularizer.get_config())
    assert clone.get_config() == {"weight": 0.05, "target": 0.1}
    restored = keras.regularizers.deserialize(keras.regularizers.serialize(regularizer))
    assert isinstance(restored, KLDivergenceRegularizer)
    assert restored.get_config() == regularizer.get_config()


def test_model_with_it_reloads_in_safe_mode(tmp_path):
    keras.utils.set_random_seed(0)
    inputs = keras.Input((12,))
    codings = keras.layers.Dense(
        6, activation="sigmoid",
        activity_regularizer=KLDivergenceRegularizer(weight=0.05, target=0.1))(inputs)
    model = keras.Model(inputs, keras.layers.Dense(12)(codings))
    model.compile(loss="mse", optimizer="adam")
    data = np.random.default_rng(0).random((64, 12)).astype("float32")
    model.fit(data, data, epochs=1, verbose=0)
    assert model.losses, "the activity regularizer should add a loss"
    path = tmp_path / "kl_model.keras"
    model.save(path)
    reloaded = keras.models.load_model(path, safe_mode=True)
    np.testing.assert_allclose(reloaded.predict(data, verbose=0), model.predict(data, verbose=0),
                               rtol=1e-6)
    regularizer = reloaded.layers[1].activity_regularizer
    assert isinstance(regularizer, KLDivergenceRegularizer)
    assert regularizer.get_config() == {"weight": 0.05, "target": 0.1}
