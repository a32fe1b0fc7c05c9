"""Train the starting classifier that ships with Tandem (``make model``).

    python -m tandem.moderation.training --data ../shared/datasets --out tandem/moderation/model

Reads the four labelled sets (see ../shared/datasets/README.md; the two stored as HTML decoded to plain
text, HTML_DATASETS), splits each 80/20 stratified with a fixed seed, trains two heads on the training parts
only and writes ``model.npz`` (numbers only, loaded with allow_pickle=False) and ``TRAINING.md`` (data,
split, sizes, held-out scores, command, date).

Heads: ``toxic`` = Russian toxic (2ch/pikabu) + Davidson (hate or offensive vs neither);
``spam`` = YouTube spam (all four videos) + tg-spam. The spam head also learns a sample of the toxic sets as
negatives (``training_rows``, NEGATIVES_FROM), so it keeps quiet on ordinary social-media talk.

Per script (features.script_of: mostly Cyrillic or mostly Latin letters) a head has its own linear model
and its own threshold (Russian and English toxicity share next to nothing, and one model with one threshold
served both badly; see LAYOUT for spam). Each script's threshold is folded into that script's
intercept, so every head's probabilities cross 0.5 exactly at the per-script threshold: the model file's
head thresholds are all THRESHOLD = 0.5.

Each linear model is the logit average of two L2 logistic regressions (class_weight balanced, liblinear
dual) on the hashed features of features.py: one on the plain features, one on features scaled by
naive-Bayes log-count ratios (NB-SVM, Wang & Manning 2012). Both are linear in the same features, so the
ensemble folds into ONE coefficient vector ``(w_plain + r * w_nb) / 2`` and one intercept. C is picked by
3-fold CV on the training part (F1 of the out-of-fold scores at the best threshold) and each script's
threshold is the one maximising F1 of that script's out-of-fold scores. Coefficients smaller than PRUNE in
absolute value are dropped; the rest are stored as index/value arrays (int32 / float16).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import sys
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score, precision_recall_fscore_support
from sklearn.model_selection import StratifiedKFold, cross_val_predict, train_test_split
from sklearn.naive_bayes import MultinomialNB
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from tandem.moderation.features import SCRIPTS, STYLE_WEIGHT, Featurizer, scripts_of

SEED = 20261126
TEST_SIZE = 0.2
C_GRID = (8.0, 32.0)
# Per head. The spam sets are small, so a wide grid costs little there. The toxic grid stops at 32: CV
# F1 on the Russian part is flat above it (0.8533 at 32, 0.8539 at 128), while a larger C leans harder on
# the raw-text char n-grams and disguised toxic rows (homoglyphs, separators, leetspeak) lose recall.
C_GRIDS = {"toxic": (8.0, 32.0), "spam": (2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0)}
CV_FOLDS = 3
NB_ALPHA = 1.0
PRUNE = 1e-3
THRESHOLD = 0.5  # every head's threshold once the per-script thresholds are folded into the intercepts
MIN_PART_ROWS = 100  # a script with fewer training rows (or one class) borrows another script's model
# One model per script (thresholds per script too). The spam head used to share one model: the Russian
# spam set is small. Its own Cyrillic part raised the CV F1 of both scripts (Cyrillic 0.957 -> 0.963,
# Latin 0.965 -> 0.969 on the training part) and held-out tg-spam F1 from 0.936 to 0.958.
LAYOUT = {"toxic": "per_script", "spam": "per_script"}
# head -> scripts whose part is stacked on that script's column layout (features.LAYOUTS; fit_stacked_part)
STACKED = {"toxic": ("cyrillic",)}
STACK_C = 16.0  # each block's base models
STACK_MNB_ALPHA = 0.1
STACK_META_C = 1.0
STACK_META_FOLDS = 5  # the meta-model's out-of-fold scores, for the threshold
# The spam head also learns the toxic head's sets as negatives (their training parts only; a hateful tweet is
# not an advert): trained on adverts and YouTube comments alone, it flagged 65 % of Davidson's held-out tweets
# (their @mentions and links look like adverts). Not the other way round: the spam sets' ordinary messages
# are not labelled for toxicity, and about half of the YouTube ham the toxic head flags is abuse or swearing
# indeed ("FUCK YOU", "worthless ... bastard"), most of the tg-spam rows it flags adult adverts. At most
# CROSS_NEGATIVES_MAX rows per set (a seeded sample): of 300, 1,000 and 2,000, 1,000 gave the spam head the
# best mean out-of-fold F1 on its own training rows (Cyrillic 0.955 / 0.963 / 0.955, Latin 0.963 / 0.966 /
# 0.968).
NEGATIVES_FROM = {"spam": "toxic"}
CROSS_NEGATIVES_MAX = 1000
MODEL_VERSION = "tandem-moderation-6"
MODEL_FILE = "model.npz"

csv.field_size_limit(sys.maxsize)


@dataclass
class Dataset:
    name: str
    head: str
    texts: list[str]
    labels: np.ndarray
    groups: list[str] | None = None  # YouTube: the video each comment belongs to
    description: str = ""

    @property
    def scripts(self) -> np.ndarray:
        return scripts_of(self.texts)


@dataclass
class Split:
    train: list[int]
    test: list[int]


@dataclass
class Features:
    """A batch's features for training: ``base`` (Featurizer.base_transform) and, per script with a column
    layout, ``layouts[script]`` (Featurizer.layout_transform; rows of other scripts are left empty)."""

    base: sp.csr_matrix
    layouts: dict[str, sp.csr_matrix] = field(default_factory=dict)

    def __len__(self) -> int:
        return self.base.shape[0]

    def take(self, rows) -> Features:
        return Features(self.base[rows], {script: X[rows] for script, X in self.layouts.items()})

    def of(self, part: Part) -> sp.csr_matrix:
        return self.layouts[part.layout] if part.layout else self.base

    @staticmethod
    def stack(items: list[Features]) -> Features:
        layouts = {
            script: sp.vstack([f.layouts[script] for f in items], format="csr") for script in items[0].layouts
        }
        return Features(sp.vstack([f.base for f in items], format="csr"), layouts)


def featurize(featurizer: Featurizer, texts: list[str], layouts: tuple[str, ...] | None = None) -> Features:
    """Base features of every text, and each layout's features (``layouts``: default every layout of the
    featurizer) for the texts of that layout's script."""
    raw = [text or "" for text in texts]
    normalised = featurizer.normalize_all(raw)
    scripts = scripts_of(raw)
    out = Features(featurizer.base_transform(raw, normalised))
    for script in featurizer.layouts if layouts is None else layouts:
        rows = np.flatnonzero(scripts == SCRIPTS.index(script))
        X = featurizer.layout_transform(script, [raw[i] for i in rows], [normalised[i] for i in rows])
        counts = np.zeros(len(raw), dtype=np.int64)
        counts[rows] = np.diff(X.indptr)
        indptr = np.concatenate([[0], np.cumsum(counts)])
        out.layouts[script] = sp.csr_matrix((X.data, X.indices, indptr), shape=(len(raw), X.shape[1]))
    return out


