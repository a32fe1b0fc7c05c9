"""The batch n-gram hasher against its plain-Python definition."""

import numpy as np
import pytest
import scipy.sparse as sp

from tandem.moderation.ngrams import counts_matrix, hashed_char_ngrams, reference_columns

TEXTS = [
    "Привет, мир!",
    "",
    "a",
    "  spaced   out\ttext\n",
    "emoji 👍🏽 and a lone surrogate \ud83d",
    "х.у-й and f u c k",
    "null\x00inside",
    "ab",
]


@pytest.mark.parametrize("word_bounded", [False, True])
@pytest.mark.parametrize("ngram_range", [(1, 5), (2, 5), (3, 3)])
def test_the_batch_counts_equal_the_definition_text_by_text(word_bounded, ngram_range):
    matrix = hashed_char_ngrams(TEXTS, ngram_range, 2**12, word_bounded_ngrams=word_bounded)
    assert matrix.shape == (len(TEXTS), 2**12) and matrix.dtype == np.float32
    for row, text in enumerate(TEXTS):
        got = dict(zip(matrix[row].indices.tolist(), matrix[row].data.astype(int).tolist(), strict=True))
        assert got == reference_columns(text, ngram_range, 2**12, word_bounded_ngrams=word_bounded), text


def test_word_bounded_ngrams_stay_inside_one_padded_word():
    # " ab " has 2-grams " a", "ab", "b " and 3-grams " ab", "ab "; nothing spans "ab cd".
    both = reference_columns("ab cd", (2, 4), 2**16, word_bounded_ngrams=True)
    separate = reference_columns("ab", (2, 4), 2**16, word_bounded_ngrams=True)
    for column, count in reference_columns("cd", (2, 4), 2**16, word_bounded_ngrams=True).items():
        separate[column] = separate.get(column, 0) + count
    assert both == separate


def test_a_text_alone_and_in_a_batch_gets_the_same_row():
    alone = hashed_char_ngrams(["hello world"], (1, 5), 2**19)
    batch = hashed_char_ngrams(["x", "hello world", "y"], (1, 5), 2**19)
    assert (alone[0] != batch[1]).nnz == 0


def test_n_features_must_be_a_power_of_two():
    with pytest.raises(ValueError, match="power of two"):
        hashed_char_ngrams(["x"], (1, 2), 1000)


def test_counts_matrix_equals_scipys_coo_to_csr():
    rng = np.random.default_rng(7)
    row = rng.integers(0, 50, 20_000)
    column = rng.integers(0, 64, 20_000)  # few columns: many repeated pairs
    expected = sp.coo_matrix((np.ones(len(row), np.float32), (row, column)), shape=(60, 64)).tocsr()
    got = counts_matrix(row, column, 60, 64)
    assert got.dtype == np.float32 and got.shape == (60, 64)
    assert got.has_canonical_format  # sorted indices, no duplicates
    assert np.array_equal(got.indptr, expected.indptr)
    assert np.array_equal(got.indices, expected.indices)
    assert np.array_equal(got.data, expected.data)
    assert counts_matrix(np.zeros(0, int), np.zeros(0, int), 3, 8).shape == (3, 8)


def test_counts_are_the_same_with_32_and_64_bit_keys():
    rng = np.random.default_rng(0)
    row = rng.integers(0, 50, 5000).astype(np.int32)
    column = rng.integers(0, 2**19, 5000).astype(np.int32)
    column[:100] = column[100:200]  # some pairs repeated
    row[:100] = row[100:200]
    small = counts_matrix(row, column, 50, 2**19)  # 50 * 2^19 keys fit in 32 bits
    assert small.max() == 2 and small.sum() == 5000
    assert np.all(np.diff(small.indices[small.indptr[0] : small.indptr[1]]) > 0)
    # 2^14 rows of 2^19 columns: keys up to 2^33 need 64 bits; the same pairs in the last 50 rows
    offset = 2**14 - 50
    large = counts_matrix(row + offset, column, 2**14, 2**19)
    assert large[:offset].nnz == 0 and (large[offset:] != small).nnz == 0
