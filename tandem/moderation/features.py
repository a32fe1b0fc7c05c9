"""Hashed word and character n-gram features for the shipped moderation classifier.

There is no fitted vocabulary: every n-gram is mapped to a column by a fixed hash (words: the columns of
scikit-learn's HashingVectorizer, MurmurHash3 32-bit, seed 0, modulo ``n_features``, computed in numpy by
tandem.moderation.ngrams.hashed_word_ngrams; characters: tandem.moderation.ngrams),
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
  3. the blocks side by side, the whole row L2-normalised again, then the style columns (config "style":
     ``style_features`` of the raw text times "style_weight", for the texts of "style_scripts" only; empty
     for the others) (``base_transform``: what training fits on);
  4. ``transform``: routed by script. ``script_of`` tells which script a text is mostly written in
     ("cyrillic" or "latin"); the row's features move to that script's copy of the columns (script s owns
     columns ``[s * B, (s + 1) * B)``, B = the base width) and the column ``len(SCRIPTS) * B + s`` is 1.
     So a model with a separate linear part and intercept per script is ONE weight matrix over these
     columns (classifier.ShippedModel.weights), and ``X @ weights + intercepts`` scores any text;
  5. script layouts (config "layouts": script -> blocks and dense columns): a script may have a column layout
     of its own (``layout_transform``: what training fits that script's stacked part on): its blocks, each
     L2-normalised but NOT renormalised as a row, then its dense columns. The Cyrillic layout: ``char_wb``
     and ``raw_char`` as above, ``stem_word`` (word 1-2 grams of the normalised text's words reduced to their
     Russian stems by PyStemmer) and ``stem_char_wb`` (char_wb 3-5 grams of the stemmed words joined by
     spaces), then ``log_chars`` = log(1 + characters of the raw text) and ``log_words`` = log(1 +
     whitespace-separated words). In ``transform`` the layout's blocks that are base blocks too are NOT
     repeated: for that script's rows the routed copy is divided by sqrt(len(blocks)) (not by the root of
     the number of non-empty blocks: the same for every text with a word character), so the layout's
     weights on them, times sqrt(len(blocks)), go on the routed copy (``layout_columns``); only its other
     blocks and dense columns get columns of their own, after the script columns, filled for that script's
     rows. So a part fitted on the layout is one more set of weights in the same matrix.

Version 3 hashes the character blocks with tandem.moderation.ngrams (a whole batch in numpy, several times
faster than HashingVectorizer's per-n-gram strings). Version 4 adds the script layouts (each distinct word's
stem computed once and cached) and hashes the word blocks in numpy too (ngrams.hashed_word_ngrams: the same
columns as HashingVectorizer, several times faster). A model file of an older version is refused with a clear
error: retrain it with ``make model``.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Callable, Iterable
from functools import lru_cache

import numpy as np
import scipy.sparse as sp

from tandem.moderation.conditions import may_have_link
from tandem.moderation.ngrams import hashed_char_ngrams, hashed_word_ngrams

FEATURES_VERSION = 4
WORD_NGRAMS = (1, 2)
CHAR_NGRAMS = (2, 5)
RAW_CHAR_NGRAMS = (1, 5)
N_FEATURES = 2**19  # per block; the model has len(BLOCKS) * N_FEATURES columns
WORD_TOKEN_PATTERN = r"(?u)\b\w+\b"
SUBLINEAR_TF = True
BLOCKS = ("word", "char_wb", "raw_char")
STEM_LANGUAGE = "russian"  # PyStemmer's Snowball stemmer
STEM_WORD_NGRAMS = (1, 2)
STEM_CHAR_NGRAMS = (3, 5)
DENSE = ("log_chars", "log_words")
# script -> its own column layout (module docstring, step 5)
LAYOUTS = {
    "cyrillic": {"blocks": ["char_wb", "raw_char", "stem_word", "stem_char_wb"], "dense": list(DENSE)},
}
STEM_CACHE_SIZE = 1 << 17  # distinct words whose stems are kept
# Style columns at the end of the base columns (module docstring, step 3), filled for the texts of
# STYLE_SCRIPTS only: links, length, capitals, digits and punctuation tell English comment spam across
# videos (bench/moderation.py, leave one video out: F1 0.944 -> 0.955); on the small Russian spam set they
# lowered the CV F1, so Cyrillic texts leave them empty. STYLE_WEIGHT puts them on the scale of the n-grams.
STYLE = ("link", "length", "caps", "digits", "exclamation", "mention", "question")
STYLE_SCRIPTS = ("latin",)
STYLE_WEIGHT = 2.0

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
    """``script_of`` of every text, counted for the whole batch at once in numpy."""
    texts = [text or "" for text in texts]
    if not texts:
        return np.zeros(0, dtype=np.intp)
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    codes = np.frombuffer("".join(texts).encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    document = np.repeat(np.arange(len(texts)), lengths)
    cyrillic = (codes >= 0x400) & (codes <= 0x4FF)
    latin = ((codes >= 0x41) & (codes <= 0x5A)) | ((codes >= 0x61) & (codes <= 0x7A))
    n = len(texts)
    cyrillic_count = np.bincount(document[cyrillic], minlength=n)
    latin_count = np.bincount(document[latin], minlength=n)
    return np.where((cyrillic_count > 0) & (cyrillic_count > latin_count), 0, 1).astype(np.intp)


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
        "stem_language": STEM_LANGUAGE,
        "stem_word_ngrams": list(STEM_WORD_NGRAMS),
        "stem_char_ngrams": list(STEM_CHAR_NGRAMS),
        "layouts": {script: {**layout} for script, layout in LAYOUTS.items()},
        "style": list(STYLE),
        "style_scripts": list(STYLE_SCRIPTS),
        "style_weight": STYLE_WEIGHT,
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


_STEMMERS = threading.local()  # PyStemmer's stemmers are not thread-safe: one per thread


@lru_cache(maxsize=8)
def _stem_function(language: str) -> Callable[[str], str]:
    """word -> its stem, cached per word: comments repeat their words, and the stemmer costs a microsecond or
    two a word while a cached look-up costs a tenth of one."""
    import Stemmer

    @lru_cache(maxsize=STEM_CACHE_SIZE)
    def stem(word: str) -> str:
        stemmers = _STEMMERS.__dict__.setdefault("by_language", {})
        stemmer = stemmers.get(language)
        if stemmer is None:
            stemmer = stemmers[language] = Stemmer.Stemmer(language)
        return stemmer.stemWord(word)

    return stem


_WORD_TOKEN_RE = re.compile(WORD_TOKEN_PATTERN)


def words_of(text: str) -> list[str]:
    """The word tokens HashingVectorizer(lowercase=True, token_pattern=WORD_TOKEN_PATTERN) would find."""
    return _WORD_TOKEN_RE.findall(text.lower())


def stem_all(
    normalised: list[str], language: str = STEM_LANGUAGE, words: list[list[str]] | None = None
) -> list[list[str]]:
    """Each text's word tokens (as ``words_of``; ``words``: already found), stemmed; empty stems dropped."""
    stem = _stem_function(language)
    if words is None:
        words = [words_of(text) for text in normalised]
    return [[s for s in map(stem, tokens) if s] for tokens in words]


