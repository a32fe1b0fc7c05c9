"""The workspace's retrained classifier: learnt from the team's decisions, judged on a held-out part."""

import io
import random
from datetime import UTC, datetime

import numpy as np
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from tandem.channels import services as channel_services
from tandem.community.models import Comment
from tandem.moderation import workspace_model
from tandem.moderation.classifier import load_default
from tandem.moderation.models import WorkspaceModel

# The community's own vocabulary the shipped model has never seen: "glorp" insults, "zorbcoin" spam.
FRIENDLY = ["lovely", "thanks", "great", "photo", "coffee", "morning", "recipe", "weekend", "garden", "music"]
TOPICS = [
    "the new roast",
    "your latte art",
    "the opening hours",
    "the autumn menu",
    "this cafe",
    "the barista",
]


def friendly_text(rng):
    return f"{rng.choice(FRIENDLY)} {rng.choice(TOPICS)}, {rng.choice(FRIENDLY)} {rng.choice(FRIENDLY)}"


def toxic_text(rng):
    return f"{rng.choice(TOPICS)} is for glorp {rng.choice(['wombats', 'snorfs', 'blints'])}, glorp off"


def spam_text(rng):
    return f"zorbcoin {rng.choice(['doubles', 'triples'])} your {rng.choice(TOPICS)} at zorb dot example"


MAKERS = {"ok": friendly_text, "toxic": toxic_text, "spam": spam_text}


def add_labelled(team, counts, seed=1):
    """Comments in the team's workspace labelled by the team: ``counts`` = {label: how many}."""
    rng = random.Random(seed)
    channel = channel_services.connect_sandbox(team.membership("manager"), f"Labels {seed}")
    made = []
    for label, count in counts.items():
        for index in range(count):
            made.append(
                Comment(
                    workspace=team.workspace,
                    channel=channel,
                    chat_id="chat",
                    external_id=f"{label}-{index}-{seed}",
                    text=f"{MAKERS[label](rng)} #{index}",
                    sent_at=datetime(2026, 11, 1, tzinfo=UTC),
                    label=label,
                )
            )
    return Comment.objects.bulk_create(made)


@pytest.fixture
def labelled(team):
    return add_labelled(team, {"ok": 60, "toxic": 40, "spam": 40})


def test_retrain_stores_a_version_with_held_out_metrics_for_both_models(team, labelled):
    model = workspace_model.retrain(team.membership("administrator"))

    assert model.version == 1
    assert model.created_by == team.administrator
    metrics = model.metrics
    assert metrics["labels"] == {"ok": 60, "toxic": 40, "spam": 40}
    assert metrics["held_out_size"] == 15 + 10 + 10
    assert metrics["train_size"] == model.trained_on == 140 - 35
    for head in ("toxic", "spam"):
        scores = metrics["heads"][head]
        assert scores["retrained"] is True
        assert scores["positives"] == 10
        for which in ("shipped", "workspace"):
            assert {"precision", "recall", "f1", "tp", "fp", "fn", "tn"} <= set(scores[which])
            counted = sum(scores[which][key] for key in ("tp", "fp", "fn", "tn"))
            assert counted == metrics["held_out_size"]
        # The community's own words are learnt: the retrained head beats the shipped one on them.
        assert scores["workspace"]["f1"] >= 0.9
        assert scores["workspace"]["f1"] > scores["shipped"]["f1"]
    assert metrics["helped"] is True
    assert model.active is True


def test_thresholds_per_action_come_from_the_training_part(team, labelled):
    model = workspace_model.retrain(team.membership("administrator"))
    for head in ("toxic", "spam"):
        hold, delete = model.thresholds[head]["hold"], model.thresholds[head]["delete"]
        assert 0.05 <= hold <= 0.95
        assert delete is None or hold <= delete <= 0.95
    classifier = workspace_model.load_active(team.workspace)
    assert classifier.thresholds == {head: model.thresholds[head]["hold"] for head in classifier.heads}
    assert classifier.delete_thresholds == {
        head: model.thresholds[head]["delete"] for head in classifier.heads
    }


def test_the_held_out_part_is_never_fitted_on(team, labelled, monkeypatch):
    fitted_texts = []
    real_fit = workspace_model.fit

    def spy(texts, labels, heads):
        fitted_texts.extend(texts)
        return real_fit(texts, labels, heads)

    monkeypatch.setattr(workspace_model, "fit", spy)
    model = workspace_model.retrain(team.membership("administrator"))

    held_out = set(
        Comment.objects.filter(pk__in=model.metrics["held_out_ids"]).values_list("text", flat=True)
    )
    assert len(held_out) == model.metrics["held_out_size"] == 35
    assert fitted_texts and not held_out & set(fitted_texts)
    assert len(fitted_texts) == model.trained_on


