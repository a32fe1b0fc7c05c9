"""The "Which specialist do I need?" questionnaire: its scoring rule, its data and its page."""

import pytest
from django.urls import reverse

from tandem.hiring.advice import ADVICE
from tandem.hiring.questionnaire import (
    BOTH_MAX_GAP,
    BOTH_MIN_SCORE,
    MAX_ADMINISTRATOR_SCORE,
    MAX_MANAGER_SCORE,
    QUESTIONS,
    SINGLE_HIRE_REASONS,
    Outcome,
    recommend,
)
from tandem.hiring.views import questionnaire

QUESTIONS_BY_KEY = {question.key: question for question in QUESTIONS}

GROWTH_WITHOUT_A_PLAN = {
    "focus": "reach",
    "strategy": "none",
    "content": "raw_material",
    "analytics": "undecided",
    "volume": "few",
    "engagement": "no",
    "budget": "two_people",
}
BUSY_COMMUNITY = {
    "focus": "community",
    "strategy": "working",
    "content": "covered",
    "analytics": "activity",
    "volume": "hundreds",
    "engagement": "weekly",
    "budget": "two_people",
}
# Manager 2 + 3 + 3 = 8, administrator 2 + 3 + 3 + 3 = 11.
GROWTH_AND_BUSY_COMMUNITY = {
    "focus": "balanced",
    "strategy": "none",
    "content": "nobody",
    "analytics": "activity",
    "volume": "hundreds",
    "engagement": "weekly",
    "budget": "two_people",
}


def reason(question_key, option_key):
    return str(QUESTIONS_BY_KEY[question_key].option(option_key).reason)


def texts(recommendation):
    return [str(sentence) for sentence in recommendation.reasons]


# The scoring rule


def test_strategy_and_reach_call_for_a_manager_with_the_strongest_driver_first():
    result = recommend(GROWTH_WITHOUT_A_PLAN)

    assert result.outcome == Outcome.MANAGER
    assert (result.manager_score, result.administrator_score) == (3 + 3 + 2 + 1, 0)
    assert texts(result) == [
        reason("focus", "reach"),
        reason("strategy", "none"),
        reason("content", "raw_material"),
        reason("analytics", "undecided"),
    ]


def test_community_care_and_moderation_call_for_an_administrator():
    result = recommend(BUSY_COMMUNITY)

    assert result.outcome == Outcome.ADMINISTRATOR
    assert (result.manager_score, result.administrator_score) == (0, 12)
    assert texts(result) == [
        reason("focus", "community"),
        reason("analytics", "activity"),
        reason("volume", "hundreds"),
        reason("engagement", "weekly"),
    ]


def test_two_high_and_close_scores_call_for_both_and_the_reasons_cover_both_jobs():
    result = recommend(GROWTH_AND_BUSY_COMMUNITY)

    assert result.outcome == Outcome.BOTH
    assert (result.manager_score, result.administrator_score) == (8, 11)
    # The balanced focus counts for both roles (2 + 2), so it outranks every single-role answer.
    assert texts(result) == [
        reason("focus", "balanced"),
        reason("strategy", "none"),
        reason("content", "nobody"),
        reason("analytics", "activity"),
        reason("volume", "hundreds"),
        reason("engagement", "weekly"),
    ]


def test_both_needs_each_score_at_the_threshold():
    below = {**GROWTH_AND_BUSY_COMMUNITY, "strategy": "working", "volume": "few", "engagement": "no"}
    result = recommend(below)
    assert (result.manager_score, result.administrator_score) == (BOTH_MIN_SCORE - 1, BOTH_MIN_SCORE - 1)
    # A tie that does not call for both goes to the manager.
    assert result.outcome == Outcome.MANAGER

    at_threshold = {**below, "strategy": "revise", "engagement": "sometimes"}
    result = recommend(at_threshold)
    assert (result.manager_score, result.administrator_score) == (7, BOTH_MIN_SCORE)
    assert result.outcome == Outcome.BOTH


def test_both_needs_the_scores_within_the_gap():
    widest = {
        **GROWTH_AND_BUSY_COMMUNITY,
        "content": "raw_material",
        "analytics": "sales",
        "engagement": "sometimes",
    }
    result = recommend(widest)
    assert (result.manager_score, result.administrator_score) == (6 + BOTH_MAX_GAP, 6)
    assert result.outcome == Outcome.BOTH

    too_wide = {**widest, "content": "nobody"}
    result = recommend(too_wide)
    assert (result.manager_score, result.administrator_score) == (7 + BOTH_MAX_GAP, 6)
    assert result.outcome == Outcome.MANAGER


@pytest.mark.parametrize(
    "answers,expected",
    [
        (GROWTH_AND_BUSY_COMMUNITY, Outcome.ADMINISTRATOR),  # 8 vs 11
        ({**GROWTH_AND_BUSY_COMMUNITY, "analytics": "sales"}, Outcome.MANAGER),  # 11 vs 8
        (
            {**GROWTH_AND_BUSY_COMMUNITY, "engagement": "no"},
            Outcome.MANAGER,
        ),  # 8 vs 8: a tie goes to the manager
    ],
)
def test_a_one_person_budget_turns_both_into_the_higher_scoring_generalist(answers, expected):
    assert recommend(answers).outcome == Outcome.BOTH

    result = recommend({**answers, "budget": "one_person"})

    assert result.outcome == expected
    assert texts(result)[0] == str(SINGLE_HIRE_REASONS[expected])
    # The remaining reasons argue for the one role hired, not for the one it has to cover on the side.
    role_weight = "manager_weight" if expected == Outcome.MANAGER else "administrator_weight"
    chosen = [QUESTIONS_BY_KEY[key].option(value) for key, value in answers.items()]
    assert texts(result)[1:] == [
        str(option.reason)
        for option in sorted(chosen, key=lambda option: getattr(option, role_weight), reverse=True)
        if getattr(option, role_weight) > 0
    ]