class _BatchWordNgrams:
    """Word n-gram counts of a whole batch through ngrams.hashed_word_ngrams: the same columns as the
    HashingVectorizer of features version 3, several times faster."""

    def __init__(self, ngram_range: tuple[int, int], n_features: int):
        self.ngram_range = ngram_range
        self.n_features = n_features

    def transform(self, texts: list[str], words: list[list[str]] | None = None) -> sp.csr_matrix:
        """``words``: each text's ``words_of``, when already found."""
        if words is None:
            words = [words_of(text) for text in texts]
        return hashed_word_ngrams(words, self.ngram_range, self.n_features)


def dense_features(raw: list[str], names: Iterable[str] = DENSE) -> np.ndarray:
    """Shape (len(raw), len(names)), float32: log_chars, log_words of the raw texts."""
    functions = {"log_chars": len, "log_words": lambda text: len(text.split())}
    columns = [
        np.fromiter((functions[name](text) for text in raw), dtype=np.float64, count=len(raw))
        for name in names
    ]
    return np.log1p(np.column_stack(columns) if columns else np.zeros((len(raw), 0))).astype(np.float32)


def style_features(raw: list[str], names: Iterable[str] = STYLE) -> np.ndarray:
    """Shape (len(raw), len(names)), float32, of the raw texts, each in [0, 1]: ``link`` (1 when the text has
    a link, as the links condition sees one), ``length`` (characters / 1,000, at most 1), ``caps`` (capitals
    among the Latin and Cyrillic letters), ``digits`` (ASCII digits among all characters), ``exclamation``,
    ``mention``, ``question`` (1 when the text has "!", "@", "?"). Counted for the whole batch in numpy."""
    n = len(raw)
    lengths = np.fromiter(map(len, raw), dtype=np.int64, count=n)
    codes = np.frombuffer("".join(raw).encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    document = np.repeat(np.arange(n), lengths)

    def count(mask: np.ndarray) -> np.ndarray:
        return np.bincount(document[mask], minlength=n)

    def caps() -> np.ndarray:
        upper = ((codes >= 0x41) & (codes <= 0x5A)) | ((codes >= 0x410) & (codes <= 0x42F)) | (codes == 0x401)
        lower = ((codes >= 0x61) & (codes <= 0x7A)) | ((codes >= 0x430) & (codes <= 0x44F)) | (codes == 0x451)
        capitals = count(upper)
        return capitals / np.maximum(capitals + count(lower), 1)

    functions = {
        "link": lambda: np.fromiter(map(may_have_link, raw), dtype=bool, count=n),
        "length": lambda: np.minimum(lengths, 1000) / 1000,
        "caps": caps,
        "digits": lambda: count((codes >= 0x30) & (codes <= 0x39)) / np.maximum(lengths, 1),
        "exclamation": lambda: np.fromiter(("!" in text for text in raw), dtype=bool, count=n),
        "mention": lambda: np.fromiter(("@" in text for text in raw), dtype=bool, count=n),
        "question": lambda: np.fromiter(("?" in text for text in raw), dtype=bool, count=n),
    }
    columns = [functions[name]() for name in names]
    return (np.column_stack(columns) if columns else np.zeros((n, 0))).astype(np.float32)


def _dense_csr(values: np.ndarray) -> sp.csr_matrix:
    n, k = values.shape
    indptr = np.arange(0, n * k + 1, k, dtype=np.int64)
    indices = np.tile(np.arange(k, dtype=np.int64), n)
    return sp.csr_matrix((values.ravel(), indices, indptr), shape=(n, k))


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
    """Turns texts into a sparse float32 matrix: ``base_transform`` (len(texts), len(blocks) * n_features) for
    training, ``transform`` (len(texts), n_columns) routed by script with the script layouts for scoring."""

    def __init__(self, config: dict | None = None, normalizer: Callable[[str], str] | None = None):
        self.config = dict(config or default_config())
        self.blocks = tuple(self.config.get("blocks", ("word", "char_wb")))
        if normalizer is None:
            self.normalizer_name, normalizer = default_normalizer()
        else:
            self.normalizer_name = getattr(normalizer, "__name__", "custom")
        self.normalizer = normalizer
        n_features = int(self.config["n_features"])
        if str(self.config.get("word_token_pattern", WORD_TOKEN_PATTERN)) != WORD_TOKEN_PATTERN:
            raise ValueError(
                f"features config: only the word token pattern {WORD_TOKEN_PATTERN!r} is supported"
            )
        self._vectorizers = {"word": _BatchWordNgrams(tuple(self.config["word_ngrams"]), n_features)}
        if int(self.config.get("features_version", 1)) < FEATURES_VERSION:
            raise ValueError("this moderation model was trained on older features: retrain it (make model)")
        self._vectorizers["char_wb"] = _BatchCharNgrams(
            tuple(self.config["char_ngrams"]), n_features, word_bounded_ngrams=True
        )
        self._vectorizers["raw_char"] = _BatchCharNgrams(
            tuple(self.config["raw_char_ngrams"]), n_features, word_bounded_ngrams=False
        )
        self._vectorizers["stem_char_wb"] = _BatchCharNgrams(
            tuple(self.config.get("stem_char_ngrams", STEM_CHAR_NGRAMS)), n_features, word_bounded_ngrams=True
        )
        scripts = list(self.config.get("scripts", ()))
        self.style = tuple(self.config.get("style", ()))
        self.style_scripts = [scripts.index(script) for script in self.config.get("style_scripts", ())]
        self.style_weight = np.float32(self.config.get("style_weight", 1.0))
        if set(self.style) - set(STYLE):
            raise ValueError(f"features config: unknown style columns {sorted(set(self.style) - set(STYLE))}")
        self.layouts: dict[str, dict] = {
            script: layout for script, layout in self.config.get("layouts", {}).items() if layout
        }
        for script, layout in self.layouts.items():
            if script not in scripts:
                raise ValueError(f"features config: a layout for the unknown script {script!r}")
            unknown = set(layout["blocks"]) - {*self._vectorizers, "stem_word"}
            unknown |= set(layout.get("dense", ())) - set(DENSE)
            if unknown:
                raise ValueError(f"features config: unknown layout columns {sorted(unknown)}")

    @property
    def n_features(self) -> int:
        return int(self.config["n_features"])

    @property
    def n_base_columns(self) -> int:
        return len(self.blocks) * self.n_features + len(self.style)

    @property
    def n_scripts(self) -> int:
        return len(self.config.get("scripts", ()))

    def shared_blocks(self, script: str) -> list[str]:
        """The layout's blocks that are base blocks too: in ``transform`` they are the routed copy's columns."""
        return [name for name in self.layouts[script]["blocks"] if name in self.blocks]

    def own_blocks(self, script: str) -> list[str]:
        """The layout's blocks with columns of their own in ``transform``."""
        return [name for name in self.layouts[script]["blocks"] if name not in self.blocks]

    def layout_width(self, script: str) -> int:
        """The number of columns of ``layout_transform(script, ...)``: every block of the layout, then dense."""
        layout = self.layouts[script]
        return len(layout["blocks"]) * self.n_features + len(layout.get("dense", ()))

    def own_width(self, script: str) -> int:
        """The number of columns the layout adds to ``transform``: its own blocks, then its dense columns."""
        return len(self.own_blocks(script)) * self.n_features + len(self.layouts[script].get("dense", ()))

    def layout_offset(self, script: str) -> int:
        """The first column of ``script``'s own layout columns in ``transform``'s columns."""
        offset = self.n_scripts * (self.n_base_columns + 1)
        for name in self.config["scripts"]:
            if name == script:
                return offset
            if name in self.layouts:
                offset += self.own_width(name)
        raise KeyError(script)

    def layout_columns(self, script: str) -> tuple[np.ndarray, np.ndarray]:
        """Where each column of ``layout_transform(script, ...)`` is in ``transform``'s columns, and the
        factor a weight on it takes there: a shared block is the routed copy of script's rows, whose value is
        the layout's divided by sqrt(len(blocks)) (``_assemble``), so its weights are multiplied by that."""
        width = self.n_features
        s = list(self.config["scripts"]).index(script)
        own = self.layout_offset(script)
        columns, factors = [], []
        base_scale = np.float32(np.sqrt(len(self.blocks)))
        for name in self.layouts[script]["blocks"]:
            if name in self.blocks:
                start, factor = s * self.n_base_columns + self.blocks.index(name) * width, base_scale
            else:
                start, factor = own, np.float32(1.0)
                own += width
            columns.append(np.arange(start, start + width, dtype=np.int64))
            factors.append(np.full(width, factor, dtype=np.float32))
        dense = len(self.layouts[script].get("dense", ()))
        columns.append(np.arange(own, own + dense, dtype=np.int64))
        factors.append(np.ones(dense, dtype=np.float32))
        return np.concatenate(columns), np.concatenate(factors)

    @property
    def n_columns(self) -> int:
        if not self.n_scripts:
            return self.n_base_columns
        return self.n_scripts * (self.n_base_columns + 1) + sum(map(self.own_width, self.layouts))

    def normalize_all(self, texts: Iterable[str]) -> list[str]:
        normalizer = self.normalizer
        return [normalizer(text or "") for text in texts]

    def _scaled(self, matrix: sp.csr_matrix) -> sp.csr_matrix:
        matrix = matrix.tocsr()
        if self.config["sublinear_tf"]:
            np.log(matrix.data, out=matrix.data)
            matrix.data += 1.0
        return _l2_rows(matrix)

    def _block(self, vectorizer: _BatchWordNgrams | _BatchCharNgrams, texts: list[str]) -> sp.csr_matrix:
        return self._scaled(vectorizer.transform(texts))

    def base_transform(self, texts: Iterable[str], normalised: list[str] | None = None) -> sp.csr_matrix:
        """Shape (len(texts), n_base_columns): the n-gram blocks, whatever the script. ``normalised``: the
        texts already through this featurizer's normaliser (the moderation engine has them), else computed."""
        raw = [text or "" for text in texts]
        if normalised is None:
            normalised = self.normalize_all(raw)
        return self._assemble(self._blocks(raw, normalised), style=self._style(raw, scripts_of(raw)))

    def _style(self, raw: list[str], scripts: np.ndarray) -> sp.csr_matrix:
        """The style columns (``style_features`` times the weight) of the rows of the style scripts; the
        other rows' are empty."""
        rows = np.flatnonzero(np.isin(scripts, self.style_scripts)) if self.style else np.zeros(0, np.intp)
        values = np.zeros((len(raw), len(self.style)), dtype=np.float32)
        if len(rows):
            values[rows] = style_features([raw[i] for i in rows], self.style) * self.style_weight
        return sp.csr_matrix(values)

    def _blocks(
        self, raw: list[str], normalised: list[str], words: list[list[str]] | None = None
    ) -> list[sp.csr_matrix]:
        """The base blocks; ``words``: the normalised texts' ``words_of``, when already found."""
        out = []
        for name in self.blocks:
            if name == "word" and words is not None:
                out.append(self._scaled(self._vectorizers[name].transform(normalised, words)))
            else:
                out.append(self._block(self._vectorizers[name], raw if name == "raw_char" else normalised))
        return out

    def _layout_parts(
        self,
        script: str,
        raw: list[str],
        normalised: list[str],
        *,
        own_only: bool = False,
        words: list[list[str]] | None = None,
    ) -> list[sp.csr_matrix]:
        """The layout's blocks (L2-normalised each) and its dense columns, for these rows; ``own_only``: only
        the blocks that are not base blocks (``own_blocks``); ``words``: the normalised texts' ``words_of``."""
        layout = self.layouts[script]
        parts = []
        stemmed = None
        for name in self.own_blocks(script) if own_only else layout["blocks"]:
            if name in ("stem_word", "stem_char_wb") and stemmed is None:
                stemmed = stem_all(normalised, self.config.get("stem_language", STEM_LANGUAGE), words)
            if name == "stem_word":
                ngrams = tuple(self.config.get("stem_word_ngrams", STEM_WORD_NGRAMS))
                parts.append(self._scaled(hashed_word_ngrams(stemmed, ngrams, self.n_features)))
            elif name == "stem_char_wb":
                parts.append(self._block(self._vectorizers[name], [" ".join(words) for words in stemmed]))
            else:
                parts.append(self._block(self._vectorizers[name], raw if name == "raw_char" else normalised))
        if layout.get("dense"):
            parts.append(_dense_csr(dense_features(raw, layout["dense"])))
        return parts

    def layout_transform(
        self, script: str, texts: Iterable[str], normalised: list[str] | None = None
    ) -> sp.csr_matrix:
        """Shape (len(texts), layout_width(script)): ``script``'s layout for every text, whatever its script
        (training fits the layout's part on it)."""
        raw = [text or "" for text in texts]
        if normalised is None:
            normalised = self.normalize_all(raw)
        parts = self._layout_parts(script, raw, normalised)
        return sp.hstack(parts, format="csr", dtype=np.float32)

    def _assemble(
        self,
        blocks: list[sp.csr_matrix],
        scripts: np.ndarray | None = None,
        extras: list[tuple[sp.csr_matrix, np.ndarray, int]] = (),
        style: sp.csr_matrix | None = None,
    ) -> sp.csr_matrix:
        """The L2-normalised blocks side by side, each row L2-normalised again, in one pass: every non-empty
        block has norm 1, so a row's norm is the square root of its number of non-empty blocks (cheaper than
        an hstack and another normalisation). With ``scripts``, also routed: each row's n-grams move to its
        script's copy of the columns and its script column is set (see the module docstring); the rows of a
        script with a layout are divided by sqrt(len(blocks)) whatever their empty blocks (the same for any
        text with a word character, and it lets ``layout_columns`` fold the layout's weights in).
        ``extras``: (matrix, rows, first column): matrix's row i goes, as it is, to row rows[i] from that
        column on, after the script column (a layout's own columns; routed only). ``style``: the style
        columns (``_style``), as they are, after the blocks (in the routed copy when routed)."""
        n = blocks[0].shape[0]
        width = self.n_features
        per_block = [np.diff(block.indptr) for block in blocks]
        per_row = np.sum(per_block, axis=0)
        style_counts = np.diff(style.indptr) if style is not None else np.zeros(n, dtype=np.int64)
        per_row += style_counts
        extra_counts = []
        for matrix, extra_rows, _start in extras:
            extra_counts.append(np.diff(matrix.indptr))
            per_row[extra_rows] += extra_counts[-1]
        scale = (1.0 / np.sqrt(np.maximum(np.sum([c > 0 for c in per_block], axis=0), 1))).astype(np.float32)
        routed = scripts is not None
        for s, script in enumerate(self.config.get("scripts", ()) if routed else ()):
            if script in self.layouts:  # see layout_columns: a fixed scale, so the layout's weights fold in
                scale[np.asarray(scripts) == s] = np.float32(1.0 / np.sqrt(len(blocks)))
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
        if style is not None and style.nnz:
            row = np.repeat(rows, style_counts)
            at = filled[row] + np.arange(style.nnz) - np.repeat(style.indptr[:-1], style_counts)
            indices[at] = style.indices + len(blocks) * width + shift[row]
            data[at] = style.data
            filled += style_counts
        if routed:  # the script column, after the n-grams
            indices[filled] = self.n_scripts * self.n_base_columns + np.asarray(scripts, dtype=np.int64)
            data[filled] = 1.0
            filled += 1
        for (matrix, extra_rows, start), counts in zip(extras, extra_counts, strict=True):
            row = np.repeat(extra_rows, counts)
            within = np.arange(matrix.nnz) - np.repeat(matrix.indptr[:-1], counts)
            at = filled[row] + within
            indices[at] = matrix.indices + start
            data[at] = matrix.data
            filled[extra_rows] += counts
        width = self.n_columns if routed else self.n_base_columns
        return sp.csr_matrix((data, indices, indptr), shape=(n, width))

    def transform(self, texts: Iterable[str], normalised: list[str] | None = None) -> sp.csr_matrix:
        """Shape (len(texts), n_columns): routed by script (see the module docstring) when the config has
        scripts, with each script layout's columns filled for that script's rows; else the same as
        ``base_transform``."""
        raw = [text or "" for text in texts]
        if not self.n_scripts:
            return self.base_transform(raw, normalised)
        if normalised is None:
            normalised = self.normalize_all(raw)
        words = [words_of(text) for text in normalised]  # shared by the word block and the stems
        blocks = self._blocks(raw, normalised, words)
        scripts = scripts_of(raw)
        extras = []
        for s, script in enumerate(self.config["scripts"]):
            if script not in self.layouts:
                continue
            rows = np.flatnonzero(scripts == s)
            if len(rows) == 0:
                continue
            everyone = len(rows) == len(raw)
            parts = self._layout_parts(
                script,
                raw if everyone else [raw[i] for i in rows],
                normalised if everyone else [normalised[i] for i in rows],
                own_only=True,
                words=words if everyone else [words[i] for i in rows],
            )
            start = self.layout_offset(script)
            for part in parts:
                extras.append((part, rows, start))
                start += part.shape[1]
        return self._assemble(blocks, scripts, extras, self._style(raw, scripts))
