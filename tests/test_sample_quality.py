import json
import os
import shutil
import warnings

import keras
import matplotlib.pyplot as plt
import numpy as np
import pytest

from helpers.support.data import CLASS_NAMES, load_fashion_mnist
from helpers.support.presets import preset_settings
from helpers.evaluation import (REAL, NOISE, BLUR, ONE_CLASS, add_noise, blur,
                                    class_entropy, class_histogram, classifier_path, features,
                                    frechet_distance, load_or_train_classifier,
                                    plot_class_histogram, reference_distances,
                                    sample_quality_report)

N_SAMPLES = 600  # more than the 128 features, few enough to keep the tests fast


@pytest.fixture(scope="module")
def data():
    return load_fashion_mnist(train_size=2_000)


@pytest.fixture(scope="module")
def trained(data, tmp_path_factory):
    """The smoke preset's classifier, trained once into a temporary models folder."""
    models = tmp_path_factory.mktemp("models")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("NOTEBOOK_MODELS_DIR", str(models))
        patch.setenv("NOTEBOOK_RETRAIN", "1")
        keras.utils.set_random_seed(0)
        classifier = load_or_train_classifier("smoke", data, verbose=0, retrain=True)
    return classifier, models


@pytest.fixture(scope="module")
def classifier(trained):
    return trained[0]


def _reference_features_numpy(features_a, features_b):
    """The same distance by another route: Tr (S_a S_b)^(1/2) as the sum of square roots
    of the eigenvalues of S_a^(1/2) S_b S_a^(1/2), a symmetric PSD matrix."""
    cov_a, cov_b = np.cov(features_a, rowvar=False), np.cov(features_b, rowvar=False)
    values, vectors = np.linalg.eigh(cov_a)
    sqrt_a = vectors @ np.diag(np.sqrt(np.clip(values, 0, None))) @ vectors.T
    middle = np.linalg.eigvalsh(sqrt_a @ cov_b @ sqrt_a)
    mean_term = np.sum((features_a.mean(0) - features_b.mean(0)) ** 2)
    trace_term = np.sqrt(np.clip(middle, 0, None)).sum()
    return mean_term + np.trace(cov_a) + np.trace(cov_b) - 2 * trace_term


def test_identical_sets_give_zero(classifier, data):
    random_features = np.random.default_rng(0).normal(size=(300, 20))
    assert frechet_distance(random_features, random_features) == pytest.approx(0.0, abs=1e-6)
    real_features = features(classifier, data.X_test[:N_SAMPLES])
    assert real_features.shape == (N_SAMPLES, 128)
    assert frechet_distance(real_features, real_features) == pytest.approx(0.0, abs=1e-4)


def test_distance_matches_the_closed_form_for_diagonal_gaussians():
    rng = np.random.default_rng(0)
    mean_a, mean_b = np.array([0.0, 1.0, -2.0]), np.array([1.0, 1.0, 0.0])
    std_a, std_b = np.array([1.0, 2.0, 0.5]), np.array([3.0, 1.0, 0.5])
    samples_a = rng.normal(mean_a, std_a, size=(200_000, 3))
    samples_b = rng.normal(mean_b, std_b, size=(200_000, 3))
    # For diagonal covariances the trace term is sum (std_a - std_b)^2.
    closed_form = np.sum((mean_a - mean_b) ** 2) + np.sum((std_a - std_b) ** 2)
    assert frechet_distance(samples_a, samples_b) == pytest.approx(closed_form, rel=0.02)


def test_distance_matches_a_numpy_reference_for_correlated_features():
    rng = np.random.default_rng(1)
    features_a = rng.normal(size=(500, 8)) @ rng.normal(size=(8, 8))
    features_b = rng.normal(size=(400, 8)) @ rng.normal(size=(8, 8)) + 0.5
    assert frechet_distance(features_a, features_b) == pytest.approx(
        _reference_features_numpy(features_a, features_b), rel=1e-6)


def test_singular_covariances_still_give_a_finite_distance():
    # Dead ReLU units: feature columns that are always zero.
    rng = np.random.default_rng(2)
    features_a, features_b = rng.random((200, 10)), rng.random((200, 10)) + 0.1
    features_a[:, :3] = features_b[:, :3] = 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no LinAlgWarning reaches a notebook
        distance = frechet_distance(features_a, features_b)
    assert distance == pytest.approx(_reference_features_numpy(features_a, features_b), abs=1e-3)


