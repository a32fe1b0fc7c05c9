"""The workspace's own classifier: the shipped one, retrained from the team's review decisions.

Labels are the team's decisions on comments (Comment.label): "ok" is a negative for every head, "toxic" a
positive for the toxic head, "spam" for the spam head. A stratified quarter of them (fixed seed) is held out
and never fitted on; it measures the shipped model and the new one side by side, so the models page shows
whether retraining helped.

Each retrained head is a small L2 logistic regression on the shipped featurizer's hashed n-grams plus one
more column, the shipped head's logit: the shipped model is the starting point and the community's own
words move it. Because that logit is itself linear in the same features, scoring needs one featurisation:
``a * shipped_logit + X @ w + b``. A head with too few positives keeps the shipped head unchanged.

Thresholds per action come from out-of-fold scores on the training part: "hold" where F1 is best, "delete"
the lowest threshold whose precision reaches DELETE_PRECISION with 95 % confidence (None when none does, as
with few decisions: the engine's default delete threshold then applies). Weights are stored as plain arrays
in an .npz and read with allow_pickle=False.
"""

from __future__ import annotations

import io
import json
import logging
import time
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import scipy.sparse as sp
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Max
from django.utils.translation import gettext as _
from huey.contrib.djhuey import HUEY

from tandem.community.models import Comment, Label
from tandem.workspaces.capabilities import can
from tandem.workspaces.models import Workspace

from .classifier import load_default
from .models import WorkspaceModel

logger = logging.getLogger(__name__)

CAPABILITY = "moderation.rules"
# Fewest decisions of a class before it is worth learning from: 20 leaves 5 for the held-out part.
MIN_LABELS = 20
HELD_OUT_SHARE = 0.25
SEED = 20261126
C = 4.0
CV_FOLDS = 3
DELETE_PRECISION = 0.95
WILSON_Z = 1.645  # one-sided 95 %
THRESHOLD_GRID = np.round(np.arange(0.05, 0.951, 0.01), 2)
# Coefficients this small change no score visibly; dropping them keeps the stored file small.
PRUNE = 1e-6
FORMAT = "tandem-workspace-model-1"
# A training request older than this without a result is taken as lost (the worker died).
TRAINING_STALE_SECONDS = 3600


def _check(actor) -> None:
    if not can(actor.role, CAPABILITY):
        raise PermissionDenied(_("Your role in this workspace does not allow this."))


# Labels ------------------------------------------------------------------------------------------------


def labelled_comments(workspace):
    return (
        Comment.objects.filter(workspace=workspace, from_team=False, label__in=Label.values)
        .exclude(text="")
        .order_by("pk")
    )


def head_label(head: str) -> str:
    """A classifier head named by the decision that teaches it ("toxic" → "Abusive")."""
    return Label(head).label if head in Label.values else head


@dataclass(frozen=True)
class LabelCounts:
    counts: dict[str, int]  # label → number of decisions
    min_labels: int

    def missing(self, label: str) -> int:
        return max(0, self.min_labels - self.counts.get(label, 0))

    @property
    def trainable_heads(self) -> list[str]:
        return [head for head in load_default().heads if head in self.counts and not self.missing(head)]

    @property
    def ready(self) -> bool:
        return not self.missing(Label.OK) and bool(self.trainable_heads)

    def rows(self) -> list[dict]:
        return [
            {"label": label, "name": name, "count": self.counts.get(label, 0), "missing": self.missing(label)}
            for label, name in Label.choices
        ]


def label_counts(workspace, min_labels: int = MIN_LABELS) -> LabelCounts:
    found = dict(labelled_comments(workspace).values_list("label").annotate(n=Count("pk")).order_by())
    return LabelCounts({label: found.get(label, 0) for label in Label.values}, min_labels)


def _require_enough(counts: LabelCounts) -> None:
    if counts.ready:
        return
    needs = []
    if counts.missing(Label.OK):
        needs.append(_("%(count)d more acceptable comments") % {"count": counts.missing(Label.OK)})
    if not counts.trainable_heads:
        fewest = min(counts.missing(head) for head in load_default().heads if head in counts.counts)
        needs.append(_("%(count)d more abusive or spam comments") % {"count": fewest})
    raise ValidationError(
        _(
            "Not enough decisions to retrain yet: %(needs)s are needed (at least %(min)d of acceptable "
            "comments and of abusive or spam ones)."
        )
        % {"needs": _(" and ").join(needs), "min": counts.min_labels}
    )


