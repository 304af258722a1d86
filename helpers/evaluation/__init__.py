"""How good a trained model is: reconstruction errors for the autoencoders, and for
the generative models a Fréchet distance on a small classifier's features, placed
beside real-image references, with the class histogram.

Usage::

    helpers.reconstruction_mse(autoencoder, data.X_valid)
    classifier = helpers.load_or_train_classifier(data=data)
    report = helpers.sample_quality_report(generated_images, classifier, data)
"""
from helpers.evaluation.reconstruction import pca_mse, reconstruction_mse
from helpers.evaluation.classifier import (build_classifier, classifier_path, features,
                                           load_or_train_classifier, metric_data,
                                           predicted_classes)
from helpers.evaluation.frechet import frechet_distance
from helpers.evaluation.references import (BLUR, NOISE, ONE_CLASS, REAL, add_noise, blur,
                                           reference_distances)
from helpers.evaluation.report import (SampleQuality, class_entropy, class_histogram,
                                       plot_class_histogram, sample_quality_report)
from helpers.evaluation.long_run import generate, long_run_report

__all__ = [
    "pca_mse", "reconstruction_mse",
    "build_classifier", "classifier_path", "features", "load_or_train_classifier",
    "metric_data", "predicted_classes",
    "frechet_distance",
    "BLUR", "NOISE", "ONE_CLASS", "REAL", "add_noise", "blur", "reference_distances",
    "SampleQuality", "class_entropy", "class_histogram", "plot_class_histogram",
    "sample_quality_report", "generate", "long_run_report",
]
