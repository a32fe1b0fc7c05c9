"""The starting classifier that ships with Tandem: hashed n-gram features + linear heads, numbers only.

    model = load_default()
    model.scores(["some comment", ...])  # -> [{"toxic": 0.03, "spam": 0.91}, ...]
    model.thresholds                      # -> {"toxic": 0.31, "spam": 0.37}

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

from tandem.moderation.features import Featurizer

MODEL_PATH = Path(__file__).resolve().parent / "model" / "model.npz"


class ShippedModel:
    def __init__(self, path: Path | str = MODEL_PATH, normalizer=None):
        with np.load(path, allow_pickle=False) as data:
            self.version = str(data["version"])
            self.config = json.loads(str(data["config"]))
            self.trained_normalizer = str(data["normalizer"])
            self.heads = [str(name) for name in data["heads"]]
            intercepts = data["intercepts"].astype(np.float64)
            thresholds = data["thresholds"].astype(np.float64)
            self.featurizer = Featurizer(self.config, normalizer)
            if normalizer is None and self.featurizer.normalizer_name != self.trained_normalizer:
                warnings.warn(
                    f"moderation model trained with {self.trained_normalizer!r} but scoring with "
                    f"{self.featurizer.normalizer_name!r}: scores will be less accurate",
                    RuntimeWarning,
                    stacklevel=2,
                )
            weights = np.zeros((self.featurizer.n_columns, len(self.heads)), dtype=np.float32)
            for column, name in enumerate(self.heads):
                weights[data[f"{name}_index"], column] = data[f"{name}_value"].astype(np.float32)
        self.weights = weights
        self.intercepts = intercepts
        self.thresholds = {name: float(t) for name, t in zip(self.heads, thresholds, strict=True)}

    def probabilities(self, texts: list[str]) -> np.ndarray:
        """Array of shape (len(texts), len(self.heads)) with probabilities in [0, 1]."""
        if not texts:
            return np.zeros((0, len(self.heads)))
        X = self.featurizer.transform(texts)
        logits = np.asarray(X @ self.weights, dtype=np.float64) + self.intercepts
        return 1.0 / (1.0 + np.exp(-np.clip(logits, -50.0, 50.0)))

    def scores(self, texts: list[str]) -> list[dict[str, float]]:
        probabilities = self.probabilities(list(texts))
        return [dict(zip(self.heads, map(float, row), strict=True)) for row in probabilities]

    def score(self, text: str) -> dict[str, float]:
        return self.scores([text])[0]


@lru_cache(maxsize=1)
def load_default() -> ShippedModel:
    return ShippedModel(MODEL_PATH)