def split_held_out(labels: list[str], share: float = HELD_OUT_SHARE, seed: int = SEED) -> np.ndarray:
    """A boolean mask of the held-out rows: ``share`` of each label, chosen with a fixed seed."""
    rng = np.random.default_rng(seed)
    labels_array = np.asarray(labels)
    held = np.zeros(len(labels), dtype=bool)
    for label in sorted(set(labels)):
        rows = np.flatnonzero(labels_array == label)
        rng.shuffle(rows)
        held[rows[: round(len(rows) * share)]] = True
    return held


# Fitting -----------------------------------------------------------------------------------------------


def _shipped_logits(shipped, X: sp.csr_matrix) -> np.ndarray:
    """The shipped model's logits for rows already featurised (its ``weights`` and ``intercepts`` are the
    linear heads in classifier.ShippedModel): scoring featurises once, not once per model."""
    return np.asarray(X @ shipped.weights, dtype=np.float64) + shipped.intercepts


def _sigmoid(logits: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(logits, -50.0, 50.0)))


def _design(X: sp.csr_matrix, shipped_logit: np.ndarray) -> sp.csr_matrix:
    return sp.hstack([X, sp.csr_matrix(shipped_logit.reshape(-1, 1))], format="csr")


def _regression():
    # scikit-learn is imported only when fitting: it takes seconds to import, and every web worker imports
    # this module through the inbox views, which only read models.
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=C, solver="liblinear", class_weight="balanced", max_iter=1000)


@dataclass
class FittedHead:
    weights: np.ndarray  # one per feature column
    shipped_coef: float  # on the shipped head's logit
    intercept: float

    def logits(self, X: sp.csr_matrix, shipped_logit: np.ndarray) -> np.ndarray:
        return (
            np.asarray(X @ self.weights, dtype=np.float64)
            + self.shipped_coef * shipped_logit
            + self.intercept
        )


def _fit_once(design: sp.csr_matrix, y: np.ndarray) -> FittedHead:
    regression = _regression().fit(design, y)
    coef = regression.coef_.ravel()
    return FittedHead(coef[:-1].astype(np.float32), float(coef[-1]), float(regression.intercept_[0]))


def _threshold_at_best_f1(y: np.ndarray, proba: np.ndarray) -> float:
    best, best_f1 = 0.5, -1.0
    for threshold in THRESHOLD_GRID:
        f1 = scores(y, proba >= threshold)["f1"]
        if f1 > best_f1:
            best, best_f1 = float(threshold), f1
    return best


def _precision_lower_bound(tp: int, flagged: int) -> float:
    """One-sided 95 % Wilson lower bound of the precision tp / flagged: 30 hits out of 30 is not yet proof
    of 95 % precision, 60 out of 60 is."""
    if not flagged:
        return 0.0
    z = WILSON_Z
    share = tp / flagged
    centre = share + z * z / (2 * flagged)
    spread = z * np.sqrt(share * (1 - share) / flagged + z * z / (4 * flagged * flagged))
    return float((centre - spread) / (1 + z * z / flagged))


def _threshold_at_precision(y: np.ndarray, proba: np.ndarray, floor: float) -> float | None:
    """The lowest threshold (not below ``floor``) whose precision is DELETE_PRECISION with confidence."""
    for threshold in THRESHOLD_GRID[floor <= THRESHOLD_GRID]:
        counted = scores(y, proba >= threshold)
        if _precision_lower_bound(counted["tp"], counted["tp"] + counted["fp"]) >= DELETE_PRECISION:
            return float(threshold)
    return None


def fit_head(X: sp.csr_matrix, shipped_logit: np.ndarray, y: np.ndarray) -> tuple[FittedHead, dict]:
    """Fit one head on the training part; thresholds from its out-of-fold scores on that same part.

    Only the columns present in these rows are fitted (the others would get weight 0 under L2 anyway):
    a few thousand columns instead of a million make each fit take milliseconds.
    """
    present = np.unique(X.indices)
    head, thresholds = _fit_head_on(X[:, present], shipped_logit, y)
    weights = np.zeros(X.shape[1], dtype=np.float32)
    weights[present] = head.weights
    head.weights = weights
    return head, thresholds


def _fit_head_on(X: sp.csr_matrix, shipped_logit: np.ndarray, y: np.ndarray) -> tuple[FittedHead, dict]:
    from sklearn.model_selection import StratifiedKFold

    design = _design(X, shipped_logit)
    out_of_fold = np.zeros(len(y))
    folds = StratifiedKFold(CV_FOLDS, shuffle=True, random_state=SEED).split(np.zeros(len(y)), y)
    for fit_rows, score_rows in folds:
        fold = _fit_once(design[fit_rows], y[fit_rows])
        out_of_fold[score_rows] = _sigmoid(fold.logits(X[score_rows], shipped_logit[score_rows]))
    hold = _threshold_at_best_f1(y, out_of_fold)
    head = _fit_once(design, y)
    head.weights[np.abs(head.weights) < PRUNE] = 0.0
    return head, {"hold": hold, "delete": _threshold_at_precision(y, out_of_fold, hold)}