def test_the_split_is_stratified_and_fixed():
    labels = ["ok"] * 40 + ["toxic"] * 20 + ["spam"] * 8
    held = workspace_model.split_held_out(labels)
    assert (held == workspace_model.split_held_out(labels)).all()
    chosen = [label for label, is_held in zip(labels, held, strict=True) if is_held]
    assert chosen.count("ok") == 10 and chosen.count("toxic") == 5 and chosen.count("spam") == 2


def test_versions_increment_and_the_weights_are_plain_arrays(team, labelled):
    administrator = team.membership("administrator")
    first = workspace_model.retrain(administrator)
    second = workspace_model.retrain(administrator)
    assert (first.version, second.version) == (1, 2)
    first.refresh_from_db()
    assert second.active and not first.active
    with np.load(io.BytesIO(bytes(second.weights)), allow_pickle=False) as data:
        assert all(data[name].dtype != object for name in data.files)


def test_too_few_labels_says_how_many_more_are_needed(team):
    add_labelled(team, {"ok": 12, "toxic": 15, "spam": 3})
    with pytest.raises(ValidationError) as refused:
        workspace_model.retrain(team.membership("administrator"))
    message = " ".join(refused.value.messages)
    assert "8 more acceptable comments" in message
    assert "5 more abusive or spam comments" in message
    assert not WorkspaceModel.objects.exists()


def test_a_head_with_too_few_positives_keeps_the_shipped_head(team):
    add_labelled(team, {"ok": 40, "toxic": 30, "spam": 4})
    model = workspace_model.retrain(team.membership("administrator"))
    assert model.metrics["heads"]["toxic"]["retrained"] is True
    assert model.metrics["heads"]["spam"]["retrained"] is False
    classifier = workspace_model.load_active(team.workspace)
    texts = ["zorbcoin doubles your coffee", "what a lovely morning"]
    spam_column = classifier.heads.index("spam")
    shipped = load_default().probabilities(texts)[:, spam_column]
    assert np.allclose(classifier.probabilities(texts)[:, spam_column], shipped)


def test_load_active_scores_like_the_shipped_model_api(team, labelled):
    assert workspace_model.load_active(team.workspace) is None
    workspace_model.retrain(team.membership("administrator"))
    classifier = workspace_model.load_active(team.workspace)
    assert classifier.heads == load_default().heads
    proba = classifier.probabilities(
        ["the autumn menu is for glorp snorfs, glorp off", "lovely coffee, thanks"]
    )
    toxic = classifier.heads.index("toxic")
    assert proba.shape == (2, len(classifier.heads))
    assert proba[0, toxic] >= classifier.thresholds["toxic"] > proba[1, toxic]
    assert classifier.probabilities([]).shape == (0, len(classifier.heads))
    assert workspace_model.load_active(team.workspace) is classifier  # cached per version


def test_loading_refuses_pickled_weights(team, labelled):
    model = workspace_model.retrain(team.membership("administrator"))
    buffer = io.BytesIO()
    np.savez(buffer, format=np.array([{"not": "plain"}], dtype=object))
    with pytest.raises(ValueError, match="pickle"):
        workspace_model.WorkspaceClassifier(buffer.getvalue(), model.version)


def test_activate_and_rollback(team, labelled):
    administrator = team.membership("administrator")
    first = workspace_model.retrain(administrator)
    second = workspace_model.retrain(administrator)

    workspace_model.activate(administrator, first.pk)
    assert workspace_model.load_active(team.workspace).version == 1
    assert WorkspaceModel.objects.get(active=True) == first

    workspace_model.deactivate(administrator)
    assert workspace_model.load_active(team.workspace) is None

    workspace_model.activate(administrator, second.pk)
    assert workspace_model.load_active(team.workspace).version == 2


def test_another_workspaces_version_cannot_be_activated(team, labelled):
    model = workspace_model.retrain(team.membership("administrator"))
    outsider = team.outsider.memberships.get()
    with pytest.raises(ValidationError):
        workspace_model.activate(outsider, model.pk)
    assert workspace_model.load_active(team.other_workspace) is None


def test_an_administrator_may_retrain_a_guest_may_not(team, labelled):
    for role in ("guest", "client"):
        with pytest.raises(PermissionDenied):
            workspace_model.retrain(team.membership(role))
        with pytest.raises(PermissionDenied):
            workspace_model.request_retrain(team.membership(role))
    assert not WorkspaceModel.objects.exists()
    assert workspace_model.retrain(team.membership("administrator")).version == 1