def test_the_budget_answer_adds_no_reason_when_one_specialist_was_enough():
    result = recommend({**GROWTH_WITHOUT_A_PLAN, "budget": "one_person"})

    assert result.outcome == Outcome.MANAGER
    assert texts(result) == texts(recommend(GROWTH_WITHOUT_A_PLAN))


def test_an_unanswered_question_or_unknown_option_is_refused():
    incomplete = dict(GROWTH_WITHOUT_A_PLAN)
    del incomplete["budget"]
    with pytest.raises(KeyError):
        recommend(incomplete)
    with pytest.raises(KeyError):
        recommend({**GROWTH_WITHOUT_A_PLAN, "budget": "a million"})


# The data


def test_every_option_has_integer_weights_and_a_reason_when_it_scores():
    assert len({question.key for question in QUESTIONS}) == len(QUESTIONS)
    for question in QUESTIONS:
        assert str(question.text)
        assert len(question.options) >= 2, question.key
        assert len({option.key for option in question.options}) == len(question.options), question.key
        for option in question.options:
            where = f"{question.key}.{option.key}"
            assert str(option.label), where
            assert type(option.manager_weight) is int and 0 <= option.manager_weight <= 3, where
            assert type(option.administrator_weight) is int and 0 <= option.administrator_weight <= 3, where
            if option.manager_weight or option.administrator_weight:
                assert option.reason and str(option.reason), f"{where} scores but gives no reason"


def test_the_question_set_favours_neither_role_and_both_is_reachable():
    assert MAX_MANAGER_SCORE == MAX_ADMINISTRATOR_SCORE == 12
    assert BOTH_MIN_SCORE <= MAX_MANAGER_SCORE - BOTH_MAX_GAP
    single_hire = [(q.key, o.key) for q in QUESTIONS for o in q.options if o.single_hire]
    assert single_hire == [("budget", "one_person")]


def test_every_outcome_has_advice_with_places_portfolio_checks_and_five_or_six_interview_questions():
    assert set(ADVICE) == set(Outcome)
    assert len(ADVICE[Outcome.BOTH]) == 2
    for advice in {role for roles in ADVICE.values() for role in roles}:
        assert advice.where_to_look and advice.portfolio_checks
        assert 5 <= len(advice.interview_questions) <= 6


# The page


@pytest.mark.django_db
def test_the_form_opens_without_signing_in(client):
    response = client.get(reverse("hiring:questionnaire"))

    assert response.status_code == 200
    assert questionnaire.access == "public"
    content = response.content.decode()
    assert 'data-testid="hiring-form"' in content
    assert 'data-testid="hiring-result"' not in content
    for question in QUESTIONS:
        assert str(question.text) in content
        for option in question.options:
            assert f'name="{question.key}" value="{option.key}"' in content


@pytest.mark.django_db
@pytest.mark.parametrize(
    "answers,outcome",
    [
        (GROWTH_WITHOUT_A_PLAN, "manager"),
        (BUSY_COMMUNITY, "administrator"),
        (GROWTH_AND_BUSY_COMMUNITY, "both"),
        ({**GROWTH_AND_BUSY_COMMUNITY, "budget": "one_person"}, "administrator"),
    ],
)
def test_answering_shows_the_recommendation_with_reasons_and_advice(client, answers, outcome):
    response = client.post(reverse("hiring:questionnaire"), answers)

    assert response.status_code == 200
    content = response.content.decode()
    assert f'data-testid="hiring-result" data-outcome="{outcome}"' in content
    for sentence in texts(recommend(answers)):
        assert sentence.replace("'", "&#x27;") in content
    assert content.count('data-testid="hiring-advice"') == (2 if outcome == "both" else 1)
    assert reverse("workspaces:roles") in content


@pytest.mark.django_db
def test_a_missing_answer_is_refused_with_an_error_on_that_question(client):
    answers = dict(GROWTH_WITHOUT_A_PLAN)
    del answers["volume"]

    response = client.post(reverse("hiring:questionnaire"), answers)

    assert response.status_code == 400
    assert response.context["form"].errors == {"volume": ["Choose an answer to this question."]}
    assert "Choose an answer to this question." in response.content.decode()
    assert 'data-testid="hiring-result"' not in response.content.decode()


@pytest.mark.django_db
def test_an_unknown_option_is_refused_with_an_error_on_that_question(client):
    response = client.post(reverse("hiring:questionnaire"), {**GROWTH_WITHOUT_A_PLAN, "budget": "unlimited"})

    assert response.status_code == 400
    assert response.context["form"].errors == {"budget": ["Choose one of the answers listed."]}
    assert 'data-testid="hiring-result"' not in response.content.decode()