def fit(texts: list[str], labels: list[str], heads: list[str]) -> tuple[dict[str, FittedHead], dict]:
    """Fit the given heads on these (training) rows only; returns the heads and their thresholds."""
    shipped = load_default()
    X = shipped.featurizer.transform(texts)
    shipped_logits = _shipped_logits(shipped, X)
    fitted, thresholds = {}, {}
    for head in heads:
        column = shipped.heads.index(head)
        y = np.array([label == head for label in labels], dtype=int)
        fitted[head], thresholds[head] = fit_head(X, shipped_logits[:, column], y)
    return fitted, thresholds


# Evaluation --------------------------------------------------------------------------------------------


def scores(y: np.ndarray, predicted: np.ndarray) -> dict:
    y, predicted = np.asarray(y, dtype=bool), np.asarray(predicted, dtype=bool)
    tp = int(np.sum(y & predicted))
    fp = int(np.sum(~y & predicted))
    fn = int(np.sum(y & ~predicted))
    tn = int(np.sum(~y & ~predicted))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "tn": tn,
    }


def evaluate(classifier, texts: list[str], labels: list[str]) -> dict:
    """Per head: the shipped model at its threshold and this classifier at its hold threshold, on these rows."""
    shipped = load_default()
    shipped_proba = shipped.probabilities(texts)
    proba = classifier.probabilities(texts)
    result = {}
    for column, head in enumerate(shipped.heads):
        y = np.array([label == head for label in labels])
        result[head] = {
            "retrained": head in classifier.retrained,
            "positives": int(y.sum()),
            "shipped": {
                "threshold": round(shipped.thresholds[head], 2),
                **scores(y, shipped_proba[:, column] >= shipped.thresholds[head]),
            },
            "workspace": {
                "threshold": classifier.thresholds[head],
                **scores(y, proba[:, column] >= classifier.thresholds[head]),
            },
        }
    return result


def helped(metrics: dict) -> bool:
    """Whether the retrained heads score at least as well as the shipped ones on the held-out part."""
    heads = [h for h in metrics["heads"].values() if h["retrained"]]
    return sum(h["workspace"]["f1"] for h in heads) >= sum(h["shipped"]["f1"] for h in heads)


# Storage and scoring -----------------------------------------------------------------------------------


def to_npz(fitted: dict[str, FittedHead], thresholds: dict[str, dict]) -> bytes:
    shipped = load_default()
    arrays = {
        "format": np.array(FORMAT),
        "shipped_version": np.array(shipped.version),
        "heads": np.array(shipped.heads),
        # The columns the weights index: a shipped model with other features makes this version unusable.
        "features": np.array(json.dumps(shipped.featurizer.config, sort_keys=True)),
        "retrained": np.array([head in fitted for head in shipped.heads]),
        "shipped_coefs": np.array([fitted[h].shipped_coef if h in fitted else 1.0 for h in shipped.heads]),
        "intercepts": np.array([fitted[h].intercept if h in fitted else 0.0 for h in shipped.heads]),
        "hold": np.array(
            [thresholds[h]["hold"] if h in fitted else shipped.thresholds[h] for h in shipped.heads]
        ),
        # NaN: no threshold reaches the delete precision, or the head was not retrained.
        "delete": np.array(
            [
                thresholds[h]["delete"] if h in fitted and thresholds[h]["delete"] is not None else np.nan
                for h in shipped.heads
            ]
        ),
    }
    for head, values in fitted.items():
        nonzero = np.flatnonzero(values.weights)
        arrays[f"{head}_index"] = nonzero.astype(np.int32)
        arrays[f"{head}_value"] = values.weights[nonzero].astype(np.float32)
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)
    return buffer.getvalue()