@dataclass
class Part:
    """One linear model: a dense float32 weight per feature column and an intercept. ``layout``: None for a
    model over the base columns (Featurizer.base_transform), else the script whose column layout it is
    fitted on (Featurizer.layout_transform: blocks, then ``n_dense`` dense columns)."""

    name: str
    coef: np.ndarray
    intercept: float
    C: float
    rows: int
    cv: dict = field(default_factory=dict)
    layout: str | None = None
    n_dense: int = 0


@dataclass
class Head:
    name: str
    parts: list[Part]
    routing: list[int]  # per script (features.SCRIPTS): index into parts
    script_thresholds: list[float]  # per script: the F1-best threshold of the out-of-fold scores
    script_cv_f1: list[float | None]
    threshold: float = THRESHOLD

    @property
    def intercepts(self) -> np.ndarray:
        """Per script: the routed part's intercept shifted so that its threshold lands on self.threshold."""
        shift = [_logit(self.threshold) - _logit(t) for t in self.script_thresholds]
        return np.array([self.parts[self.routing[s]].intercept + shift[s] for s in range(len(SCRIPTS))])

    def decision(self, X: Features | sp.csr_matrix, scripts: np.ndarray) -> np.ndarray:
        X = X if isinstance(X, Features) else Features(X)
        out = np.empty(len(X), dtype=np.float64)
        intercepts = self.intercepts
        for s in range(len(SCRIPTS)):
            rows = np.flatnonzero(scripts == s)
            if len(rows):
                part = self.parts[self.routing[s]]
                out[rows] = np.asarray(X.of(part)[rows] @ part.coef) + intercepts[s]
        return out

    def proba(self, X: Features | sp.csr_matrix, scripts: np.ndarray) -> np.ndarray:
        return _sigmoid(self.decision(X, scripts))


