"""The starting classifier that ships with Tandem: hashed n-gram features + linear heads, numbers only.

    model = load_default()
    model.scores(["some comment", ...])  # -> [{"toxic": 0.03, "spam": 0.91}, ...]
    model.thresholds                      # -> {"toxic": 0.5, "spam": 0.5}

The model file (model/model.npz, written by ``make model`` / tandem.moderation.training) is read with
``numpy.load(allow_pickle=False)``: only plain arrays, so loading it executes no code. Nothing here reads
the training data.
"""

from __future__ import annotations

import json
import warnings
from functools import lru_cache
from pathlib import Path

import numpy as np

from tandem.moderation.features import SCRIPTS, Featurizer, script_of

MODEL_PATH = Path(__file__).resolve().parent / "model" / "model.npz"
# Texts scored per featurisation: the n-gram arrays of 500 comments stay in the CPU caches, and sorting them
# costs less per n-gram than one array for a whole chunk of 1,000 (about 10 % faster on the team's machine).
SCORE_BATCH = 500


class ShippedModel:
    """Linear heads over hashed n-grams (and a few dense columns).

    Each text is routed by its script (``features.script_of``: mostly Cyrillic or mostly Latin letters) to
    the part of each head trained for it: each head has a Russian and an English model. The featurizer puts
    each script's n-grams (and style columns) in columns of their own plus one indicator column per script,
    so ``X @ weights + intercepts`` with ``X = featurizer.transform(texts)`` is the whole model
    (``intercepts`` are zero: each script's intercept is the weight of its indicator column). The
    toxic head's Russian part is a stacked model folded into one linear model over the Cyrillic column layout
    (features.LAYOUTS, training.fit_stacked_part): it is in the same matrix.

    Every script has its own decision threshold, chosen on the training data, and it is already folded into
    that script's intercept: ``probabilities`` are calibrated so that ONE threshold per head,
    ``thresholds[head]`` (0.5), holds for every text; ``thresholds_for(text)`` returns the same dict, for
    callers that want to be explicit. The per-script thresholds found in training, before folding, are in
    ``script_thresholds`` (documentation only; do not apply them to ``probabilities``).
    """

    def __init__(self, path: Path | str = MODEL_PATH, normalizer=None):
        with np.load(path, allow_pickle=False) as data:
            self.version = str(data["version"])
            self.config = json.loads(str(data["config"]))
            self.trained_normalizer = str(data["normalizer"])
            self.heads = [str(name) for name in data["heads"]]
            thresholds = data["thresholds"].astype(np.float64)
            self.featurizer = Featurizer(self.config, normalizer)
            if normalizer is None and self.featurizer.normalizer_name != self.trained_normalizer:
                warnings.warn(
                    f"moderation model trained with {self.trained_normalizer!r} but scoring with "
                    f"{self.featurizer.normalizer_name!r}: scores will be less accurate",
                    RuntimeWarning,
                    stacklevel=2,
                )
            parts = [str(name) for name in data["parts"]]
            routing = data["routing"].astype(np.intp)  # (heads, scripts) -> part
            script_intercepts = data["intercepts"].astype(
                np.float64
            )  # (heads, scripts), thresholds folded in
            script_thresholds = data["script_thresholds"].astype(np.float64)
            if "part_layouts" not in data.files:
                raise ValueError(f"moderation model {self.version} is too old: retrain it (make model)")
            part_layouts = [str(layout) for layout in data["part_layouts"]]
            coefs = {
                name: (
                    data[f"{name}_index"].astype(np.int64),
                    data[f"{name}_value"].astype(np.float32),
                    data[f"{name}_dense"].astype(np.float32),
                )
                for name in parts
            }
        # One weight matrix over the routed columns (features.Featurizer.transform): script s's copy of the
        # n-gram columns holds the weights of the part that scores script s, its script column the intercept.
        # A part fitted on a script's column layout puts its weights where Featurizer.layout_columns says
        # (its base blocks on the script's routed copy, rescaled; its own blocks and dense columns after).
        featurizer = self.featurizer
        width = featurizer.n_base_columns
        weights = np.zeros((featurizer.n_columns, len(self.heads)), dtype=np.float32)
        layout_columns = {}
        for h in range(len(self.heads)):
            for s, script in enumerate(SCRIPTS[: featurizer.n_scripts]):
                part = routing[h, s]
                index, value, dense = coefs[parts[part]]
                layout = part_layouts[part]
                if not layout:
                    weights[s * width + index, h] = value
                elif layout == script and script in featurizer.layouts:
                    if script not in layout_columns:
                        layout_columns[script] = featurizer.layout_columns(script)
                    columns, factors = layout_columns[script]
                    weights[columns[index], h] = value * factors[index]
                    weights[columns[len(columns) - len(dense) :], h] = dense
                else:
                    raise ValueError(f"moderation model: part {parts[part]} does not fit script {script}")
                weights[featurizer.n_scripts * width + s, h] = script_intercepts[h, s]
        self.parts = parts
        self.routing = routing
        self.weights = weights
        self.intercepts = np.zeros(len(self.heads))  # all in the script columns of weights
        self.thresholds = {name: float(t) for name, t in zip(self.heads, thresholds, strict=True)}
        self.script_thresholds = {
            name: dict(zip(SCRIPTS, map(float, row), strict=True))
            for name, row in zip(self.heads, script_thresholds, strict=True)
        }

    def probabilities(self, texts: list[str], normalised: list[str] | None = None) -> np.ndarray:
        """Array of shape (len(texts), len(self.heads)) with probabilities in [0, 1], each head calibrated
        so that ``self.thresholds[head]`` is its decision threshold whatever the text's script.
        ``normalised``: the texts already normalised by tandem.moderation.normalize (saves doing it twice)."""
        if len(texts) > SCORE_BATCH:
            return np.concatenate(
                [
                    self.probabilities(
                        texts[start : start + SCORE_BATCH],
                        None if normalised is None else normalised[start : start + SCORE_BATCH],
                    )
                    for start in range(0, len(texts), SCORE_BATCH)
                ]
            )
        if not texts:
            return np.zeros((0, len(self.heads)))
        X = self.featurizer.transform(texts, normalised)
        logits = np.asarray(X @ self.weights, dtype=np.float64) + self.intercepts
        return 1.0 / (1.0 + np.exp(-np.clip(logits, -50.0, 50.0)))

    def thresholds_for(self, text: str) -> dict[str, float]:
        """The decision threshold per head for ``text``: the same for every text (see the class docstring)."""
        del text
        return dict(self.thresholds)

    def script(self, text: str) -> str:
        """The script a text is routed by ("cyrillic" or "latin")."""
        return SCRIPTS[script_of(text or "")]

    def scores(self, texts: list[str]) -> list[dict[str, float]]:
        probabilities = self.probabilities(list(texts))
        return [dict(zip(self.heads, map(float, row), strict=True)) for row in probabilities]

    def score(self, text: str) -> dict[str, float]:
        return self.scores([text])[0]


@lru_cache(maxsize=1)
def load_default() -> ShippedModel:
    return ShippedModel(MODEL_PATH)