class WorkspaceClassifier:
    """A workspace model version with the shipped model's API: ``heads``, ``thresholds`` (the hold
    threshold per head), ``probabilities(texts)``, ``featurizer``; plus ``delete_thresholds``."""

    def __init__(self, weights: bytes, version: int | None = None):
        shipped = load_default()
        with np.load(io.BytesIO(weights), allow_pickle=False) as data:
            if str(data["format"]) != FORMAT:
                raise ValueError(f"unknown workspace model format {data['format']!s}")
            stored_heads = [str(head) for head in data["heads"]]
            if stored_heads != shipped.heads:
                raise ValueError(
                    f"workspace model heads {stored_heads} differ from the shipped {shipped.heads}"
                )
            if json.loads(str(data["features"])) != shipped.featurizer.config:
                raise ValueError("workspace model trained on other features than the shipped model's")
            retrained = data["retrained"].astype(bool)
            self.shipped_version = str(data["shipped_version"])
            self.shipped_coefs = data["shipped_coefs"].astype(np.float64)
            self.intercepts = data["intercepts"].astype(np.float64)
            hold, delete = data["hold"].astype(float), data["delete"].astype(float)
            columns = {
                column: (data[f"{head}_index"], data[f"{head}_value"])
                for column, head in enumerate(shipped.heads)
                if retrained[column]
            }
        rows = np.concatenate([index for index, _values in columns.values()] or [np.zeros(0, np.int32)])
        cols = np.concatenate([np.full(len(index), c) for c, (index, _v) in columns.items()] or [np.zeros(0)])
        values = np.concatenate([values for _index, values in columns.values()] or [np.zeros(0, np.float32)])
        self.weights = sp.csr_matrix(
            (values, (rows, cols.astype(np.int64))), shape=(shipped.featurizer.n_columns, len(shipped.heads))
        )
        self.shipped = shipped
        self.version = version
        self.heads = list(shipped.heads)
        self.retrained = {head for column, head in enumerate(self.heads) if retrained[column]}
        self.thresholds = {head: round(float(hold[c]), 2) for c, head in enumerate(self.heads)}
        self.delete_thresholds = {
            head: None if np.isnan(delete[c]) else round(float(delete[c]), 2)
            for c, head in enumerate(self.heads)
        }

    @property
    def featurizer(self):
        return self.shipped.featurizer

    def probabilities(self, texts: list[str], normalised: list[str] | None = None) -> np.ndarray:
        """Array of shape (len(texts), len(self.heads)); heads not retrained give the shipped scores.
        ``normalised`` as in ShippedModel.probabilities."""
        if not texts:
            return np.zeros((0, len(self.heads)))
        X = self.featurizer.transform(texts, normalised)
        shipped_logits = _shipped_logits(self.shipped, X)
        own = np.asarray((X @ self.weights).toarray(), dtype=np.float64)
        return _sigmoid(shipped_logits * self.shipped_coefs + own + self.intercepts)


def with_model_thresholds(overrides: dict, classifier) -> dict:
    """The settings' thresholds ({head: {"hold": p, "delete": p}}) with each one they leave empty taken from
    the classifier: a retrained version brings its own hold and delete thresholds; for the shipped model the
    engine's fallbacks (its hold threshold, the default delete threshold) apply."""
    if classifier is None:
        return overrides
    deletes = getattr(classifier, "delete_thresholds", {})
    merged = {}
    for head in classifier.heads:
        given = overrides.get(head)
        merged[head] = dict(given) if isinstance(given, dict) else {}
        merged[head].setdefault("hold", classifier.thresholds[head])
        if deletes.get(head) is not None:
            merged[head].setdefault("delete", deletes[head])
    return merged


@lru_cache(maxsize=64)
def _load(model_id: int, version: int, created_at) -> WorkspaceClassifier:
    # created_at is part of the key so a reused id (a rolled-back row) never returns another version.
    weights = WorkspaceModel.objects.values_list("weights", flat=True).get(pk=model_id)
    return WorkspaceClassifier(bytes(weights), version)


def load_active(workspace) -> WorkspaceClassifier | None:
    """The workspace's active retrained classifier, or None for the shipped one. Versions never change once
    written, so a loaded version stays cached for the life of the process.

    A version that no longer fits the shipped model (a new ``make model`` with other heads or features) is
    skipped with a warning: moderation goes on with the shipped classifier until the workspace retrains.
    """
    active = (
        WorkspaceModel.objects.filter(workspace=workspace, active=True)
        .values_list("pk", "version", "created_at")
        .first()
    )
    if active is None:
        return None
    try:
        return _load(*active)
    except (ValueError, KeyError) as error:
        logger.warning(
            "workspace %s: classifier version %s is not usable: %s", workspace.pk, active[1], error
        )
        return None


# Services ----------------------------------------------------------------------------------------------