def test_a_retrain_request_trains_in_the_background_after_commit(
    team, labelled, django_capture_on_commit_callbacks
):
    administrator = team.membership("administrator")
    with django_capture_on_commit_callbacks() as queued:
        workspace_model.request_retrain(administrator)
    assert workspace_model.training_since(team.workspace) is not None
    with pytest.raises(ValidationError, match="already being retrained"):
        workspace_model.request_retrain(administrator)
    assert not WorkspaceModel.objects.exists()

    for callback in queued:
        callback()  # the queue runs tasks at once in the tests

    assert WorkspaceModel.objects.get().version == 1
    assert workspace_model.training_since(team.workspace) is None


def test_the_engine_uses_the_active_version_and_its_thresholds(team, labelled):
    from tandem.moderation.configuration import settings_of
    from tandem.moderation.engine import DEFAULT_DELETE_THRESHOLD, Engine

    administrator = team.membership("administrator")
    assert Engine.for_workspace(team.workspace).classifier is load_default()
    model = workspace_model.retrain(administrator)
    engine = Engine.for_workspace(team.workspace)
    assert isinstance(engine.classifier, workspace_model.WorkspaceClassifier)
    for head in ("toxic", "spam"):
        own = model.thresholds[head]
        assert engine.thresholds[head] == (own["hold"], own["delete"] or DEFAULT_DELETE_THRESHOLD)
    # A threshold set in the settings wins over the model's own.
    settings = settings_of(team.workspace)
    settings.thresholds = {"toxic": {"hold": 0.5}}
    settings.save()
    assert Engine.for_workspace(team.workspace).thresholds["toxic"][0] == 0.5
    verdict = Engine.for_workspace(team.workspace).review("the autumn menu is for glorp snorfs, glorp off")
    assert any(reason.source == "model" and reason.name == "toxic" for reason in verdict.reasons)

    workspace_model.deactivate(administrator)
    assert Engine.for_workspace(team.workspace).classifier is load_default()


def test_the_delete_threshold_needs_confidence_in_its_precision():
    def perfect(positives):
        y = np.array([1] * positives + [0] * 100)
        return y, np.where(y == 1, 0.9, 0.1)

    assert workspace_model._threshold_at_precision(*perfect(30), floor=0.3) is None  # 30 of 30: not yet proof
    assert workspace_model._threshold_at_precision(*perfect(80), floor=0.3) == 0.3
    y = np.array([1] * 80 + [0] * 100)
    proba = np.concatenate([np.full(80, 0.9), np.full(90, 0.1), np.full(10, 0.5)])  # 10 false alarms at 0.5
    assert workspace_model._threshold_at_precision(y, proba, floor=0.3) == 0.51


def _as_if_trained_on_other_features(model: WorkspaceModel) -> None:
    """Rewrite the stored version as if `make model` had changed the features since (and number it 7)."""
    with np.load(io.BytesIO(bytes(model.weights)), allow_pickle=False) as data:
        arrays = {name: data[name] for name in data.files}
    arrays["features"] = np.array('{"n_features": 16}')
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    WorkspaceModel.objects.filter(pk=model.pk).update(weights=buffer.getvalue(), version=7)


def test_a_version_that_no_longer_fits_the_shipped_model_falls_back_to_it(team, labelled, caplog):
    _as_if_trained_on_other_features(workspace_model.retrain(team.membership("administrator")))
    assert workspace_model.load_active(team.workspace) is None
    assert "not usable" in caplog.text


def test_the_classifier_page_says_when_the_active_version_no_longer_fits(team, labelled, client_as):
    model = workspace_model.retrain(team.membership("administrator"))
    page = client_as(team.administrator).get(reverse("moderation:models", args=[team.workspace.slug]))
    assert 'data-testid="unusable"' not in page.content.decode()
    _as_if_trained_on_other_features(model)
    page = client_as(team.administrator).get(reverse("moderation:models", args=[team.workspace.slug]))
    html = page.content.decode()
    assert 'data-testid="unusable"' in html and "Version 7" in html and load_default().version in html


def test_the_classifier_page_says_when_the_active_version_was_built_on_an_earlier_shipped_model(
    team, labelled, client_as
):
    model = workspace_model.retrain(team.membership("administrator"))
    url = reverse("moderation:models", args=[team.workspace.slug])
    assert 'data-testid="built-on-earlier"' not in client_as(team.administrator).get(url).content.decode()
    WorkspaceModel.objects.filter(pk=model.pk).update(
        metrics={**model.metrics, "shipped_version": "tandem-moderation-1"}
    )
    html = client_as(team.administrator).get(url).content.decode()
    assert 'data-testid="built-on-earlier"' in html and 'data-testid="unusable"' not in html
    assert "tandem-moderation-1" in html and load_default().version in html
    assert workspace_model.load_active(team.workspace) is not None  # it still judges on top of the new one