def _logit(p: float) -> float:
    return float(np.log(p / (1.0 - p)))


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -50.0, 50.0)))


DATASETS = {
    "ru_toxic_2ch_pikabu": ("comments.csv", "toxic", "Russian toxic comments, label 1 = toxic"),
    "en_davidson_hate_offensive": ("tweets.csv", "toxic", "English tweets, class 0 or 1 (hate or offensive)"),
    "en_youtube_spam": ("comments.csv", "spam", "YouTube comments of 4 videos, label 1 = spam"),
    "ru_tg_spam_umputun": ("messages.csv", "spam", "Telegram group messages, label 1 = spam"),
}


# Sets whose texts are stored as HTML, not as their authors typed them: YouTube's comments carry tags
# (<br />, <a href=...>) and entities, and 87 % end with U+FEFF, which no other set has; Davidson's tweets
# carry entities (&amp;, &#128514; for 😂). Platforms hand Tandem plain text, so the classifier learns from
# the plain text. Learnt raw, with the tweets as negatives the spam head could tell YouTube comments from
# them by the export's marks alone (U+FEFF), not by what was written (bench/moderation.py, leave one video out:
# 0.9495 raw, 0.9541 decoded).
HTML_DATASETS = {"en_youtube_spam", "en_davidson_hate_offensive"}