def retrain(actor, min_labels: int = MIN_LABELS) -> WorkspaceModel:
    """Train the next version from the workspace's labelled comments and store it; it becomes the active
    one when it scores at least as well as the shipped model on the held-out part.

    The fitting (seconds of CPU) runs outside any transaction so the database is not locked meanwhile; the
    new version is written in one short transaction.
    """
    _check(actor)
    workspace = actor.workspace
    counts = label_counts(workspace, min_labels)
    _require_enough(counts)
    rows = list(labelled_comments(workspace).values_list("pk", "text", "label"))
    labels = [label for _pk, _text, label in rows]
    held = split_held_out(labels)
    train_rows = [row for row, is_held in zip(rows, held, strict=True) if not is_held]
    held_rows = [row for row, is_held in zip(rows, held, strict=True) if is_held]
    fitted, thresholds = fit(
        [text for _pk, text, _label in train_rows],
        [label for _pk, _text, label in train_rows],
        counts.trainable_heads,
    )
    weights = to_npz(fitted, thresholds)
    classifier = WorkspaceClassifier(weights)
    metrics = {
        "labels": counts.counts,
        "train_size": len(train_rows),
        "held_out_size": len(held_rows),
        "held_out_ids": [pk for pk, _text, _label in held_rows],
        "shipped_version": classifier.shipped_version,
        "heads": evaluate(
            classifier, [text for _pk, text, _label in held_rows], [label for _pk, _text, label in held_rows]
        ),
    }
    metrics["helped"] = helped(metrics)
    with transaction.atomic():
        # Two retrainings finishing at once must not take the same version number.
        Workspace.objects.select_for_update().filter(pk=workspace.pk).first()
        previous = WorkspaceModel.objects.filter(workspace=workspace)
        version = (previous.aggregate(last=Max("version"))["last"] or 0) + 1
        model = WorkspaceModel(
            workspace=workspace,
            version=version,
            weights=weights,
            metrics=metrics,
            thresholds={
                head: {"hold": classifier.thresholds[head], "delete": classifier.delete_thresholds[head]}
                for head in classifier.heads
            },
            trained_on=len(train_rows),
            created_by=actor.user,
        )
        if metrics["helped"]:
            previous.filter(active=True).update(active=False)
            model.active = True
        model.save()
    return model


@transaction.atomic
def activate(actor, model_id: int) -> WorkspaceModel:
    """Make a stored version the active one (a rollback to an older version, or back from the shipped one)."""
    _check(actor)
    model = WorkspaceModel.objects.select_for_update().filter(workspace=actor.workspace, pk=model_id).first()
    if model is None:
        raise ValidationError(_("There is no such classifier version in this workspace."))
    WorkspaceModel.objects.filter(workspace=actor.workspace, active=True).exclude(pk=model.pk).update(
        active=False
    )
    model.active = True
    model.save(update_fields=["active"])
    return model


@transaction.atomic
def deactivate(actor) -> None:
    """Back to the classifier that ships with Tandem; the versions stay for a later activate."""
    _check(actor)
    WorkspaceModel.objects.filter(workspace=actor.workspace, active=True).update(active=False)


# Training in the background ----------------------------------------------------------------------------


def _pending_key(workspace_id: int) -> str:
    return f"moderation-retrain:{workspace_id}"


def _failure_key(workspace_id: int) -> str:
    return f"moderation-retrain-failed:{workspace_id}"


def training_since(workspace) -> float | None:
    """When a retraining was requested that has not finished yet (a timestamp), else None."""
    since = HUEY.get(_pending_key(workspace.pk), peek=True)
    if since is None or time.time() - float(since) > TRAINING_STALE_SECONDS:
        return None
    return float(since)


def last_failure(workspace) -> str | None:
    """Why the last background retraining failed, if it did (cleared by the next request)."""
    return HUEY.get(_failure_key(workspace.pk), peek=True)


def request_retrain(actor) -> None:
    """Check that retraining can run, then queue it for the worker once this request's data is committed."""
    from .tasks import retrain_in_background  # tasks imports this module

    _check(actor)
    workspace = actor.workspace
    _require_enough(label_counts(workspace))
    if training_since(workspace) is not None:
        raise ValidationError(_("The classifier is already being retrained; the new version appears soon."))
    HUEY.get(_failure_key(workspace.pk))  # reading a key removes it: forget the last failure
    HUEY.put(_pending_key(workspace.pk), str(time.time()))
    membership_id = actor.pk
    transaction.on_commit(lambda: retrain_in_background(membership_id))


def run_requested(membership) -> WorkspaceModel | None:
    """The worker's side of request_retrain: train, or remember why it could not; the pending mark goes."""
    try:
        return retrain(membership)
    except (ValidationError, PermissionDenied) as error:
        HUEY.put(_failure_key(membership.workspace_id), " ".join(getattr(error, "messages", [str(error)])))
        return None
    finally:
        HUEY.get(_pending_key(membership.workspace_id))
