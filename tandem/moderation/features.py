"""Hashed word and character n-gram features for the shipped moderation classifier.

There is no fitted vocabulary: every n-gram is mapped to a column by scikit-learn's HashingVectorizer, which
uses MurmurHash3 (32-bit, seed 0, signed, modulo ``n_features``) and is stable across versions and platforms.
So the model file holds only numbers (coefficients, intercepts, thresholds and this configuration) and
loading it executes no code.

Pipeline for one text (features version 2):
  1. normalise: ``tandem.moderation.normalize.normalize(text).text`` when that module is importable (homoglyphs,
     leetspeak, separators, stretching, zero-width characters), else NFKC + casefold (``fallback_normalize``);
  2. three blocks of ``n_features`` columns each:
       - ``word``: word 1-2 grams of the normalised text;
       - ``char_wb``: char_wb 2-5 grams of the normalised text (letters inside word boundaries);
       - ``raw_char``: char 1-5 grams of the RAW text, case kept (style: capitals, punctuation, emoji, links
         as typed; the normalised blocks carry the meaning of disguised words, this one carries the look);
     counts scaled sublinearly (1 + log tf) and each block L2-normalised;
  3. the blocks side by side, the whole row L2-normalised again (``base_transform``: what training fits on);
  4. ``transform``: routed by script. ``script_of`` tells which script a text is mostly written in
     ("cyrillic" or "latin"); the row's features move to that script's copy of the columns (script s owns
     columns ``[s * B, (s + 1) * B)``, B = the base width) and the column ``len(SCRIPTS) * B + s`` is 1.
     So a model with a separate linear part and intercept per script is ONE weight matrix over these
     columns (classifier.ShippedModel.weights), and ``X @ weights + intercepts`` scores any text.

Version 1 (two blocks, no ``raw_char``) is still understood, so an older model file keeps loading.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import HashingVectorizer

FEATURES_VERSION = 2
WORD_NGRAMS = (1, 2)
CHAR_NGRAMS = (2, 5)
RAW_CHAR_NGRAMS = (1, 5)
N_FEATURES = 2**19  # per block; the model has len(BLOCKS) * N_FEATURES columns
WORD_TOKEN_PATTERN = r"(?u)\b\w+\b"
SUBLINEAR_TF = True
BLOCKS = ("word", "char_wb", "raw_char")

SCRIPTS = ("cyrillic", "latin")
_CYRILLIC_RE = re.compile("[\u0400-\u04ff]")
_LATIN_RE = re.compile("[A-Za-z]")


def script_of(text: str) -> int:
    """Index into SCRIPTS: 0 (cyrillic) when the text has more Cyrillic than Latin letters, else 1 (latin).

    Counted on the raw text: homoglyph tricks swap a few letters of a word, never most of a comment."""
    if not text or _CYRILLIC_RE.search(text) is None:
        return 1
    return 0 if len(_CYRILLIC_RE.findall(text)) > len(_LATIN_RE.findall(text)) else 1


def scripts_of(texts: Iterable[str]) -> np.ndarray:
    return np.fromiter((script_of(text or "") for text in texts), dtype=np.intp)


def default_config() -> dict:
    return {
        "features_version": FEATURES_VERSION,
        "blocks": list(BLOCKS),
        "word_ngrams": list(WORD_NGRAMS),
        "char_ngrams": list(CHAR_NGRAMS),
        "raw_char_ngrams": list(RAW_CHAR_NGRAMS),
        "n_features": N_FEATURES,
        "word_token_pattern": WORD_TOKEN_PATTERN,
        "sublinear_tf": SUBLINEAR_TF,
        "scripts": list(SCRIPTS),
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
    counts = np.diff(matrix.indptr)
    rows = np.repeat(np.arange(matrix.shape[0]), counts)
    data = matrix.data.astype(np.float64)
    norms = np.sqrt(np.bincount(rows, weights=data * data, minlength=matrix.shape[0]))
    norms[norms == 0] = 1.0
    scale = np.repeat((1.0 / norms).astype(np.float32), counts)
    return sp.csr_matrix((matrix.data * scale, matrix.indices, matrix.indptr), shape=matrix.shape)


WORD_CACHE_SIZE = 100_000  # distinct words whose char_wb columns are kept (cleared when full)


class _CachedCharWb:
    """``HashingVectorizer(analyzer="char_wb").transform`` with the same output, faster.

    char_wb n-grams never cross a word boundary, so a text's counts are the sum of its words' counts (the
    words being ``text.lower().split()``, as in scikit-learn's analyzer): each distinct word is hashed once
    and its (columns, counts) kept in a bounded dict. Safe to share between threads: a batch reads the
    cache into a local dict first, and a word missing from it is simply hashed again.
    """

    def __init__(self, vectorizer: HashingVectorizer):
        self.vectorizer = vectorizer
        self.cache: dict[str, tuple[np.ndarray, np.ndarray]] = {}

    def transform(self, texts: list[str]) -> sp.csr_matrix:
        docs = [text.lower().split() for text in texts]
        cache = self.cache
        local: dict[str, tuple[np.ndarray, np.ndarray] | None] = {}
        for words in docs:
            for word in words:
                if word not in local:
                    local[word] = cache.get(word)
        missing = [word for word, entry in local.items() if entry is None]
        if missing:
            counts = self.vectorizer.transform(missing).tocsr()
            if len(cache) + len(missing) > WORD_CACHE_SIZE:
                cache.clear()
            for i, word in enumerate(missing):
                a, b = counts.indptr[i], counts.indptr[i + 1]
                local[word] = cache[word] = (counts.indices[a:b], counts.data[a:b])
        indices, data = [], []
        lengths = np.zeros(len(docs) + 1, dtype=np.int64)
        for row, words in enumerate(docs):
            n = 0
            for word in words:
                columns, values = local[word]
                indices.append(columns)
                data.append(values)
                n += len(columns)
            lengths[row + 1] = n
        n_features = self.vectorizer.n_features
        if not indices:
            return sp.csr_matrix((len(docs), n_features), dtype=np.float32)
        matrix = sp.csr_matrix(
            (np.concatenate(data), np.concatenate(indices), np.cumsum(lengths)), shape=(len(docs), n_features)
        )
        matrix.sum_duplicates()
        return matrix


class Featurizer:
    """Turns texts into a sparse float32 matrix of shape (len(texts), len(blocks) * n_features)."""

    def __init__(self, config: dict | None = None, normalizer: Callable[[str], str] | None = None):
        self.config = dict(config or default_config())
        self.blocks = tuple(self.config.get("blocks", ("word", "char_wb")))
        if normalizer is None:
            self.normalizer_name, normalizer = default_normalizer()
        else:
            self.normalizer_name = getattr(normalizer, "__name__", "custom")
        self.normalizer = normalizer
        n_features = int(self.config["n_features"])
        common = {"n_features": n_features, "alternate_sign": False, "norm": None, "dtype": np.float32}
        self._vectorizers = {
            "word": HashingVectorizer(
                analyzer="word",
                ngram_range=tuple(self.config["word_ngrams"]),
                token_pattern=self.config["word_token_pattern"],
                lowercase=True,
                **common,
            ),
            "char_wb": HashingVectorizer(
                analyzer="char_wb", ngram_range=tuple(self.config["char_ngrams"]), lowercase=True, **common
            ),
        }
        self._vectorizers["char_wb"] = _CachedCharWb(self._vectorizers["char_wb"])
        if "raw_char" in self.blocks:
            self._vectorizers["raw_char"] = HashingVectorizer(
                analyzer="char", ngram_range=tuple(self.config["raw_char_ngrams"]), lowercase=False, **common
            )

    @property
    def n_base_columns(self) -> int:
        return len(self.blocks) * int(self.config["n_features"])

    @property
    def n_scripts(self) -> int:
        return len(self.config.get("scripts", ()))

    @property
    def n_columns(self) -> int:
        if not self.n_scripts:
            return self.n_base_columns
        return self.n_scripts * (self.n_base_columns + 1)

    def normalize_all(self, texts: Iterable[str]) -> list[str]:
        normalizer = self.normalizer
        return [normalizer(text or "") for text in texts]

    def _block(self, vectorizer: HashingVectorizer | _CachedCharWb, texts: list[str]) -> sp.csr_matrix:
        matrix = vectorizer.transform(texts).tocsr()
        if self.config["sublinear_tf"]:
            np.log(matrix.data, out=matrix.data)
            matrix.data += 1.0
        return _l2_rows(matrix)

    def base_transform(self, texts: Iterable[str]) -> sp.csr_matrix:
        """Shape (len(texts), n_base_columns): the n-gram blocks, whatever the script."""
        raw = [text or "" for text in texts]
        normalised = self.normalize_all(raw)
        blocks = [
            self._block(self._vectorizers[name], raw if name == "raw_char" else normalised)
            for name in self.blocks
        ]
        return _l2_rows(sp.hstack(blocks, format="csr", dtype=np.float32))

    def route(self, base: sp.csr_matrix, scripts: np.ndarray) -> sp.csr_matrix:
        """Move each row of ``base_transform``'s matrix to its script's columns and set its script column."""
        width = self.n_base_columns
        n = base.shape[0]
        counts = np.diff(base.indptr)
        scripts = np.asarray(scripts, dtype=np.int64)
        shifted = base.indices.astype(np.int64) + np.repeat(scripts * width, counts)
        # one more entry per row, the script column (it sorts after the row's n-gram columns)
        indptr = base.indptr.astype(np.int64) + np.arange(n + 1)
        indices = np.empty(base.nnz + n, dtype=np.int64)
        data = np.empty(base.nnz + n, dtype=np.float32)
        last = indptr[1:] - 1
        keep = np.ones(base.nnz + n, dtype=bool)
        keep[last] = False
        indices[keep] = shifted
        data[keep] = base.data
        indices[last] = self.n_scripts * width + scripts
        data[last] = 1.0
        return sp.csr_matrix((data, indices, indptr), shape=(n, self.n_columns))

    def transform(self, texts: Iterable[str]) -> sp.csr_matrix:
        """Shape (len(texts), n_columns): routed by script (see the module docstring) when the config has
        scripts, else the same as ``base_transform``."""
        raw = [text or "" for text in texts]
        base = self.base_transform(raw)
        if not self.n_scripts:
            return base
        return self.route(base, scripts_of(raw))