class _PlainText(HTMLParser):
    """The text of an HTML fragment as its author typed it: entities decoded, tags dropped (a link keeps
    its text, which YouTube made from the typed URL or time), a line break a newline."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag == "br":
            self.parts.append("\n")

    handle_startendtag = handle_starttag


def plain_text(fragment: str) -> str:
    parser = _PlainText()
    parser.feed(fragment)
    parser.close()
    return "".join(parser.parts).replace("\ufeff", "")


def load_datasets(data_dir: Path, decode_html: bool = True) -> dict[str, Dataset]:
    """Every labelled set; ``decode_html=False`` keeps the HTML sets' texts as stored (the benchmark scores
    them too, as an export of them would come)."""
    out = {}
    for name, (filename, head, description) in DATASETS.items():
        with (Path(data_dir) / name / filename).open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
        texts = [row["text"] or "" for row in rows]
        if decode_html and name in HTML_DATASETS:
            texts = [plain_text(text) for text in texts]
        if name == "en_davidson_hate_offensive":
            labels = [1 if row["class"] in ("0", "1") else 0 for row in rows]
        else:
            labels = [int(float(row["label"])) for row in rows]
        groups = [row["video"] for row in rows] if name == "en_youtube_spam" else None
        out[name] = Dataset(name, head, texts, np.asarray(labels, dtype=np.int8), groups, description)
    return out


def split(dataset: Dataset, seed: int = SEED) -> Split:
    """80/20 stratified split of one dataset, reproducible (fixed seed)."""
    index = np.arange(len(dataset.texts))
    train, test = train_test_split(index, test_size=TEST_SIZE, stratify=dataset.labels, random_state=seed)
    return Split(sorted(train.tolist()), sorted(test.tolist()))


def nb_ratios(X: sp.csr_matrix, y: np.ndarray, alpha: float = NB_ALPHA) -> np.ndarray:
    binary = X.copy()
    binary.data[:] = 1.0
    pos = alpha + np.asarray(binary[y == 1].sum(axis=0)).ravel()
    neg = alpha + np.asarray(binary[y == 0].sum(axis=0)).ravel()
    return np.log((pos / pos.sum()) / (neg / neg.sum())).astype(np.float32)


def _lr(C: float) -> LogisticRegression:
    # dual liblinear: same optimum as the primal one, several times faster with far more columns than rows;
    # its coordinate descent visits the rows in a random order, seeded so that `make model` is repeatable
    return LogisticRegression(
        C=C, solver="liblinear", dual=True, class_weight="balanced", max_iter=2000, random_state=SEED
    )


def _fit_linear(X: sp.csr_matrix, y: np.ndarray, C: float) -> tuple[np.ndarray, float]:
    """Logit average of plain LR and NB-scaled LR, folded into one weight vector."""
    plain = _lr(C).fit(X, y)
    ratios = nb_ratios(X, y)
    nb = _lr(C).fit(X @ sp.diags(ratios), y)
    coef = (plain.coef_.ravel() + ratios * nb.coef_.ravel()) / 2.0
    intercept = float(plain.intercept_[0] + nb.intercept_[0]) / 2.0
    return coef.astype(np.float32), intercept


def best_threshold(y: np.ndarray, proba: np.ndarray) -> tuple[float, float]:
    best = (0.5, -1.0)
    for threshold in np.arange(0.05, 0.951, 0.01):
        score = f1_score(y, proba >= threshold, zero_division=0)
        if score > best[1]:
            best = (float(round(threshold, 2)), float(score))
    return best


def fit_part(name: str, X: sp.csr_matrix, y: np.ndarray, c_grid=C_GRID, seed: int = SEED, scored=None):
    """Pick C by CV on (X, y), fit on all of it. Returns (part, out-of-fold probabilities at that C).
    ``scored``: the rows whose out-of-fold scores choose C (default all; fit_head)."""
    scored = _all_rows(y) if scored is None else scored
    folds = list(StratifiedKFold(CV_FOLDS, shuffle=True, random_state=seed).split(np.zeros(len(y)), y))
    cv, oofs = {}, {}
    for C in c_grid:
        oof = np.zeros(len(y))
        for train, valid in folds:
            coef, intercept = _fit_linear(X[train], y[train], C)
            oof[valid] = _sigmoid(np.asarray(X[valid] @ coef) + intercept)
        cv[C], oofs[C] = best_threshold(y[scored], oof[scored]), oof
    C = max(cv, key=lambda c: cv[c][1])
    coef, intercept = _fit_linear(X, y, C)
    coef[np.abs(coef) < PRUNE] = 0.0
    report = {str(c): {"threshold": t, "f1": s} for c, (t, s) in cv.items()}
    return Part(name, coef, intercept, C, len(y), report), oofs[C]


def _stack_base_models(X: sp.csr_matrix, y: np.ndarray) -> list[tuple[np.ndarray, float]]:
    """One block's three base models, each as (weights, intercept): plain LR, NB-scaled LR (weights folded
    back to X's columns) and multinomial naive Bayes (log-probability differences, log prior ratio)."""
    plain = _lr(STACK_C).fit(X, y)
    ratios = nb_ratios(X, y)
    nb = _lr(STACK_C).fit(X @ sp.diags(ratios), y)
    mnb = MultinomialNB(alpha=STACK_MNB_ALPHA).fit(X, y)
    return [
        (plain.coef_.ravel(), float(plain.intercept_[0])),
        (ratios * nb.coef_.ravel(), float(nb.intercept_[0])),
        (
            mnb.feature_log_prob_[1] - mnb.feature_log_prob_[0],
            float(mnb.class_log_prior_[1] - mnb.class_log_prior_[0]),
        ),
    ]


@dataclass
class Stack:
    """The unfolded stacked model (for tests): per block the base models, the dense columns, the meta-model."""

    blocks: list[list[tuple[np.ndarray, float]]]
    meta: object  # sklearn Pipeline(StandardScaler, LogisticRegression)
    n_features: int
    n_dense: int

    def meta_inputs(self, X: sp.csr_matrix) -> np.ndarray:
        width = self.n_features
        logits = [
            np.asarray(X[:, j * width : (j + 1) * width] @ w).ravel() + b
            for j, models in enumerate(self.blocks)
            for w, b in models
        ]
        dense = X[:, X.shape[1] - self.n_dense :].toarray()
        return np.column_stack([*logits, dense])

    def decision(self, X: sp.csr_matrix) -> np.ndarray:
        return self.meta.decision_function(self.meta_inputs(X))


