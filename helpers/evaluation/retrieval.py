"""Search by binary codes (semantic hashing) and by float vectors, and how good a search is.

Codes are packed eight bits to a byte (``np.packbits``), so a 16-bit code takes two
bytes. The Hamming distance between two codes is the number of bits that differ:
a population count of their XOR, computed here on 64-, 32-, 16- or 8-bit words.

Two exact Hamming searches give the same neighbours in the same order (nearest
first; among equally distant items, the smaller index first): ``hamming_search``
scans every code, ``HammingIndex`` uses each code as an address and looks only at
the codes within a growing Hamming radius of the query (for short codes).
``float_search`` is exact Euclidean search by brute force.

Usage::

    codes = pack_codes(train_codings > 0.5)
    neighbours, distances = hamming_search(pack_codes(query_codings > 0.5), codes, k=10)
    precision_at_k(train_labels[neighbours], query_labels).mean()
"""
from __future__ import annotations

import math
from itertools import combinations

import numpy as np

_WORDS = {8: np.uint64, 4: np.uint32, 2: np.uint16, 1: np.uint8}


def pack_codes(bits) -> np.ndarray:
    """Pack codes of 0/1 values (n, n_bits) into bytes (n, ceil(n_bits / 8)), uint8.

    Usage: ``pack_codes(codings > 0.5)``
    """
    bits = np.asarray(bits)
    if bits.ndim != 2:
        raise ValueError(f"expected codes of shape (n, n_bits), got shape {bits.shape}")
    if bits.dtype != bool:
        if not (np.issubdtype(bits.dtype, np.integer) or np.issubdtype(bits.dtype, np.floating)):
            raise TypeError(f"expected bits as bool or 0/1 numbers, got dtype {bits.dtype}")
        if not np.isin(bits, (0, 1)).all():
            raise ValueError("expected bits equal to 0 or 1; threshold the codings first, "
                             "for example pack_codes(codings > 0.5)")
        bits = bits.astype(bool)
    return np.packbits(bits, axis=1)


def unpack_codes(packed: np.ndarray, n_bits: int) -> np.ndarray:
    """The 0/1 bits (n, n_bits), uint8, of codes packed by ``pack_codes``.

    Usage: ``unpack_codes(pack_codes(bits), bits.shape[1])``
    """
    packed = _check_packed(packed, "packed")
    if not 0 < n_bits <= 8 * packed.shape[1]:
        raise ValueError(f"n_bits must be in 1..{8 * packed.shape[1]} for "
                         f"{packed.shape[1]}-byte codes, got {n_bits}")
    return np.unpackbits(packed, axis=1, count=n_bits)


def _check_packed(codes, name: str) -> np.ndarray:
    codes = np.asarray(codes)
    if codes.dtype != np.uint8:
        raise TypeError(f"{name}: expected packed codes of dtype uint8 (from pack_codes), "
                        f"got dtype {codes.dtype}")
    if codes.ndim != 2 or codes.shape[1] == 0:
        raise ValueError(f"{name}: expected packed codes of shape (n, n_bytes), "
                         f"got shape {codes.shape}")
    return codes


def _as_words(codes: np.ndarray) -> np.ndarray:
    """The same bits as (n, n_words) unsigned integers of the widest size that fits."""
    n_bytes = codes.shape[1]
    width = next(size for size in (8, 4, 2, 1) if n_bytes % size == 0)
    return np.ascontiguousarray(codes).view(_WORDS[width])


def _check_pair(query_codes, codes) -> tuple[np.ndarray, np.ndarray]:
    query_codes = _check_packed(query_codes, "query_codes")
    codes = _check_packed(codes, "codes")
    if query_codes.shape[1] != codes.shape[1]:
        raise ValueError(f"query codes have {query_codes.shape[1]} bytes and the searched "
                         f"codes {codes.shape[1]}: pack both with the same number of bits")
    return query_codes, codes


