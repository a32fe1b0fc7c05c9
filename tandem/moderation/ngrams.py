"""Hashed character n-gram counts for a whole batch of texts at once, in numpy.

Written here because scikit-learn's HashingVectorizer builds every character n-gram as a Python string
(about 100 µs for an 80-character comment per n-gram block), which alone used up the engine's time budget
(5,000 comments/s for rules and classifier together). Here the batch is one array of code points; each
n-gram's hash is extended from the (n-1)-gram's hash in one vectorised pass per n, so the cost per text is a
few microseconds, and the counting is one numpy sort of the batch's (row, column) keys (``counts_matrix``).

Hash of the n-gram c1…cn: h0 = SEED; h_k = (h_(k-1) XOR c_k) * MULTIPLIER (mod 2^64); then h XOR (h >> 31),
and the top log2(n_features) bits are the column. ``reference_columns`` computes the same in plain Python;
the tests hold the two together.

Word-bounded mode (like scikit-learn's analyzer="char_wb"): whitespace runs become one space, the text is
padded with a space on each side, and an n-gram may have a space only as its first or last character, so
n-grams stay inside " word ".

Word n-grams (``hashed_word_ngrams``): the same columns as scikit-learn's HashingVectorizer (MurmurHash3 of
each n-gram's UTF-8 bytes), computed for the whole batch in numpy; see the comment above it.
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
    return counts_matrix(np.concatenate(rows), np.concatenate(columns), len(texts), n_features)


def counts_matrix(row: np.ndarray, column: np.ndarray, n_rows: int, n_features: int) -> sp.csr_matrix:
    """How often each (row, column) pair occurs: a float32 CSR matrix of shape (n_rows, n_features) with
    sorted indices and no duplicates. The same as scipy's COO -> CSR conversion, about three times faster:
    scipy sorts each row's indices one row at a time (a sixth of the moderation engine's time went there),
    numpy sorts one key per pair in a vectorised pass, in 32 bits when they fit (a chunk of 1,000 comments
    at 2^19 columns does; it sorts in about half the time of 64 bits)."""
    key_type = np.uint32 if n_rows * n_features <= 2**32 else np.int64
    key = np.sort(row.astype(key_type) * key_type(n_features) + column.astype(key_type))
    first = np.empty(len(key), dtype=bool)
    first[:1] = True
    np.not_equal(key[1:], key[:-1], out=first[1:])
    starts = np.flatnonzero(first)
    counts = np.diff(np.append(starts, len(key))).astype(np.float32)
    unique = key[starts]
    indptr = np.zeros(n_rows + 1, dtype=np.int64)
    np.cumsum(np.bincount(unique // n_features, minlength=n_rows), out=indptr[1:])
    columns = (unique % n_features).astype(np.int32)
    matrix = sp.csr_matrix((counts, columns, indptr), shape=(n_rows, n_features))
    matrix.has_sorted_indices = True
    return matrix


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


# Word n-grams, hashed exactly as scikit-learn's HashingVectorizer(analyzer="word", alternate_sign=False) does:
# MurmurHash3_x86_32 (seed 0) of the n-gram's UTF-8 bytes (words joined by one space), column = |h| mod
# n_features. Computed here for a whole batch in numpy: the texts' words joined by single spaces lie in one
# byte buffer, so every n-gram is a contiguous slice of it (from its first word's start to its last word's
# end), and the hash runs over all slices at once, one 4-byte block per pass.
_C1 = np.uint32(0xCC9E2D51)
_C2 = np.uint32(0x1B873593)


def _rotl32(x: np.ndarray, r: int) -> np.ndarray:
    return (x << np.uint32(r)) | (x >> np.uint32(32 - r))


def murmurhash3_32(buffer: np.ndarray, starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Signed MurmurHash3_x86_32 (seed 0) of the byte slices buffer[starts[i] : starts[i] + lengths[i]]."""
    padded = np.zeros(len(buffer) + 4, dtype=np.uint32)
    padded[: len(buffer)] = buffer
    # the little-endian 4-byte word starting at every byte offset: each block is then one look-up
    words = (
        padded[:-3]
        | (padded[1:-2] << np.uint32(8))
        | (padded[2:-1] << np.uint32(16))
        | (padded[3:] << np.uint32(24))
    )
    order = np.argsort(-(np.asarray(lengths) // 4), kind="stable")  # longest first: pass j is a prefix
    starts = np.asarray(starts, dtype=np.int64)[order]
    lengths = np.asarray(lengths, dtype=np.int64)[order]
    blocks = lengths // 4
    h = np.zeros(len(starts), dtype=np.uint32)
    for j in range(int(blocks[0]) if len(blocks) else 0):
        m = int(np.searchsorted(-blocks, -j, side="left"))  # how many slices have more than j blocks
        k = words[starts[:m] + 4 * j] * _C1
        k = _rotl32(k, 15) * _C2
        value = _rotl32(h[:m] ^ k, 13)
        h[:m] = value * np.uint32(5) + np.uint32(0xE6546B64)
    tail = lengths & 3
    k = words[starts + 4 * blocks] & (
        (np.uint32(1) << (np.uint32(8) * tail.astype(np.uint32))) - np.uint32(1)
    )
    has = tail > 0
    h[has] ^= _rotl32(k[has] * _C1, 15) * _C2
    h ^= lengths.astype(np.uint32)
    h ^= h >> np.uint32(16)
    h *= np.uint32(0x85EBCA6B)
    h ^= h >> np.uint32(13)
    h *= np.uint32(0xC2B2AE35)
    h ^= h >> np.uint32(16)
    out = np.empty_like(h)
    out[order] = h
    return out.view(np.int32)


SMALL_BATCH_WORDS = 256  # fewer words than this (one comment): one sklearn murmurhash3_32 call per n-gram


def _hashed_word_ngrams_small(
    token_lists: Sequence[Sequence[str]], ngram_range: tuple[int, int], n_features: int
) -> sp.csr_matrix:
    """``hashed_word_ngrams`` n-gram by n-gram: for a comment or two, faster than the batch's numpy passes."""
    from sklearn.utils import murmurhash3_32 as murmur

    low, high = ngram_range
    rows, columns = [], []
    for row, words in enumerate(token_lists):
        for n in range(low, high + 1):
            for start in range(len(words) - n + 1):
                h = murmur(" ".join(words[start : start + n]), seed=0)
                columns.append(abs(h) % n_features)
                rows.append(row)
    return counts_matrix(
        np.array(rows, dtype=np.int64), np.array(columns, dtype=np.int64), len(token_lists), n_features
    )


def hashed_word_ngrams(
    token_lists: Sequence[Sequence[str]], ngram_range: tuple[int, int], n_features: int
) -> sp.csr_matrix:
    """Counts of hashed word n-grams of each text's words (a float32 CSR matrix of shape (len(token_lists),
    n_features)), the same matrix as scikit-learn's HashingVectorizer(analyzer="word", ngram_range,
    n_features, alternate_sign=False, norm=None) given texts that tokenise to these words. Words must not
    be empty nor contain a space or NUL (regex ``\\w+`` tokens never do)."""
    low, high = ngram_range
    _bits(n_features)
    n_texts = len(token_lists)
    if sum(map(len, token_lists)) <= SMALL_BATCH_WORDS:
        return _hashed_word_ngrams_small(token_lists, ngram_range, n_features)
    buffer = np.frombuffer("\x00".join([" ".join(words) for words in token_lists]).encode("utf-8"), np.uint8)
    delimiter = np.flatnonzero((buffer == 32) | (buffer == 0))
    bounds = np.concatenate([[-1], delimiter, [len(buffer)]])
    starts, ends = bounds[:-1] + 1, bounds[1:]
    real = ends > starts  # an empty text leaves an empty slice between two NULs
    starts, ends = starts[real], ends[real]
    document = np.cumsum(np.concatenate([[0], buffer[delimiter] == 0]))[real]
    rows, hashes = [], []
    for n in range(low, high + 1):
        windows = len(starts) - n + 1
        if windows <= 0:
            break
        keep = document[:windows] == document[n - 1 : n - 1 + windows]
        first = starts[:windows][keep]
        hashes.append(murmurhash3_32(buffer, first, ends[n - 1 : n - 1 + windows][keep] - first))
        rows.append(document[:windows][keep])
    if not rows:
        return sp.csr_matrix((n_texts, n_features), dtype=np.float32)
    h = np.concatenate(hashes).astype(np.int64)
    column = np.abs(h) % n_features  # |-2^31| % n_features, as HashingVectorizer: int64 avoids the overflow
    return counts_matrix(np.concatenate(rows), column, n_texts, n_features)