def fit_stacked_part(
    name: str, X: sp.csr_matrix, y: np.ndarray, n_blocks: int, n_dense: int, seed: int = SEED, scored=None
) -> tuple[Part, np.ndarray, Stack]:
    """A stacked model on a column layout (Featurizer.layout_transform: ``n_blocks`` hashed blocks, then
    ``n_dense`` dense columns), folded into one linear part.

    Per block, three base models at C = STACK_C (``_stack_base_models``); their CV_FOLDS-fold out-of-fold
    logits (3 per block) and the dense columns feed a meta-model, StandardScaler + logistic regression
    (C = STACK_META_C) fitted on all rows; the threshold is the F1-best one of the meta-model's
    STACK_META_FOLDS-fold out-of-fold probabilities. Every piece is linear in the columns, so the meta-model
    over the base models refitted on all rows is one weight vector: block j's weights are
    sum_k a_jk * w_jk, the dense columns' weights are theirs in the meta-model, the intercept
    b + sum_jk a_jk * c_jk, with a = meta coefficient / scale and b = meta intercept - sum(a * mean).
    Block weights below PRUNE in absolute value are dropped. ``scored``: the rows whose out-of-fold
    probabilities give the reported F1 (default all; fit_head). Returns (part, the meta-model's out-of-fold
    probabilities, the unfolded stack)."""
    scored = _all_rows(y) if scored is None else scored
    width = (X.shape[1] - n_dense) // n_blocks
    blocks = [X[:, j * width : (j + 1) * width] for j in range(n_blocks)]
    dense = X[:, n_blocks * width :].toarray()
    folds = list(StratifiedKFold(CV_FOLDS, shuffle=True, random_state=seed).split(np.zeros(len(y)), y))
    columns, fitted = [], []
    for block in blocks:
        oof = np.zeros((len(y), 3))
        for train, valid in folds:
            for k, (w, b) in enumerate(_stack_base_models(block[train], y[train])):
                oof[valid, k] = np.asarray(block[valid] @ w).ravel() + b
        columns.append(oof)
        fitted.append(_stack_base_models(block, y))
    Z = np.hstack([*columns, dense])
    meta = make_pipeline(StandardScaler(), LogisticRegression(C=STACK_META_C, max_iter=2000))
    meta_folds = StratifiedKFold(STACK_META_FOLDS, shuffle=True, random_state=seed)
    oof = cross_val_predict(meta, Z, y, cv=meta_folds, method="predict_proba")[:, 1]
    threshold, f1 = best_threshold(y[scored], oof[scored])
    meta.fit(Z, y)
    scaler, regression = meta[0], meta[1]
    a = regression.coef_[0] / scaler.scale_
    intercept = float(regression.intercept_[0] - np.sum(regression.coef_[0] * scaler.mean_ / scaler.scale_))
    coef = np.zeros(X.shape[1], dtype=np.float64)
    for j, models in enumerate(fitted):
        for k, (w, b) in enumerate(models):
            coef[j * width : (j + 1) * width] += a[3 * j + k] * w
            intercept += float(a[3 * j + k] * b)
    coef[n_blocks * width :] = a[3 * n_blocks :]
    coef = coef.astype(np.float32)
    grams = coef[: n_blocks * width]
    grams[np.abs(grams) < PRUNE] = 0.0
    report = {str(STACK_C): {"threshold": threshold, "f1": f1}}
    part = Part(name, coef, intercept, STACK_C, len(y), report, n_dense=n_dense)
    return part, oof, Stack(fitted, meta, width, n_dense)


def _all_rows(y: np.ndarray) -> np.ndarray:
    return np.ones(len(y), dtype=bool)


def _usable(y: np.ndarray) -> bool:
    return len(y) >= MIN_PART_ROWS and 0 < int(y.sum()) < len(y)


