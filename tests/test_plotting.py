import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import helpers  # noqa: E402

IMAGES = np.random.default_rng(0).random((5, 28, 28)).astype("float32")


def test_image_grid_has_one_axis_per_slot_and_labels():
    fig = helpers.plot_image_grid(IMAGES, n_cols=3, title="grid", labels=list("abcde"))
    assert len(fig.axes) == 6 and fig.axes[4].get_title() == "e"
    assert fig._suptitle.get_text() == "grid"
    plt.close(fig)


def test_image_rows_label_each_row_and_accept_flat_images():
    fig = helpers.plot_reconstructions(IMAGES.reshape(5, 784), IMAGES[..., None])
    assert len(fig.axes) == 10
    assert [fig.axes[0].get_ylabel(), fig.axes[5].get_ylabel()] == ["original", "reconstruction"]
    plt.close(fig)


def test_wrong_image_shape_names_the_expected_shapes():
    with pytest.raises(ValueError, match=r"\(n, 28, 28\)"):
        helpers.plot_image_grid(np.zeros((2, 10)))


def test_codings_scatter_has_a_legend_entry_per_class():
    points = np.random.default_rng(0).normal(size=(30, 2))
    labels = np.arange(30) % 3
    fig = helpers.plot_codings_2d(points, labels, ["a", "b", "c"], title="t-SNE",
                                  images=np.zeros((30, 28, 28)), n_thumbnails=3)
    legend = fig.axes[0].get_legend()
    assert [text.get_text() for text in legend.get_texts()] == ["a", "b", "c"]
    with pytest.raises(ValueError, match=r"\(n, 2\)"):
        helpers.plot_codings_2d(np.zeros((3, 3)), labels[:3], ["a"], title="bad")
    plt.close("all")


def test_history_plot_draws_train_and_validation_curves():
    fig = helpers.plot_history({"ae": {"loss": [3, 2, 1], "val_loss": [3.5, 2.5, 2]}})
    assert len(fig.axes[0].lines) == 2
    plt.close(fig)
