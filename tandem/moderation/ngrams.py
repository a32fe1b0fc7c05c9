"""Hashed character n-gram counts for a whole batch of texts at once, in numpy.

Written here because scikit-learn's HashingVectorizer builds every character n-gram as a Python string
(about 100 µs for an 80-character comment per n-gram block), which alone used up the engine's time budget
(5,000 comments/s for rules and classifier together). Here the batch is one array of code points; each
n-gram's hash is extended from the (n-1)-gram's hash in one vectorised pass per n, so the cost per text is a
few microseconds, and the counting is scipy's own COO → CSR conversion.

Hash of the n-gram c1…cn: h0 = SEED; h_k = (h_(k-1) XOR c_k) * MULTIPLIER (mod 2^64); then h XOR (h >> 31),
and the top log2(n_features) bits are the column. ``reference_columns`` computes the same in plain Python;
the tests hold the two together.

Word-bounded mode (like scikit-learn's analyzer="char_wb"): whitespace runs become one space, the text is
padded with a space on each side, and an n-gram may have a space only as its first or last character, so
n-grams stay inside " word ".
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp

SEED = np.uint64(0x2545F4914F6CDD1D)
MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)
_SEPARATOR = 0  # code point between texts in the batch: no n-gram crosses it
_SPACE = 32


def _bits(n_features: int) -> int:
    bits = n_features.bit_length() - 1
    if n_features <= 1 or 1 << bits != n_features:
        raise ValueError(f"n_features must be a power of two, not {n_features}")
    return bits


def word_bounded(text: str) -> str:
    return " " + " ".join(text.split()) + " "


def hashed_char_ngrams(
    texts: Sequence[str], ngram_range: tuple[int, int], n_features: int, *, word_bounded_ngrams: bool = False
) -> sp.csr_matrix:
    """Counts of hashed character n-grams: a float32 CSR matrix of shape (len(texts), n_features)."""
    low, high = ngram_range
    shift = np.uint64(64 - _bits(n_features))
    if word_bounded_ngrams:
        texts = [word_bounded(text) for text in texts]
    lengths = np.fromiter((len(text) for text in texts), dtype=np.int64, count=len(texts))
    # surrogatepass: a lone surrogate (broken emoji from some clients) is one code point, not an error.
    joined = "\x00".join(texts).encode("utf-32-le", "surrogatepass")
    codes = np.frombuffer(joined, dtype=np.uint32).astype(np.uint64)
    size = len(codes)
    document = np.repeat(np.arange(len(texts), dtype=np.int32), lengths + 1)[:size]
    separator = codes == _SEPARATOR
    space = codes == _SPACE

    hashes = np.full(size, SEED, dtype=np.uint64)
    broken = np.zeros(size, dtype=bool)  # the window holds a separator (or, word-bounded, an inner space)
    rows, columns = [], []
    for n in range(1, high + 1):
        windows = size - n + 1
        if windows <= 0:
            break
        hashes = (hashes[:windows] ^ codes[n - 1 : n - 1 + windows]) * MULTIPLIER
        broken = broken[:windows] | separator[n - 1 : n - 1 + windows]
        if word_bounded_ngrams and n >= 3:
            broken |= space[n - 2 : n - 2 + windows]  # the window's position n-2 has become an inner one
        if n < low:
            continue
        keep = ~broken
        kept = hashes[keep]
        kept ^= kept >> np.uint64(31)
        columns.append((kept >> shift).astype(np.int32))
        rows.append(document[:windows][keep])
    if not rows:
        return sp.csr_matrix((len(texts), n_features), dtype=np.float32)
    row = np.concatenate(rows)
    column = np.concatenate(columns)
    counts = sp.coo_matrix(
        (np.ones(len(row), dtype=np.float32), (row, column)), shape=(len(texts), n_features)
    )
    return counts.tocsr()  # sums the duplicates: each n-gram's count


def reference_columns(
    text: str, ngram_range: tuple[int, int], n_features: int, *, word_bounded_ngrams: bool = False
) -> dict[int, int]:
    """The same counts for one text, computed n-gram by n-gram in plain Python (for tests)."""
    mask = (1 << 64) - 1
    shift = 64 - _bits(n_features)
    if word_bounded_ngrams:
        text = word_bounded(text)
    counts: dict[int, int] = {}
    low, high = ngram_range
    for n in range(low, high + 1):
        for start in range(len(text) - n + 1):
            gram = text[start : start + n]
            if "\x00" in gram or (word_bounded_ngrams and " " in gram[1:-1]):
                continue
            value = int(SEED)
            for char in gram.encode("utf-32-le", "surrogatepass").hex(" ", 4).split():
                value = ((value ^ int.from_bytes(bytes.fromhex(char), "little")) * int(MULTIPLIER)) & mask
            value ^= value >> 31
            column = value >> shift
            counts[column] = counts.get(column, 0) + 1
    return counts