def test_noise_and_blur_distances_grow_with_their_strength(classifier, data):
    real_features = features(classifier, data.X_train[:N_SAMPLES])
    others = data.X_test[:N_SAMPLES]

    def distance(images):
        return frechet_distance(features(classifier, images), real_features)

    noise = [distance(add_noise(others, sigma)) for sigma in (0.05, 0.1, 0.2)]
    blurred = [distance(blur(others, factor)) for factor in (2, 4)]
    floor = distance(others)
    assert floor < noise[0] < noise[1] < noise[2], (floor, noise)
    assert floor < blurred[0] < blurred[1], (floor, blurred)


def test_one_class_gives_low_entropy_and_a_large_distance(classifier, data):
    references = reference_distances(classifier, data.X_train[:N_SAMPLES], data.X_test,
                                     data.y_test)
    assert list(references) == [REAL, NOISE, BLUR, ONE_CLASS]
    assert references[ONE_CLASS] > 3 * max(references[REAL], references[NOISE])
    given = features(classifier, data.X_train[:N_SAMPLES])  # as the report passes them
    assert reference_distances(classifier, data.X_train[:N_SAMPLES], data.X_test, data.y_test,
                               real_features=given) == references
    one_class = class_histogram(classifier, data.X_test[data.y_test == 1][:N_SAMPLES])
    every_class = class_histogram(classifier, data.X_test[:N_SAMPLES])
    assert one_class.sum() == every_class.sum() == N_SAMPLES
    assert class_entropy(one_class) < 0.5 < 2.0 < class_entropy(every_class)


def test_class_entropy_is_log_10_when_uniform_and_0_for_one_class():
    assert class_entropy(np.full(10, 7)) == pytest.approx(np.log(10))
    assert class_entropy(np.eye(10)[3] * 50) == 0.0
    with pytest.raises(ValueError, match="positive total"):
        class_entropy(np.zeros(10))


@pytest.mark.parametrize("images, message", [
    (np.zeros((5, 784)), r"shape \(n, 28, 28\) or \(n, 28, 28, 1\)"),
    (np.zeros((5, 28, 28, 3)), r"shape \(n, 28, 28\) or \(n, 28, 28, 1\)"),
    (np.full((5, 28, 28), -0.5), r"values in \[0, 1\].*\(x \+ 1\) / 2"),
    (np.full((5, 28, 28), 255.0), r"values in \[0, 1\]"),
    (np.full((5, 28, 28), np.nan), "NaN"),
])
def test_bad_images_are_clear_errors(classifier, images, message):
    with pytest.raises(ValueError, match=message):
        features(classifier, images)


def test_tiny_float_overshoot_is_accepted(classifier):
    almost = np.full((3, 28, 28, 1), 1.0 + 1e-6, dtype="float32")
    assert features(classifier, almost).shape == (3, 128)


def test_fewer_samples_than_features_is_a_clear_error():
    few = np.random.default_rng(0).random((100, 128))
    with pytest.raises(ValueError, match="100 samples but 128 features.*more samples than"):
        frechet_distance(few, np.random.default_rng(1).random((500, 128)))