def fit_head(
    name: str,
    X: Features | sp.csr_matrix,
    y: np.ndarray,
    scripts: np.ndarray,
    layout: str | None = None,
    c_grid=None,
    featurizer: Featurizer | None = None,
    scored: np.ndarray | None = None,
) -> Head:
    """Fit a head on (X, y): one part per script ("per_script") or one for all ("shared"), thresholds per
    script from out-of-fold scores. A script without enough rows of both classes uses the largest part and
    the pooled threshold. A per-script part listed in STACKED is fitted by fit_stacked_part on that script's
    column layout (X must carry it: ``featurize``; ``featurizer`` tells its blocks, default Featurizer()).
    ``scored`` (a boolean mask, default all rows): the rows whose out-of-fold scores choose C and the
    thresholds. The other rows are only learnt from: the other head's sets, taken as negatives, would
    otherwise pull the thresholds towards texts the head is never judged on."""
    layout = layout or LAYOUT[name]
    c_grid = c_grid or C_GRIDS.get(name, C_GRID)
    X = X if isinstance(X, Features) else Features(X)
    y = np.asarray(y)
    scripts = np.asarray(scripts)
    scored = _all_rows(y) if scored is None else np.asarray(scored, dtype=bool)
    parts: list[Part] = []
    routing: list[int | None] = [None] * len(SCRIPTS)
    oof = np.zeros(len(y))
    if layout == "per_script":
        for s, script in enumerate(SCRIPTS):
            rows = np.flatnonzero(scripts == s)
            if not _usable(y[rows]):
                continue
            if script in STACKED.get(name, ()) and script in X.layouts:
                featurizer = featurizer or Featurizer()
                blocks = len(featurizer.layouts[script]["blocks"])
                dense = len(featurizer.layouts[script].get("dense", ()))
                part, oof[rows], _stack = fit_stacked_part(
                    f"{name}_{script}", X.layouts[script][rows], y[rows], blocks, dense, scored=scored[rows]
                )
                part.layout = script
            else:
                part, oof[rows] = fit_part(
                    f"{name}_{script}", X.base[rows], y[rows], c_grid, scored=scored[rows]
                )
            routing[s] = len(parts)
            parts.append(part)
    if not parts:  # "shared", or no script had enough data for a model of its own
        part, oof = fit_part(name, X.base, y, c_grid, scored=scored)
        parts.append(part)
    if None in routing and all(part.layout for part in parts):  # a layout part serves its own script only
        part, _oof = fit_part(name, X.base, y, c_grid, scored=scored)
        parts.append(part)
    largest = max((i for i in range(len(parts)) if not parts[i].layout), key=lambda i: parts[i].rows)
    pooled = best_threshold(y[scored], oof[scored])
    thresholds, cv_f1 = [], []
    for s in range(len(SCRIPTS)):
        rows = np.flatnonzero((scripts == s) & scored)
        if routing[s] is None:
            routing[s] = largest
        if _usable(y[rows]):
            t, f = best_threshold(y[rows], oof[rows])
            thresholds.append(t)
            cv_f1.append(f)
        else:
            thresholds.append(pooled[0])
            cv_f1.append(None)
    return Head(name, parts, [int(r) for r in routing], thresholds, cv_f1)


def scores(y: np.ndarray, predicted: np.ndarray) -> dict:
    p, r, f, _ = precision_recall_fscore_support(y, predicted, average="binary", zero_division=0)
    return {"precision": round(float(p), 4), "recall": round(float(r), 4), "f1": round(float(f), 4)}


def save(heads: dict[str, Head], config: dict, out_dir: Path, normalizer: str) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    names = sorted(heads)
    parts = [part for name in names for part in heads[name].parts]
    offsets = np.cumsum([0] + [len(heads[name].parts) for name in names])
    arrays = {
        "version": np.array(MODEL_VERSION),
        "config": np.array(json.dumps(config, sort_keys=True)),
        "normalizer": np.array(normalizer),
        "heads": np.array(names),
        "scripts": np.array(SCRIPTS),
        "parts": np.array([part.name for part in parts]),
        # per head and script: which part scores it, and the intercept (threshold shift folded in)
        "routing": np.array(
            [[offsets[i] + r for r in heads[n].routing] for i, n in enumerate(names)], np.int32
        ),
        "intercepts": np.array([heads[n].intercepts for n in names], dtype=np.float32),
        "thresholds": np.array([heads[n].threshold for n in names], dtype=np.float32),
        "script_thresholds": np.array([heads[n].script_thresholds for n in names], dtype=np.float32),
        # per part: "" (over the base columns) or the script whose column layout it is fitted on
        "part_layouts": np.array([part.layout or "" for part in parts]),
    }
    for part in parts:
        grams = part.coef[: len(part.coef) - part.n_dense]
        nz = np.flatnonzero(grams)
        arrays[f"{part.name}_index"] = nz.astype(np.int32)
        arrays[f"{part.name}_value"] = grams[nz].astype(np.float16)
        arrays[f"{part.name}_dense"] = part.coef[len(grams) :].astype(
            np.float32
        )  # the layout's dense columns
    path = out_dir / MODEL_FILE
    np.savez_compressed(path, **arrays)
    return path