def hamming_distances(query_codes: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """Hamming distances (n_queries, n_items) between packed codes: popcount(q XOR c).

    Usage: ``hamming_distances(pack_codes(q_bits), pack_codes(bits))``
    """
    query_codes, codes = _check_pair(query_codes, codes)
    queries, items = _as_words(query_codes), _as_words(codes)
    dtype = np.uint8 if 8 * codes.shape[1] < 256 else np.uint16
    distances = np.zeros((len(queries), len(items)), dtype)
    for word in range(queries.shape[1]):  # one word for codes of up to 64 bits
        distances += np.bitwise_count(queries[:, word, None] ^ items[None, :, word])
    return distances


def _check_k(k: int, n_items: int) -> None:
    if not 0 < k <= n_items:
        raise ValueError(f"k must be between 1 and the number of items ({n_items}), got {k}")


def hamming_search(query_codes: np.ndarray, codes: np.ndarray, k: int = 10,
                   block: int = 256) -> tuple[np.ndarray, np.ndarray]:
    """The k nearest codes by Hamming distance for each query, by a scan of all codes.

    Returns (indices, distances), each (n_queries, k), nearest first; ties go to the
    smaller index (a stable sort, which NumPy does by radix sort on 8-bit distances).

    Usage: ``neighbours, distances = hamming_search(query_codes, codes, k=10)``
    """
    query_codes, codes = _check_pair(query_codes, codes)
    _check_k(k, len(codes))
    indices = np.empty((len(query_codes), k), np.int64)
    distances = np.empty((len(query_codes), k), np.int64)
    for start in range(0, len(query_codes), block):
        block_distances = hamming_distances(query_codes[start:start + block], codes)
        nearest = np.argsort(block_distances, axis=1, kind="stable")[:, :k]
        indices[start:start + block] = nearest
        distances[start:start + block] = np.take_along_axis(block_distances, nearest, axis=1)
    return indices, distances


def _as_keys(codes: np.ndarray) -> np.ndarray:
    """One uint64 per packed code of up to 64 bits (its bytes read big-endian)."""
    keys = np.zeros(len(codes), np.uint64)
    for byte in range(codes.shape[1]):
        keys = (keys << np.uint64(8)) | codes[:, byte].astype(np.uint64)
    return keys


class HammingIndex:
    """Codes used as addresses: the items are grouped by code, and a search looks up
    the codes at Hamming distance 0 from the query, then 1, then 2, ... until it has
    k items, instead of scanning them all. The results are exactly ``hamming_search``'s.
    A radius r has C(n_bits, r) codes, so this suits short codes (16 bits or so) whose
    nearest neighbours are a few bits away; it refuses a radius of more than
    ``max_probes`` codes, where the scan is the better tool.

    Usage: ``HammingIndex(codes).search(query_codes, k=10)``
    """

    def __init__(self, codes: np.ndarray, max_probes: int = 1_000_000):
        codes = _check_packed(codes, "codes")
        if codes.shape[1] > 4:
            raise ValueError(f"HammingIndex takes codes of up to 32 bits (4 bytes), got "
                             f"{codes.shape[1]} bytes: use hamming_search for longer codes")
        self.n_bytes, self.n_items, self.max_probes = codes.shape[1], len(codes), max_probes
        self._mask_cache: dict[int, np.ndarray] = {}
        keys = _as_keys(codes)
        self.items = np.argsort(keys, kind="stable")  # grouped by code, by index within one
        self.keys, self.starts, self.counts = np.unique(keys[self.items], return_index=True,
                                                        return_counts=True)

    def _masks(self, radius: int) -> np.ndarray:
        """Every code of n_bits bits with exactly ``radius`` bits set, as keys."""
        if radius not in self._mask_cache:
            self._mask_cache[radius] = self._make_masks(radius)
        return self._mask_cache[radius]

    def _make_masks(self, radius: int) -> np.ndarray:
        n_bits = 8 * self.n_bytes
        if radius == 0:
            return np.zeros(1, np.uint64)
        if math.comb(n_bits, radius) > self.max_probes:
            raise ValueError(f"some queries have fewer than k items within {radius - 1} bits; "
                             f"radius {radius} means {math.comb(n_bits, radius):,} lookups per "
                             f"query: use hamming_search for these codes")
        flips = np.array(list(combinations(range(n_bits), radius)), np.uint64)
        return np.bitwise_or.reduce(np.uint64(1) << flips, axis=1)

    def search(self, query_codes: np.ndarray, k: int = 10) -> tuple[np.ndarray, np.ndarray]:
        """(indices, distances), each (n_queries, k), as ``hamming_search`` returns them."""
        query_codes = _check_packed(query_codes, "query_codes")
        if query_codes.shape[1] != self.n_bytes:
            raise ValueError(f"query codes have {query_codes.shape[1]} bytes and the index "
                             f"{self.n_bytes}: pack both with the same number of bits")
        _check_k(k, self.n_items)
        query_keys = _as_keys(query_codes)
        found = np.zeros(len(query_keys), np.int64)
        hits = []  # (query, bucket, radius) of every non-empty code probed
        active = np.arange(len(query_keys))
        for radius in range(8 * self.n_bytes + 1):
            masks = self._masks(radius)
            step = max(1, 2_000_000 // len(masks))  # queries per chunk: bounded memory
            for start in range(0, len(active), step):
                chunk = active[start:start + step]
                probes = query_keys[chunk, None] ^ masks[None, :]
                buckets = np.minimum(np.searchsorted(self.keys, probes), len(self.keys) - 1)
                present = self.keys[buckets] == probes
                queries, columns = np.nonzero(present)
                hits.append((chunk[queries], buckets[queries, columns],
                             np.full(len(queries), radius)))
                found[chunk] += np.where(present, self.counts[buckets], 0).sum(axis=1)
            active = active[found[active] < k]
            if len(active) == 0:
                break
        queries, buckets, radii = (np.concatenate(parts) for parts in zip(*hits))
        # The items of every bucket found, with their query and distance. A bucket keeps
        # its items by index, so only its first k can be among a query's k nearest.
        sizes = np.minimum(self.counts[buckets], k)
        offsets = np.arange(sizes.sum()) - np.repeat(np.cumsum(sizes) - sizes, sizes)
        items = self.items[np.repeat(self.starts[buckets], sizes) + offsets]
        queries, radii = np.repeat(queries, sizes), np.repeat(radii, sizes)
        order = np.lexsort((items, radii, queries))  # by query, then distance, then index
        queries, items, radii = queries[order], items[order], radii[order]
        rank = np.arange(len(queries)) - np.searchsorted(queries, queries)
        keep = rank < k
        return items[keep].reshape(-1, k), radii[keep].reshape(-1, k)


def float_search(queries: np.ndarray, items: np.ndarray, k: int = 10,
                 block: int = 256) -> tuple[np.ndarray, np.ndarray]:
    """Exact k nearest items by Euclidean distance, by brute force (one matrix product
    per block of queries). Returns (indices, squared distances), nearest first.

    Usage: ``neighbours, _ = float_search(query_codings, train_codings, k=10)``
    """
    queries = np.asarray(queries, np.float32).reshape(len(queries), -1)
    items = np.asarray(items, np.float32).reshape(len(items), -1)
    if queries.shape[1] != items.shape[1]:
        raise ValueError(f"queries have {queries.shape[1]} values each and items "
                         f"{items.shape[1]}: they must be vectors of the same size")
    _check_k(k, len(items))
    item_norms = np.einsum("ij,ij->i", items, items)
    indices = np.empty((len(queries), k), np.int64)
    distances = np.empty((len(queries), k), np.float32)
    for start in range(0, len(queries), block):
        chunk = queries[start:start + block]
        # |q - x|^2 = |q|^2 - 2 q.x + |x|^2; |q|^2 is the same for every item of a row.
        scores = item_norms[None, :] - 2.0 * chunk @ items.T
        candidates = np.argpartition(scores, k - 1, axis=1)[:, :k]
        order = np.argsort(np.take_along_axis(scores, candidates, axis=1), axis=1,
                           kind="stable")
        nearest = np.take_along_axis(candidates, order, axis=1)
        indices[start:start + block] = nearest
        distances[start:start + block] = np.maximum(
            np.take_along_axis(scores, nearest, axis=1)
            + np.einsum("ij,ij->i", chunk, chunk)[:, None], 0.0)
    return indices, distances


def precision_at_k(neighbour_labels: np.ndarray, query_labels: np.ndarray) -> np.ndarray:
    """For each query, the share of its neighbours that have its label.

    ``neighbour_labels`` is (n_queries, k), ``query_labels`` (n_queries,).

    Usage: ``precision_at_k(train_labels[neighbours], query_labels).mean()``
    """
    neighbour_labels = np.asarray(neighbour_labels)
    query_labels = np.asarray(query_labels)
    if neighbour_labels.ndim != 2 or query_labels.shape != neighbour_labels.shape[:1]:
        raise ValueError(f"expected neighbour labels (n_queries, k) and query labels "
                         f"(n_queries,), got {neighbour_labels.shape} and {query_labels.shape}")
    return (neighbour_labels == query_labels[:, None]).mean(axis=1)
