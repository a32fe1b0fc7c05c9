"""The shipped moderation classifier: a numbers-only model file that loads without executing code."""

import numpy as np
import pytest

from tandem.moderation import classifier
from tandem.moderation.classifier import MODEL_PATH, ShippedModel, load_default
from tandem.moderation.normalize import normalize

SPAM = "Earn $500 a day from home, click http://example.test/x"
NEUTRAL = "The library opens at nine tomorrow and the reading group meets on Thursday."
SENTENCES = [
    SPAM,
    NEUTRAL,
    "Thanks for the photos from the trip, the mountains look lovely.",
    "Привет! Встречаемся в субботу у входа в парк.",
    "",
    "ok",
]


@pytest.fixture(scope="module")
def model():
    return load_default()


def test_model_file_is_plain_arrays_only():
    with np.load(MODEL_PATH, allow_pickle=False) as data:
        for name in data.files:
            assert data[name].dtype != object


def test_a_pickled_object_in_a_model_file_is_refused(tmp_path):
    path = tmp_path / "evil.npz"
    np.savez(path, version=np.array("x"), config=np.array([{"a": 1}], dtype=object))
    with pytest.raises(ValueError, match="allow_pickle"):
        ShippedModel(path)


def test_model_files_are_small():
    total = sum(f.stat().st_size for f in MODEL_PATH.parent.iterdir() if f.is_file())
    assert total < 10 * 1024 * 1024


def test_heads_and_thresholds(model):
    assert set(model.heads) == {"toxic", "spam"}
    assert set(model.thresholds) == {"toxic", "spam"}
    assert all(0.0 < t < 1.0 for t in model.thresholds.values())


def test_scores_are_probabilities_and_deterministic(model):
    first = model.scores(SENTENCES)
    second = load_default().scores(SENTENCES)
    assert len(first) == len(SENTENCES)
    for row in first:
        assert set(row) == {"toxic", "spam"}
        assert all(0.0 <= p <= 1.0 for p in row.values())
    assert first == second


def test_obvious_spam_scores_higher_than_a_neutral_sentence(model):
    spam, neutral = model.scores([SPAM, NEUTRAL])
    assert spam["spam"] > neutral["spam"]
    assert spam["spam"] >= model.thresholds["spam"]


def test_batch_scoring_equals_single_scoring(model):
    batch = model.scores(SENTENCES)
    single = [model.scores([text])[0] for text in SENTENCES]
    for b, s in zip(batch, single, strict=True):
        assert b == pytest.approx(s, abs=1e-6)


def test_empty_batch(model):
    assert model.scores([]) == []


def test_probabilities_shape_and_heads_order(model):
    probabilities = model.probabilities(SENTENCES)
    assert probabilities.shape == (len(SENTENCES), len(model.heads))
    assert model.heads == ["spam", "toxic"] or model.heads == ["toxic", "spam"]


def test_one_threshold_per_head_for_every_script(model):
    for text in ("Привет, как дела?", "Hello, how are you?", ""):
        assert model.thresholds_for(text) == model.thresholds
    assert model.script("Привет, как дела?") == "cyrillic"
    assert model.script("Hello, how are you?") == "latin"
    assert model.script("") == "latin"
    assert set(model.script_thresholds) == set(model.heads)


def test_mixed_script_batch_equals_single_scoring(model):
    texts = ["Ты тупой идиот", "you are a stupid idiot", "Хорошего дня!", "Have a nice day!"]
    batch = model.probabilities(texts)
    for i, text in enumerate(texts):
        assert batch[i] == pytest.approx(model.probabilities([text])[0], abs=1e-6)


def test_obvious_russian_insult_scores_higher_than_a_greeting(model):
    insult, greeting = model.scores(["Ты тупой дебил, заткнись", "Спасибо, хорошего вам дня!"])
    assert insult["toxic"] > greeting["toxic"]


def test_features_are_the_normalised_blocks_side_by_side_routed_by_script():
    import numpy as np
    import scipy.sparse as sp

    from tandem.moderation.features import Featurizer, _l2_rows, scripts_of

    featurizer = Featurizer()
    texts = [*SENTENCES, "", "a  b\n\tc", "ÀÉ Straße İ", "слово слово СЛОВО", "   ", "🙂"]
    blocks = featurizer._blocks(texts, featurizer.normalize_all(texts))
    style = featurizer._style(texts, scripts_of(texts))  # tests/moderation/test_features.py
    side_by_side = sp.hstack(
        [_l2_rows(sp.hstack(blocks, format="csr", dtype=np.float32)), style], format="csr"
    )
    assert abs(featurizer.base_transform(texts) - side_by_side).max() < 1e-6
    routed = featurizer.transform(texts)
    width = featurizer.n_base_columns
    for row, script in enumerate(scripts_of(texts)):
        expected = {int(c) + script * width for c in side_by_side[row].indices} | {2 * width + script}
        # the Cyrillic column layout's own columns (stems, dense) come after: tests/moderation/test_features.py
        assert {c for c in routed[row].indices.tolist() if c < 2 * (width + 1)} == expected


def test_a_model_trained_on_older_features_is_refused():
    from tandem.moderation.features import Featurizer, default_config

    with pytest.raises(ValueError, match="make model"):
        Featurizer({**default_config(), "features_version": 3})


def test_nothing_but_the_training_command_reads_the_datasets():
    """Users do not have ../shared/datasets: the product loads only the model file (make model trains it)."""
    from pathlib import Path

    package = Path(__file__).resolve().parents[2] / "tandem"
    readers = sorted(
        str(path.relative_to(package))
        for path in package.rglob("*.py")
        if "datasets" in path.read_text(encoding="utf-8") or "../shared" in path.read_text(encoding="utf-8")
    )
    assert readers == ["moderation/training.py"]


def test_a_long_list_is_scored_in_batches_with_the_same_results(model, monkeypatch):
    texts = ["Ты тупой дебил", "Hello friend", "Earn $500 a day from home, dm me", "Спасибо!", "", "ok"]
    whole = model.probabilities(texts)
    monkeypatch.setattr(classifier, "SCORE_BATCH", 4)
    assert np.allclose(model.probabilities(texts), whole)
    normalised = [normalize(text).text for text in texts]
    assert np.allclose(model.probabilities(texts, normalised), whole)
