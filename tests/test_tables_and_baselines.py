import subprocess
import sys

import keras
import numpy as np
import pytest

from helpers.evaluation.reconstruction import pca_mse
from helpers.support.tables import markdown_table, print_layer_table


def test_markdown_table():
    text = markdown_table(["model", "MSE"], [("stacked", "0.0128"), ("conv", 0.0121)])
    assert text.splitlines() == ["| model | MSE |", "|---|---|", "| stacked | 0.0128 |",
                                 "| conv | 0.0121 |"]
    with pytest.raises(ValueError, match="expected 2"):
        markdown_table(["a", "b"], [("only one",)])


def test_print_layer_table(capsys):
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, name="hidden")],
                             name="tiny")
    print_layer_table(model)
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].split() == ["tiny/hidden", "(None,", "3)", "15"]
    assert lines[-1].split() == ["total", "15"]


def test_pca_mse_is_zero_on_data_of_that_rank_and_grows_with_fewer_components():
    rng = np.random.default_rng(0)
    basis = rng.normal(size=(3, 20))
    train, valid = rng.normal(size=(200, 3)) @ basis, rng.normal(size=(50, 3)) @ basis
    assert pca_mse(train, valid, 3) < 1e-20
    assert pca_mse(train, valid, 1) > pca_mse(train, valid, 2) > 1e-6
    with pytest.raises(ValueError, match="n_components"):
        pca_mse(train, valid, 0)


def test_another_keras_backend_gets_a_clear_error():
    result = subprocess.run([sys.executable, "-c", "import helpers"], capture_output=True,
                            text=True, env={"KERAS_BACKEND": "jax", "PATH": ""})
    assert result.returncode != 0
    assert "KERAS_BACKEND='jax'" in result.stderr and "tensorflow" in result.stderr


def test_describe_optimizer_reads_the_rate_and_its_schedule():
    import keras

    from helpers.support.tables import describe_optimizer

    schedule = keras.optimizers.schedules.CosineDecay(2e-3, decay_steps=4300)
    assert describe_optimizer(keras.optimizers.RMSprop(schedule)) == \
        "RMSprop (rho 0.9), learning rate 0.002 decayed to 0 (CosineDecay, 4,300 steps)"
    assert describe_optimizer(keras.optimizers.Adam(1e-3, beta_1=0.0, beta_2=0.99)) == \
        "Adam (beta_1 0, beta_2 0.99), learning rate 0.001, constant"