def test_classifier_reloads_in_safe_mode_from_its_cache(trained, data, monkeypatch, capsys):
    classifier, models = trained
    monkeypatch.setenv("NOTEBOOK_MODELS_DIR", str(models))
    monkeypatch.delenv("NOTEBOOK_RETRAIN", raising=False)
    path = classifier_path("smoke")
    assert path == models / "smoke" / "sample_quality_classifier.keras" and path.is_file()
    reloaded = load_or_train_classifier("smoke", data)
    assert "loaded from" in capsys.readouterr().out
    explicit = keras.models.load_model(path, safe_mode=True)
    images = data.X_test[:20]
    np.testing.assert_allclose(features(reloaded, images), features(classifier, images),
                               rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(features(explicit, images), features(classifier, images),
                               rtol=1e-5, atol=1e-5)


def test_a_kernel_loads_the_classifier_once_until_its_file_changes(trained, data, monkeypatch):
    classifier, models = trained
    monkeypatch.setenv("NOTEBOOK_MODELS_DIR", str(models))
    monkeypatch.delenv("NOTEBOOK_RETRAIN", raising=False)
    first = load_or_train_classifier("smoke", data, verbose=0)
    assert load_or_train_classifier("smoke", data, verbose=0) is first
    path = classifier_path("smoke")
    classifier.save(path)  # as retraining it writes the file again
    later = path.stat().st_mtime_ns + 10**9
    os.utime(path, ns=(later, later))
    assert load_or_train_classifier("smoke", data, verbose=0) is not first


def test_the_test_accuracy_is_noted_beside_the_file_and_measured_again_when_it_changes(
        trained, data, monkeypatch, capsys):
    """A kernel that loads the classifier reads its test accuracy from the note the last
    measurement left, unless the file changed since."""
    from helpers.evaluation import classifier as classifier_module
    from helpers.support.paths import file_stamp

    classifier, models = trained
    monkeypatch.setenv("NOTEBOOK_MODELS_DIR", str(models))
    monkeypatch.delenv("NOTEBOOK_RETRAIN", raising=False)
    path = classifier_path("smoke")
    note = classifier_module.accuracy_note_path(path)
    load_or_train_classifier("smoke", data)
    def accuracy_shown():
        return capsys.readouterr().out.split("test accuracy ")[-1].strip()

    shown = accuracy_shown()
    assert json.loads(note.read_text())["file"] == list(file_stamp(path))
    evaluated = []
    original = keras.Model.evaluate
    monkeypatch.setattr(keras.Model, "evaluate",
                        lambda self, *a, **k: evaluated.append(1) or original(self, *a, **k))
    monkeypatch.setattr(classifier_module, "_LOADED", {})  # as in a new kernel
    load_or_train_classifier("smoke", data)
    assert not evaluated and accuracy_shown() == shown
    later = path.stat().st_mtime_ns + 10**9
    os.utime(path, ns=(later, later))  # the file changed: the note no longer describes it
    monkeypatch.setattr(classifier_module, "_LOADED", {})
    load_or_train_classifier("smoke", data)
    assert len(evaluated) == 1 and json.loads(note.read_text())["file"][0] == later
    note.write_text("{broken")
    monkeypatch.setattr(classifier_module, "_LOADED", {})
    load_or_train_classifier("smoke", data)
    assert len(evaluated) == 2 and accuracy_shown() == shown


def test_report_places_real_images_near_the_floor(classifier, data, capsys):
    report = sample_quality_report(data.X_valid, classifier, data, n_samples=N_SAMPLES,
                                   label="validation images")
    table = capsys.readouterr().out
    assert "validation images" in table and "real test images (the floor)" in table
    assert report.n_samples == N_SAMPLES and report.histogram.sum() == N_SAMPLES
    assert report.distance < report.references[NOISE] < report.references[ONE_CLASS]
    assert report.entropy == pytest.approx(class_entropy(report.histogram))


def test_histogram_plot_has_a_title_axis_labels_and_class_names():
    fig = plot_class_histogram(np.arange(10), "DCGAN samples")
    ax = fig.axes[0]
    assert ax.get_title().startswith("DCGAN samples") and "entropy" in ax.get_title()
    assert ax.get_xlabel() and ax.get_ylabel()
    assert [label.get_text() for label in ax.get_xticklabels()] == list(CLASS_NAMES)
    plt.close(fig)


def test_classifier_ignores_a_smaller_training_subset(monkeypatch, tmp_path):
    """A notebook that passes its own subset must not get a weaker classifier."""
    monkeypatch.setenv("NOTEBOOK_MODELS_DIR", str(tmp_path))
    monkeypatch.setenv("NOTEBOOK_RETRAIN", "1")
    seen = {}

    def fake_fit(self, x, y, **kwargs):
        seen["n_train"] = len(x)

    monkeypatch.setattr(keras.Model, "fit", fake_fit)
    subset = load_fashion_mnist(train_size=100)
    load_or_train_classifier("smoke", subset, verbose=0, retrain=True)
    assert seen["n_train"] == preset_settings("sample_quality", "smoke").train_size


def test_classifier_is_the_same_whatever_random_state_came_before(trained, data, monkeypatch,
                                                                  tmp_path):
    """Every notebook must measure with the same classifier, wherever its RNGs stand."""
    monkeypatch.setenv("NOTEBOOK_MODELS_DIR", str(tmp_path))
    monkeypatch.setenv("NOTEBOOK_RETRAIN", "1")
    keras.utils.set_random_seed(12345)
    np.random.default_rng(7).random(10)
    keras.random.normal((3,))  # advance the global generators as a notebook would
    retrained = load_or_train_classifier("smoke", data, verbose=0, retrain=True)
    images = data.X_test[:20]
    np.testing.assert_allclose(features(retrained, images), features(trained[0], images),
                               rtol=1e-4, atol=1e-4)
    # ... and what a notebook draws afterwards does not depend on the cache.
    after_training = np.random.random(3)
    load_or_train_classifier("smoke", data, verbose=0)
    np.testing.assert_array_equal(np.random.random(3), after_training)


def test_reference_distances_are_computed_once_per_classifier_and_data(classifier, data,
                                                                       monkeypatch, capsys):
    from helpers.evaluation import references

    calls = []
    original = references.reference_distances
    monkeypatch.setattr(references, "_REFERENCE_CACHE", {})  # earlier tests filled it
    monkeypatch.setattr(references, "reference_distances", lambda *args, **kwargs: calls.append(
        kwargs.get("real_features") is not None) or original(*args, **kwargs))
    first = sample_quality_report(data.X_valid, classifier, data, n_samples=N_SAMPLES)
    second = sample_quality_report(data.X_valid[::-1], classifier, data, n_samples=N_SAMPLES)
    # Once, given the real images' features the report compares with (not computed twice).
    assert calls == [True] and first.references == second.references
    capsys.readouterr()


def test_a_notebook_training_subset_does_not_change_the_real_images_compared_with(
        classifier, data, capsys):
    """Notebook 12 trains on 11,000 images, notebook 13 on 16,000: their distances must
    still be measured against the metric's own real images, or they do not compare."""
    from helpers.evaluation import metric_data

    subset = load_fashion_mnist(train_size=500)
    assert metric_data(subset) is metric_data(None) and metric_data(data) is data
    with_subset = sample_quality_report(data.X_valid, classifier, subset, n_samples=N_SAMPLES)
    with_metric_data = sample_quality_report(data.X_valid, classifier, data,
                                             n_samples=N_SAMPLES)
    assert with_subset.distance == pytest.approx(with_metric_data.distance)
    assert with_subset.references == pytest.approx(with_metric_data.references)
    capsys.readouterr()


def test_frechet_distance_refuses_a_square_root_with_a_large_imaginary_part(monkeypatch):
    import scipy.linalg

    features_a = np.random.default_rng(0).normal(size=(50, 3))
    features_b = np.random.default_rng(1).normal(size=(50, 3))
    real_root = scipy.linalg.sqrtm(np.cov(features_a, rowvar=False) @ np.cov(features_b, rowvar=False))
    monkeypatch.setattr(scipy.linalg, "sqrtm", lambda matrix: real_root + 1e-9j)  # round-off
    frechet_distance(features_a, features_b)
    monkeypatch.setattr(scipy.linalg, "sqrtm", lambda matrix: real_root + 0.5j)
    with pytest.raises(ValueError, match="imaginary part of 0.5"):
        frechet_distance(features_a, features_b)


def test_the_retrain_variable_alone_does_not_retrain_the_shared_classifier(trained, data,
                                                                           monkeypatch, tmp_path,
                                                                           capsys):
    """NOTEBOOK_RETRAIN=1 retrains a notebook's own models; the classifier every GAN
    notebook shares is retrained only where it is introduced (retrain=True)."""
    shutil.copytree(trained[1], tmp_path, dirs_exist_ok=True)  # a classifier saved earlier
    monkeypatch.setenv("NOTEBOOK_MODELS_DIR", str(tmp_path))
    monkeypatch.setenv("NOTEBOOK_RETRAIN", "1")
    load_or_train_classifier("smoke", data, verbose=0)
    assert "loaded from" in capsys.readouterr().out
