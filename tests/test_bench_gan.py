"""The book's two-phase ``train_on_batch`` loop that ``make bench`` times against
the GAN's ``train_step`` trains the right network in each phase in Keras 3, and
the check the benchmark runs on it catches the book's recipe as written."""
import importlib.util
import warnings

import keras
import numpy as np
import pytest
import tensorflow as tf

from gan_models import CODINGS_SIZE, tiny_networks
from notebook_files import ROOT


def load_bench():
    spec = importlib.util.spec_from_file_location("bench", ROOT / "tools" / "bench.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


bench = load_bench()


def book_gan():
    keras.utils.set_random_seed(0)
    generator, discriminator = tiny_networks()
    return bench.book_gan(generator, discriminator)


@pytest.fixture
def real_images():
    return tf.constant(np.random.default_rng(0).random((32, 28, 28)), dtype="float32")


def test_each_phase_of_the_keras_3_loop_trains_only_its_network(real_images):
    gan = book_gan()
    for _ in range(3):  # the phases keep working once both functions are traced
        bench.book_step(gan, real_images, CODINGS_SIZE)
    bench.check_book_phases(gan, real_images, CODINGS_SIZE)


def test_the_check_catches_the_book_recipe_as_written(real_images):
    def phase_one_as_in_the_book(gan, real_images, codings_size):
        generator, discriminator = gan.layers  # still frozen for the combined model
        batch_size = real_images.shape[0]
        fakes = generator(tf.random.normal((batch_size, codings_size)))
        images = tf.concat([fakes, real_images], axis=0)
        discriminator.train_on_batch(images, tf.constant([[0.0]] * batch_size
                                                         + [[1.0]] * batch_size))

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="The model does not have any trainable")
        with pytest.raises(AssertionError, match="phase 1 did not update the discriminator"):
            bench.check_book_phases(book_gan(), real_images, CODINGS_SIZE,
                                    phase_one=phase_one_as_in_the_book)
