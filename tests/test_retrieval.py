"""Semantic-hashing search: packing, Hamming distances and searches against slow references."""
import re

import numpy as np
import pytest

from helpers.evaluation.retrieval import (HammingIndex, float_search, hamming_distances,
                                          hamming_search, pack_codes, precision_at_k,
                                          unpack_codes)


def random_bits(n, n_bits, seed=0):
    return np.random.default_rng(seed).random((n, n_bits)) < 0.5


def slow_hamming(query_bits, bits):
    return np.array([[int(np.sum(q != b)) for b in bits] for q in query_bits])


@pytest.mark.parametrize("n_bits", [1, 7, 8, 16, 24, 32, 40, 64, 100, 128])
def test_pack_round_trip(n_bits):
    bits = random_bits(50, n_bits)
    packed = pack_codes(bits)
    assert packed.dtype == np.uint8 and packed.shape == (50, -(-n_bits // 8))
    np.testing.assert_array_equal(unpack_codes(packed, n_bits), bits.astype(np.uint8))


def test_pack_accepts_zero_one_numbers():
    bits = random_bits(10, 16)
    np.testing.assert_array_equal(pack_codes(bits.astype(np.float32)), pack_codes(bits))
    np.testing.assert_array_equal(pack_codes(bits.astype(np.int64)), pack_codes(bits))


@pytest.mark.parametrize("n_bits", [3, 16, 24, 32, 48, 64, 72, 128, 300])
def test_hamming_distances_match_a_slow_reference(n_bits):
    bits, query_bits = random_bits(40, n_bits, seed=1), random_bits(7, n_bits, seed=2)
    distances = hamming_distances(pack_codes(query_bits), pack_codes(bits))
    np.testing.assert_array_equal(distances, slow_hamming(query_bits, bits))


def test_hamming_distance_of_complements_is_the_code_length():
    bits = random_bits(5, 16)
    distances = hamming_distances(pack_codes(bits), pack_codes(~bits))
    np.testing.assert_array_equal(np.diag(distances), 16)


@pytest.mark.parametrize("n_bits,k", [(16, 1), (16, 10), (32, 5), (64, 10), (12, 40)])
def test_hamming_search_matches_a_slow_reference_with_ties_by_index(n_bits, k):
    bits, query_bits = random_bits(300, n_bits, seed=3), random_bits(20, n_bits, seed=4)
    indices, distances = hamming_search(pack_codes(query_bits), pack_codes(bits), k=k, block=6)
    reference = slow_hamming(query_bits, bits)
    for row in range(len(query_bits)):
        expected = sorted(range(len(bits)), key=lambda i: (reference[row, i], i))[:k]
        np.testing.assert_array_equal(indices[row], expected)
        np.testing.assert_array_equal(distances[row], reference[row, expected])


def test_hamming_search_ties_go_to_the_smaller_index():
    bits = np.zeros((6, 16), bool)
    bits[[1, 3, 4], 0] = True  # items 1, 3, 4 are one bit away from the query; 0, 2, 5 equal
    indices, distances = hamming_search(pack_codes(np.zeros((1, 16), bool)), pack_codes(bits), k=5)
    np.testing.assert_array_equal(indices[0], [0, 2, 5, 1, 3])
    np.testing.assert_array_equal(distances[0], [0, 0, 0, 1, 1])


def test_float_search_matches_brute_force():
    rng = np.random.default_rng(5)
    items, queries = rng.normal(size=(500, 16)), rng.normal(size=(30, 16))
    indices, distances = float_search(queries, items, k=7, block=8)
    reference = ((queries[:, None] - items[None]) ** 2).sum(-1)
    np.testing.assert_array_equal(indices, np.argsort(reference, axis=1)[:, :7])
    np.testing.assert_allclose(distances, np.sort(reference, axis=1)[:, :7], rtol=1e-4, atol=1e-4)


def test_float_search_takes_images():
    rng = np.random.default_rng(6)
    items = rng.random((50, 28, 28))
    indices, distances = float_search(items[:3], items, k=1)
    np.testing.assert_array_equal(indices[:, 0], [0, 1, 2])
    np.testing.assert_allclose(distances, 0.0, atol=1e-3)


def test_precision_at_k():
    neighbour_labels = np.array([[1, 1, 2, 1], [0, 0, 0, 0]])
    np.testing.assert_allclose(precision_at_k(neighbour_labels, np.array([1, 3])), [0.75, 0.0])


@pytest.mark.parametrize("bits,error,words", [
    (np.zeros(16, bool), ValueError, "(n, n_bits)"),
    (np.full((2, 16), 0.7), ValueError, "codings > 0.5"),
    (np.array([["a", "b"]]), TypeError, "dtype"),
])
def test_pack_codes_rejects_bad_input(bits, error, words):
    with pytest.raises(error, match=re.escape(words)):
        pack_codes(bits)


def test_searches_reject_bad_input():
    codes = pack_codes(random_bits(10, 16))
    with pytest.raises(TypeError, match="uint8"):
        hamming_search(codes.astype(np.int64), codes)
    with pytest.raises(TypeError, match="pack_codes"):
        hamming_distances(random_bits(2, 16), codes)
    with pytest.raises(ValueError, match="same number of bits"):
        hamming_search(pack_codes(random_bits(2, 32)), codes)
    with pytest.raises(ValueError, match="n_bytes"):
        hamming_search(codes[0], codes)
    with pytest.raises(ValueError, match="k must be between 1 and the number of items"):
        hamming_search(codes, codes, k=11)
    with pytest.raises(ValueError, match="same size"):
        float_search(np.zeros((2, 3)), np.zeros((5, 4)))
    with pytest.raises(ValueError, match="n_queries, k"):
        precision_at_k(np.zeros(4), np.zeros(4))
    with pytest.raises(ValueError, match="n_bits must be"):
        unpack_codes(codes, 17)


def clustered_bits(n, n_bits, seed, centres=5, flip=0.08):
    """Codes near a few centres, so that many items are few bits apart (and some tie)."""
    centre_bits = np.random.default_rng(0).random((centres, n_bits)) < 0.5  # shared
    rng = np.random.default_rng(seed)
    bits = centre_bits[rng.integers(0, centres, n)]
    return bits ^ (rng.random((n, n_bits)) < flip)


@pytest.mark.parametrize("n_bits,k,clustered", [(8, 1, False), (12, 10, False), (12, 50, False),
                                                (16, 10, True), (24, 5, True), (32, 10, True)])
def test_hamming_index_gives_the_scans_results(n_bits, k, clustered):
    make = (lambda n, seed: clustered_bits(n, n_bits, seed, flip=0.03)) if clustered else (
        lambda n, seed: random_bits(n, n_bits, seed))
    codes, query_codes = pack_codes(make(400, 7)), pack_codes(make(25, 8))
    index_indices, index_distances = HammingIndex(codes).search(query_codes, k=k)
    scan_indices, scan_distances = hamming_search(query_codes, codes, k=k)
    np.testing.assert_array_equal(index_indices, scan_indices)
    np.testing.assert_array_equal(index_distances, scan_distances)


def test_hamming_index_finds_duplicates_first_by_index():
    bits = np.zeros((5, 16), bool)
    bits[[0, 3], 5] = True  # items 0 and 3 one bit away; 1, 2, 4 equal to the query
    indices, distances = HammingIndex(pack_codes(bits)).search(
        pack_codes(np.zeros((1, 16), bool)), k=4)
    np.testing.assert_array_equal(indices[0], [1, 2, 4, 0])
    np.testing.assert_array_equal(distances[0], [0, 0, 0, 1])


def test_hamming_index_rejects_bad_input():
    with pytest.raises(ValueError, match="up to 32 bits"):
        HammingIndex(pack_codes(random_bits(4, 40)))
    far = HammingIndex(pack_codes(random_bits(10, 32)), max_probes=1_000)
    with pytest.raises(ValueError, match="use hamming_search"):
        far.search(pack_codes(random_bits(3, 32, seed=9)), k=5)
    index = HammingIndex(pack_codes(random_bits(10, 16)))
    with pytest.raises(ValueError, match="same number of bits"):
        index.search(pack_codes(random_bits(2, 24)))
    with pytest.raises(TypeError, match="uint8"):
        index.search(random_bits(2, 16))
    with pytest.raises(ValueError, match="k must be between"):
        index.search(pack_codes(random_bits(2, 16)), k=0)
