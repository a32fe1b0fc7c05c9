"""Train the starting classifier that ships with Tandem (``make model``).

    python -m tandem.moderation.training --data ../shared/datasets --out tandem/moderation/model

Reads the four labelled sets (see ../shared/datasets/README.md), splits each 80/20 stratified with a fixed
seed, trains two heads on the training parts only and writes ``model.npz`` (numbers only, loaded with
allow_pickle=False) and ``TRAINING.md`` (data, split, sizes, held-out scores, command, date).

Heads: ``toxic`` = Russian toxic (2ch/pikabu) + Davidson (hate or offensive vs neither);
``spam`` = YouTube spam (all four videos) + tg-spam.

Each head is the logit average of two L2 logistic regressions (class_weight balanced) on the hashed features
of features.py: one on the plain features, one on features scaled by naive-Bayes log-count ratios (NB-SVM,
Wang & Manning 2012). Both are linear in the same features, so the ensemble folds into ONE coefficient vector
``(w_plain + r * w_nb) / 2`` and one intercept. C is picked by 3-fold CV on the training part (F1 of the
out-of-fold scores at the best threshold) and the threshold is the one maximising F1 of those out-of-fold
scores. Coefficients smaller than PRUNE in absolute value are dropped; the rest are stored as index/value
arrays (int32 / float16).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from joblib import Parallel, delayed
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score, precision_recall_fscore_support
from sklearn.model_selection import StratifiedKFold, train_test_split

from tandem.moderation.features import Featurizer

SEED = 20261126
TEST_SIZE = 0.2
C_GRID = (4.0, 16.0)
CV_FOLDS = 3
NB_ALPHA = 1.0
PRUNE = 1e-3
N_JOBS = 2
MODEL_VERSION = "tandem-moderation-1"
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


@dataclass
class Split:
    train: list[int]
    test: list[int]


@dataclass
class Head:
    name: str
    coef: np.ndarray  # dense float32, one weight per feature column
    intercept: float
    threshold: float
    C: float
    cv: dict = field(default_factory=dict)

    def decision(self, X: sp.csr_matrix) -> np.ndarray:
        return np.asarray(X @ self.coef, dtype=np.float64) + self.intercept

    def proba(self, X: sp.csr_matrix) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-self.decision(X)))


DATASETS = {
    "ru_toxic_2ch_pikabu": ("comments.csv", "toxic", "Russian toxic comments, label 1 = toxic"),
    "en_davidson_hate_offensive": ("tweets.csv", "toxic", "English tweets, class 0 or 1 (hate or offensive)"),
    "en_youtube_spam": ("comments.csv", "spam", "YouTube comments of 4 videos, label 1 = spam"),
    "ru_tg_spam_umputun": ("messages.csv", "spam", "Telegram group messages, label 1 = spam"),
}


def load_datasets(data_dir: Path) -> dict[str, Dataset]:
    out = {}
    for name, (filename, head, description) in DATASETS.items():
        with (Path(data_dir) / name / filename).open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
        texts = [row["text"] or "" for row in rows]
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


def _fit_linear(X: sp.csr_matrix, y: np.ndarray, C: float) -> tuple[np.ndarray, float]:
    """Logit average of plain LR and NB-scaled LR, folded into one weight vector."""
    plain = LogisticRegression(C=C, solver="liblinear", class_weight="balanced", max_iter=1000).fit(X, y)
    ratios = nb_ratios(X, y)
    scaled = X @ sp.diags(ratios)
    nb = LogisticRegression(C=C, solver="liblinear", class_weight="balanced", max_iter=1000).fit(scaled, y)
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


def fit_head(name: str, X: sp.csr_matrix, y: np.ndarray, c_grid=C_GRID, seed: int = SEED) -> Head:
    """Pick C and the threshold by CV on (X, y), then fit on all of (X, y)."""
    folds = list(StratifiedKFold(CV_FOLDS, shuffle=True, random_state=seed).split(np.zeros(len(y)), y))
    jobs = [(C, fold) for C in c_grid for fold in range(len(folds))]
    # liblinear releases the GIL: threads share X without copying it
    fitted = Parallel(n_jobs=N_JOBS, prefer="threads")(
        delayed(_fit_linear)(X[folds[fold][0]], y[folds[fold][0]], C) for C, fold in jobs
    )
    cv = {}
    for C in c_grid:
        oof = np.zeros(len(y))
        for (job_c, fold), (coef, intercept) in zip(jobs, fitted, strict=True):
            if job_c == C:
                valid = folds[fold][1]
                oof[valid] = 1.0 / (1.0 + np.exp(-(X[valid] @ coef + intercept)))
        cv[C] = best_threshold(y, oof)
    C = max(cv, key=lambda c: cv[c][1])
    coef, intercept = _fit_linear(X, y, C)
    coef[np.abs(coef) < PRUNE] = 0.0
    return Head(
        name, coef, intercept, cv[C][0], C, {str(c): {"threshold": t, "f1": s} for c, (t, s) in cv.items()}
    )


def scores(y: np.ndarray, predicted: np.ndarray) -> dict:
    p, r, f, _ = precision_recall_fscore_support(y, predicted, average="binary", zero_division=0)
    return {"precision": round(float(p), 4), "recall": round(float(r), 4), "f1": round(float(f), 4)}


def save(heads: dict[str, Head], config: dict, out_dir: Path, normalizer: str) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    names = sorted(heads)
    arrays = {
        "version": np.array(MODEL_VERSION),
        "config": np.array(json.dumps(config, sort_keys=True)),
        "normalizer": np.array(normalizer),
        "heads": np.array(names),
        "intercepts": np.array([heads[n].intercept for n in names], dtype=np.float32),
        "thresholds": np.array([heads[n].threshold for n in names], dtype=np.float32),
    }
    for name in names:
        nz = np.flatnonzero(heads[name].coef)
        arrays[f"{name}_index"] = nz.astype(np.int32)
        arrays[f"{name}_value"] = heads[name].coef[nz].astype(np.float16)
    path = out_dir / MODEL_FILE
    np.savez_compressed(path, **arrays)
    return path


def train_all(data_dir: Path, featurizer: Featurizer | None = None):
    """Split every dataset, fit both heads on the training parts. Returns (datasets, splits, heads, X)."""
    featurizer = featurizer or Featurizer()
    datasets = load_datasets(data_dir)
    splits = {name: split(ds) for name, ds in datasets.items()}
    matrices = {name: featurizer.transform(ds.texts) for name, ds in datasets.items()}
    heads = {}
    for head in ("toxic", "spam"):
        names = [n for n, ds in datasets.items() if ds.head == head]
        X = sp.vstack([matrices[n][splits[n].train] for n in names], format="csr")
        y = np.concatenate([datasets[n].labels[splits[n].train] for n in names])
        heads[head] = fit_head(head, X, y)
    return datasets, splits, heads, matrices


def report(datasets, splits, heads, matrices, normalizer: str, model_path: Path, command: str) -> str:
    size = model_path.stat().st_size
    lines = [
        "# Shipped moderation classifier: training report",
        "",
        f"- Version: `{MODEL_VERSION}`; file `{model_path.name}` ({size / 1e6:.2f} MB, numpy .npz, no pickle).",
        f"- Trained: {dt.date.today().isoformat()} with `{command}`.",
        f"- Normaliser used for the features: `{normalizer}`.",
        "- Features: hashed (MurmurHash3) word 1-2 grams and char_wb 2-5 grams of the normalised text, "
        "2^19 columns each, sublinear tf, L2 per block and per row (tandem/moderation/features.py).",
        "- Model per head: logit average of logistic regression and NB-scaled logistic regression "
        "(class_weight balanced), folded into one sparse coefficient vector (tandem/moderation/training.py).",
        f"- Split: each dataset 80/20 stratified, seed {SEED}; only the 80 % training parts are used for "
        "fitting, C choice and threshold (3-fold CV out-of-fold scores, threshold maximising F1).",
        "",
        "| head | C | threshold | CV F1 on training part | non-zero coefficients |",
        "|---|---|---|---|---|",
    ]
    for name, head in heads.items():
        cv_f1 = head.cv[str(head.C)]["f1"]
        nnz = int(np.count_nonzero(head.coef))
        lines.append(f"| {name} | {head.C:g} | {head.threshold:.2f} | {cv_f1:.4f} | {nnz:,} |")
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
        s = scores(y, head.proba(matrices[name][test]) >= head.threshold)
        lines.append(
            f"| {name} | {ds.head} | {len(splits[name].train):,} | {len(test):,} ({int(y.sum()):,}) | "
            f"{s['precision']:.4f} | {s['recall']:.4f} | {s['f1']:.4f} |"
        )
    lines += [
        "",
        "Data: ../shared/datasets (development part; see its README and each SOURCE.txt). Davidson: positive = "
        "class 0 or 1 (hate or offensive), negative = class 2 (neither). YouTube: all four videos' training "
        "parts; the leave-one-video-out figures are in bench/moderation.py. Nothing at run time reads "
        "../shared: the classifier loads only this folder's model.npz.",
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