def training_rows(
    head: str,
    datasets: dict[str, Dataset],
    splits: dict[str, Split],
    rows: dict[str, list[int]] | None = None,
) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """What ``head`` is fitted on, as (dataset, row indices, labels): the training part of each of its own
    datasets with their labels, and up to CROSS_NEGATIVES_MAX rows (a seeded sample) of the training part of
    each dataset of the head NEGATIVES_FROM names as negatives. ``rows``: other rows to take for a dataset
    of the head's own (the benchmark's leave-one-video-out folds)."""
    out = []
    for name, dataset in datasets.items():
        index = np.asarray((rows or {}).get(name, splits[name].train))
        if dataset.head == head:
            out.append((name, index, dataset.labels[index]))
            continue
        if dataset.head != NEGATIVES_FROM.get(head):
            continue
        if len(index) > CROSS_NEGATIVES_MAX:
            index = np.sort(np.random.default_rng(SEED).choice(index, CROSS_NEGATIVES_MAX, replace=False))
        out.append((name, index, np.zeros(len(index), dtype=dataset.labels.dtype)))
    return out


def fit_on_rows(head: str, parts, datasets, matrices, featurizer: Featurizer) -> Head:
    """Fit ``head`` on ``training_rows``' parts; C and the thresholds are chosen on its own sets' rows."""
    X = Features.stack([matrices[name].take(index) for name, index, _y in parts])
    y = np.concatenate([labels for _name, _index, labels in parts])
    scripts = np.concatenate([datasets[name].scripts[index] for name, index, _y in parts])
    scored = np.concatenate([np.full(len(index), datasets[name].head == head) for name, index, _y in parts])
    return fit_head(head, X, y, scripts, featurizer=featurizer, scored=scored)


def train_all(data_dir: Path, featurizer: Featurizer | None = None):
    """Split every dataset, fit both heads on the training parts. Returns (datasets, splits, heads, X)."""
    featurizer = featurizer or Featurizer()
    datasets = load_datasets(data_dir)
    splits = {name: split(ds) for name, ds in datasets.items()}
    matrices = {name: featurize(featurizer, ds.texts) for name, ds in datasets.items()}
    heads = {
        head: fit_on_rows(head, training_rows(head, datasets, splits), datasets, matrices, featurizer)
        for head in ("toxic", "spam")
    }
    return datasets, splits, heads, matrices


