"""Hashed word and character n-gram features for the shipped moderation classifier.

There is no fitted vocabulary: every n-gram is mapped to a column by a fixed hash (words: scikit-learn's
HashingVectorizer, MurmurHash3 32-bit, seed 0, modulo ``n_features``; characters: tandem.moderation.ngrams),
stable across versions and platforms.
So the model file holds only numbers (coefficients, intercepts, thresholds and this configuration) and
loading it executes no code.

Pipeline for one text (features version 3):
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

Version 3 hashes the character blocks with tandem.moderation.ngrams (a whole batch in numpy, several times
faster than HashingVectorizer's per-n-gram strings); the word block stays on HashingVectorizer. A model file
of an older version is refused with a clear error: retrain it with ``make model``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import HashingVectorizer

from tandem.moderation.ngrams import hashed_char_ngrams

FEATURES_VERSION = 3
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


class _BatchCharNgrams:
    """Character n-gram counts of a whole batch through tandem.moderation.ngrams (features version 3)."""

    def __init__(self, ngram_range: tuple[int, int], n_features: int, *, word_bounded_ngrams: bool):
        self.ngram_range = ngram_range
        self.n_features = n_features
        self.word_bounded_ngrams = word_bounded_ngrams

    def transform(self, texts: list[str]) -> sp.csr_matrix:
        return hashed_char_ngrams(
            texts, self.ngram_range, self.n_features, word_bounded_ngrams=self.word_bounded_ngrams
        )


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
        }
        if int(self.config.get("features_version", 1)) < FEATURES_VERSION:
            raise ValueError("this moderation model was trained on older features: retrain it (make model)")
        self._vectorizers["char_wb"] = _BatchCharNgrams(
            tuple(self.config["char_ngrams"]), n_features, word_bounded_ngrams=True
        )
        if "raw_char" in self.blocks:
            self._vectorizers["raw_char"] = _BatchCharNgrams(
                tuple(self.config["raw_char_ngrams"]), n_features, word_bounded_ngrams=False
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

    def _block(self, vectorizer: HashingVectorizer | _BatchCharNgrams, texts: list[str]) -> sp.csr_matrix:
        matrix = vectorizer.transform(texts).tocsr()
        if self.config["sublinear_tf"]:
            np.log(matrix.data, out=matrix.data)
            matrix.data += 1.0
        return _l2_rows(matrix)

    def base_transform(self, texts: Iterable[str], normalised: list[str] | None = None) -> sp.csr_matrix:
        """Shape (len(texts), n_base_columns): the n-gram blocks, whatever the script. ``normalised``: the
        texts already through this featurizer's normaliser (the moderation engine has them), else computed."""
        raw = [text or "" for text in texts]
        if normalised is None:
            normalised = self.normalize_all(raw)
        return self._assemble(self._blocks(raw, normalised))

    def _blocks(self, raw: list[str], normalised: list[str]) -> list[sp.csr_matrix]:
        return [
            self._block(self._vectorizers[name], raw if name == "raw_char" else normalised)
            for name in self.blocks
        ]

    def _assemble(self, blocks: list[sp.csr_matrix], scripts: np.ndarray | None = None) -> sp.csr_matrix:
        """The L2-normalised blocks side by side, each row L2-normalised again, in one pass: every non-empty
        block has norm 1, so a row's norm is the square root of its number of non-empty blocks (cheaper than
        an hstack and another normalisation). With ``scripts``, also routed: each row's n-grams move to its
        script's copy of the columns and its script column is set (see the module docstring)."""
        n = blocks[0].shape[0]
        width = int(self.config["n_features"])
        per_block = [np.diff(block.indptr) for block in blocks]
        per_row = np.sum(per_block, axis=0)
        scale = (1.0 / np.sqrt(np.maximum(np.sum([c > 0 for c in per_block], axis=0), 1))).astype(np.float32)
        routed = scripts is not None
        indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(per_row + (1 if routed else 0), out=indptr[1:])
        indices = np.empty(indptr[-1], dtype=np.int64)
        data = np.empty(indptr[-1], dtype=np.float32)
        rows = np.arange(n)
        shift = np.asarray(scripts, dtype=np.int64) * self.n_base_columns if routed else np.zeros(n, np.int64)
        filled = indptr[:-1].copy()  # where each row's next entry goes
        for number, (block, counts) in enumerate(zip(blocks, per_block, strict=True)):
            row = np.repeat(rows, counts)
            within = np.arange(block.nnz) - np.repeat(block.indptr[:-1], counts)
            at = filled[row] + within
            indices[at] = block.indices + number * width + shift[row]
            data[at] = block.data * scale[row]
            filled += counts
        if routed:  # the script column, last in each row
            indices[filled] = self.n_scripts * self.n_base_columns + np.asarray(scripts, dtype=np.int64)
            data[filled] = 1.0
        shape = (n, self.n_columns if routed else self.n_base_columns)
        return sp.csr_matrix((data, indices, indptr), shape=shape)

    def transform(self, texts: Iterable[str], normalised: list[str] | None = None) -> sp.csr_matrix:
        """Shape (len(texts), n_columns): routed by script (see the module docstring) when the config has
        scripts, else the same as ``base_transform``."""
        raw = [text or "" for text in texts]
        if not self.n_scripts:
            return self.base_transform(raw, normalised)
        if normalised is None:
            normalised = self.normalize_all(raw)
        return self._assemble(self._blocks(raw, normalised), scripts_of(raw))
