"""Hashed word and character n-gram features for the shipped moderation classifier.

There is no fitted vocabulary: every n-gram is mapped to a column by scikit-learn's HashingVectorizer, which
uses MurmurHash3 (32-bit, seed 0, signed, modulo ``n_features``) and is stable across versions and platforms.
So the model file holds only numbers (coefficients, intercepts, thresholds and this configuration) and
loading it executes no code.

Pipeline for one text:
  1. normalise: ``tandem.moderation.normalize.normalize(text).text`` when that module is importable (homoglyphs,
     leetspeak, separators, stretching, zero-width characters), else NFKC + casefold (``fallback_normalize``);
  2. word 1-2 grams and char_wb 2-5 grams of the normalised text, each hashed into its own block of
     ``n_features`` columns, counts scaled sublinearly (1 + log tf) and each block L2-normalised;
  3. the two blocks side by side, the whole row L2-normalised again.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import HashingVectorizer

FEATURES_VERSION = 1
WORD_NGRAMS = (1, 2)
CHAR_NGRAMS = (2, 5)
N_FEATURES = 2**19  # per block; the model has 2 * N_FEATURES columns
WORD_TOKEN_PATTERN = r"(?u)\b\w+\b"
SUBLINEAR_TF = True


def default_config() -> dict:
    return {
        "features_version": FEATURES_VERSION,
        "word_ngrams": list(WORD_NGRAMS),
        "char_ngrams": list(CHAR_NGRAMS),
        "n_features": N_FEATURES,
        "word_token_pattern": WORD_TOKEN_PATTERN,
        "sublinear_tf": SUBLINEAR_TF,
    }


def fallback_normalize(text: str) -> str:
    """Minimal normalisation used when tandem.moderation.normalize is not available."""
    return unicodedata.normalize("NFKC", text).casefold()


def _real_normalize() -> Callable[[str], str] | None:
    try:
        from tandem.moderation.normalize import normalize
    except Exception:  # not written yet, or broken while being written: use the fallback
        return None

    def run(text: str) -> str:
        return normalize(text).text

    return run


def default_normalizer() -> tuple[str, Callable[[str], str]]:
    """(name, function): the project's normaliser when importable, else the NFKC + casefold fallback."""
    real = _real_normalize()
    if real is not None:
        return "tandem.moderation.normalize", real
    return "fallback-nfkc-casefold", fallback_normalize


def _l2_rows(matrix: sp.csr_matrix) -> sp.csr_matrix:
    squares = matrix.multiply(matrix).sum(axis=1).A1
    norms = np.sqrt(squares, dtype=np.float64)
    norms[norms == 0] = 1.0
    return sp.csr_matrix(sp.diags((1.0 / norms).astype(np.float32)) @ matrix)


class Featurizer:
    """Turns texts into a sparse float32 matrix of shape (len(texts), 2 * n_features)."""

    def __init__(self, config: dict | None = None, normalizer: Callable[[str], str] | None = None):
        self.config = dict(config or default_config())
        if normalizer is None:
            self.normalizer_name, normalizer = default_normalizer()
        else:
            self.normalizer_name = getattr(normalizer, "__name__", "custom")
        self.normalizer = normalizer
        n_features = int(self.config["n_features"])
        common = {"n_features": n_features, "alternate_sign": False, "norm": None, "dtype": np.float32}
        self._word = HashingVectorizer(
            analyzer="word",
            ngram_range=tuple(self.config["word_ngrams"]),
            token_pattern=self.config["word_token_pattern"],
            lowercase=True,
            **common,
        )
        self._char = HashingVectorizer(
            analyzer="char_wb", ngram_range=tuple(self.config["char_ngrams"]), lowercase=True, **common
        )

    @property
    def n_columns(self) -> int:
        return 2 * int(self.config["n_features"])

    def normalize_all(self, texts: Iterable[str]) -> list[str]:
        normalizer = self.normalizer
        return [normalizer(text or "") for text in texts]

    def _block(self, vectorizer: HashingVectorizer, texts: list[str]) -> sp.csr_matrix:
        matrix = vectorizer.transform(texts).tocsr()
        if self.config["sublinear_tf"]:
            np.log(matrix.data, out=matrix.data)
            matrix.data += 1.0
        return _l2_rows(matrix)

    def transform(self, texts: Iterable[str]) -> sp.csr_matrix:
        normalised = self.normalize_all(texts)
        blocks = [self._block(self._word, normalised), self._block(self._char, normalised)]
        return _l2_rows(sp.hstack(blocks, format="csr", dtype=np.float32))