def report(datasets, splits, heads, matrices, normalizer: str, model_path: Path, command: str) -> str:
    size = model_path.stat().st_size
    grids = "; ".join(f"{head} {', '.join(f'{c:g}' for c in grid)}" for head, grid in C_GRIDS.items())
    lines = [
        "# Shipped moderation classifier: training report",
        "",
        f"- Version: `{MODEL_VERSION}`; file `{model_path.name}` ({size / 1e6:.2f} MB, numpy .npz, no pickle).",
        f"- Trained: {dt.date.today().isoformat()} with `{command}`.",
        f"- Normaliser used for the features: `{normalizer}`.",
        "- Features: hashed (MurmurHash3) word 1-2 grams and char_wb 2-5 grams of the normalised text and "
        "char 1-5 grams of the raw text (case kept), 2^19 columns each, sublinear tf, L2 per block and per row "
        "(tandem/moderation/features.py); then, for Latin-script texts, style columns of the raw text (a link, "
        f"length, capitals, digits, '!', '@', '?'; weight {STYLE_WEIGHT:g}). The Cyrillic column layout "
        "(features.LAYOUTS) adds word 1-2 grams of the Russian stems (PyStemmer) of the normalised words and "
        "char_wb 3-5 grams of the stemmed text, and log(1 + characters), log(1 + words); its blocks are "
        "L2-normalised each, not per row.",
        "- Each text is routed by script (mostly Cyrillic / mostly Latin letters): each head has one "
        "linear model per script; every script has its own threshold, folded "
        f"into its intercept, so each head's probabilities cross {THRESHOLD} at that threshold "
        "(model.thresholds are all 0.5).",
        "- Each linear model: logit average of logistic regression and NB-scaled logistic regression "
        "(class_weight balanced), folded into one sparse coefficient vector (tandem/moderation/training.py).",
        f"- Stacked parts ({', '.join(f'{h} {s}' for h, ss in STACKED.items() for s in ss)}): on the script's "
        f"column layout, per block (char_wb, raw char, stem words, stem char_wb) logistic regression, "
        f"NB-scaled logistic regression (C {STACK_C:g}) and multinomial naive Bayes (alpha {STACK_MNB_ALPHA:g}); "
        f"their {CV_FOLDS}-fold out-of-fold logits and the two dense columns feed a standardised logistic "
        f"regression (C {STACK_META_C:g}); threshold from its {STACK_META_FOLDS}-fold out-of-fold scores. All "
        "linear, so folded into one weight vector per block, dense weights and an intercept "
        f"(weights below {PRUNE:g} dropped).",
        f"- Split: each dataset 80/20 stratified, seed {SEED}; only the 80 % training parts are used for "
        f"fitting, C choice (grid per head: {grids}) and thresholds ({CV_FOLDS}-fold CV "
        "out-of-fold scores, threshold maximising F1 per script). "
        + "".join(
            f"The {head} head also learns up to {CROSS_NEGATIVES_MAX:,} rows (a seeded sample) of the training "
            f"part of each {other} set as negatives; they are only learnt from: its C, thresholds and "
            "out-of-fold F1 below are on its own sets' rows. "
            for head, other in NEGATIVES_FROM.items()
        ).rstrip(),
        "",
        "| head | model | training rows | C | CV F1 on training part | non-zero coefficients |",
        "|---|---|---|---|---|---|",
    ]
    for name, head in heads.items():
        for part in head.parts:
            cv_f1 = part.cv[str(part.C)]["f1"]
            nnz = int(np.count_nonzero(part.coef))
            lines.append(f"| {name} | {part.name} | {part.rows:,} | {part.C:g} | {cv_f1:.4f} | {nnz:,} |")
    lines += [
        "",
        "| head | script | model | threshold (out-of-fold) | out-of-fold F1 |",
        "|---|---|---|---|---|",
    ]
    for name, head in heads.items():
        for s, script in enumerate(SCRIPTS):
            f = head.script_cv_f1[s]
            lines.append(
                f"| {name} | {script} | {head.parts[head.routing[s]].name} | {head.script_thresholds[s]:.2f} | "
                f"{'-' if f is None else f'{f:.4f}'} |"
            )
    lines += [
        "",
        "Held-out 20 % of each dataset (never seen in training), at the head's threshold:",
        "",
        "| dataset | head | train rows | held-out rows (positive) | precision | recall | F1 |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, ds in datasets.items():
        head = heads[ds.head]
        test = splits[name].test
        y = ds.labels[test]
        s = scores(y, head.proba(matrices[name].take(test), ds.scripts[test]) >= head.threshold)
        lines.append(
            f"| {name} | {ds.head} | {len(splits[name].train):,} | {len(test):,} ({int(y.sum()):,}) | "
            f"{s['precision']:.4f} | {s['recall']:.4f} | {s['f1']:.4f} |"
        )
    lines += [
        "",
        "The other head on the same held-out rows. The spam head on a toxic set: ordinary talk taken for "
        "adverts. The toxic head on a spam set: those sets are not labelled for abuse, and much of what it "
        "flags there is abuse, swearing or adult adverts (see NEGATIVES_FROM in training.py).",
        "",
        "| dataset | other head | held-out rows flagged |",
        "|---|---|---|",
    ]
    for name, ds in datasets.items():
        other = next(head for head in heads if head != ds.head)
        test = splits[name].test
        flagged = heads[other].proba(matrices[name].take(test), ds.scripts[test]) >= heads[other].threshold
        lines.append(f"| {name} | {other} | {flagged.mean():.1%} |")
    lines += [
        "",
        "Data: ../shared/datasets (development part; see its README and each SOURCE.txt). Davidson: positive = "
        "class 0 or 1 (hate or offensive), negative = class 2 (neither). The YouTube and Davidson texts are "
        "stored as HTML; they are learnt and scored as plain text (entities decoded, tags dropped, YouTube's "
        "trailing U+FEFF removed: training.plain_text). YouTube: all four videos' training "
        "parts; the leave-one-video-out figures, and the comparison with a tuned TF-IDF + logistic regression "
        "baseline, are in bench/moderation.py. Nothing at run time reads ../shared: the classifier loads only "
        "this folder's model.npz.",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/datasets"))
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "model")
    args = parser.parse_args(argv)
    featurizer = Featurizer()
    datasets, splits, heads, matrices = train_all(args.data, featurizer)
    path = save(heads, featurizer.config, args.out, featurizer.normalizer_name)
    command = "python -m tandem.moderation.training --data ../shared/datasets --out tandem/moderation/model"
    text = report(datasets, splits, heads, matrices, featurizer.normalizer_name, path, command)
    (args.out / "TRAINING.md").write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
