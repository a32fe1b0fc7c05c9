"""Verdicts carried out: on the fake Telegram end to end, on the sandbox, refusals kept and audited, the
escalation ladder, and audit rows that cannot be changed."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tandem.community.actions import can_undo, moderate_comment, run_team_action
from tandem.community.models import Author, CommentStatus, ModerationAction
from tandem.community.views.review import undoable
from tandem.moderation.models import ModerationSettings, Rule
from tests.community.conftest import on_telegram

OBSCENE = "Иди на х у й со своей рекламой"


def test_an_obscene_comment_is_deleted_on_telegram_and_kept_in_the_archive(telegram, says):
    comment = says(OBSCENE)
    comment.refresh_from_db()
    assert comment.status == CommentStatus.DELETED
    assert comment.text == OBSCENE  # the archive keeps it
    assert not on_telegram(telegram, telegram.group, comment.external_id)
    assert comment.verdict_action == "delete"
    assert comment.verdict_reasons[0]["source"] == "pack"
    audit = ModerationAction.objects.get()
    assert (audit.action, audit.source, audit.rule_name, audit.ok) == ("delete", "pack", "ru_obscenity", True)
    assert audit.platform_answer == "deleted"
    assert audit.comment == comment and audit.author == comment.author
    assert Author.objects.get().warnings == 1  # a strike


def test_a_friendly_comment_is_allowed_without_an_audit_row(telegram, says):
    comment = says("Спасибо, очень вкусно!")
    assert (comment.status, comment.verdict_action) == (CommentStatus.VISIBLE, "allow")
    assert on_telegram(telegram, telegram.group, comment.external_id)
    assert not ModerationAction.objects.exists()


def test_a_refused_delete_keeps_the_comment_and_the_audit_row_says_why(telegram, says, monkeypatch):
    # Moderation runs once the comment is stored; make the message too old first (Telegram: 48 hours).
    from tandem.community import ingest

    original = ingest.store

    def store_then_age(update, parsed):
        if parsed.message:
            telegram.set_message_date(telegram.group, int(parsed.message.message_id), 0)
        return original(update, parsed)

    monkeypatch.setattr(ingest, "store", store_then_age)
    comment = says(OBSCENE)
    comment.refresh_from_db()
    assert comment.status == CommentStatus.VISIBLE
    assert on_telegram(telegram, telegram.group, comment.external_id)
    audit = ModerationAction.objects.get()
    assert (audit.action, audit.ok) == ("delete", False)
    assert "48 hours" in audit.platform_answer
    assert "message can't be deleted" in audit.platform_answer.lower()  # Telegram's own words
    assert Author.objects.get().warnings == 0  # nothing happened to the author


def test_a_bot_without_the_delete_right_is_told_which_right_to_give(team, telegram, says):
    telegram.set_member(telegram.bot, telegram.group, "administrator", can_delete_messages=False)
    says(OBSCENE)
    audit = ModerationAction.objects.get()
    assert not audit.ok
    assert "Delete messages" in audit.platform_answer


def test_a_hold_rule_holds_the_comment_for_review_and_it_stays_on_telegram(team, telegram, says):
    Rule.objects.create(
        workspace=team.workspace,
        name="Coupons",
        action="hold",
        conditions=[{"type": "words", "words": ["coupon"]}],
    )
    comment = says("Do you have a coupon?")
    comment.refresh_from_db()
    assert comment.status == CommentStatus.HELD
    assert on_telegram(telegram, telegram.group, comment.external_id)
    audit = ModerationAction.objects.get()
    assert (audit.action, audit.source, audit.rule_name, audit.ok) == ("hold", "rule", "Coupons", True)


def test_hide_deletes_on_telegram_which_cannot_hide(team, telegram, says):
    Rule.objects.create(
        workspace=team.workspace,
        name="No ads",
        action="hide",
        conditions=[{"type": "words", "words": ["promo"]}],
    )
    comment = says("promo in my profile")
    comment.refresh_from_db()
    assert comment.status == CommentStatus.DELETED
    audit = ModerationAction.objects.get()
    # recorded as what was done: a deletion, which no undo can bring back
    assert audit.action == "delete" and audit.ok
    assert "cannot hide" in audit.platform_answer
    assert not undoable(ModerationAction.objects.all()).exists()


def test_only_a_hide_where_the_platform_hides_can_be_undone(team, telegram, says, make_comment):
    on_telegram = says("hello from Telegram")
    in_sandbox = make_comment("hello from the sandbox")
    assert not can_undo("hide", [on_telegram.pk])
    assert not can_undo("hide", [on_telegram.pk, in_sandbox.pk])
    assert can_undo("hide", [in_sandbox.pk])
    assert can_undo("ban", [on_telegram.pk])
    assert not can_undo("delete", [in_sandbox.pk])


def test_warn_deletes_and_answers_in_the_thread(team, telegram, says, fake_post):
    Rule.objects.create(
        workspace=team.workspace,
        name="Be kind",
        action="warn",
        warn_text="please be kind.",
        conditions=[{"type": "words", "words": ["stupid"]}],
    )
    comment = says("stupid question but", user_id=99, name="Zed")
    assert not on_telegram(telegram, telegram.group, comment.external_id)
    warning = telegram.messages(telegram.group)[-1]
    assert warning["text"] == "Zed, please be kind."
    assert warning["reply_to_message"]["message_id"] == fake_post.copy_id
    audit = ModerationAction.objects.get()
    assert (audit.action, audit.ok) == ("warn", True)


def warn_privately(team, **rule):
    ModerationSettings.objects.update_or_create(workspace=team.workspace, defaults={"warn_mode": "private"})
    Rule.objects.create(
        workspace=team.workspace,
        name="Be kind",
        action="warn",
        warn_text="please be kind.",
        conditions=[{"type": "words", "words": ["stupid"]}],
        **rule,
    )


def test_a_private_warning_goes_to_the_person_who_started_the_bot(team, telegram, says):
    warn_privately(team)
    telegram.user_starts_bot(telegram.bot, 99, "Zed")
    before = len(telegram.messages(telegram.group))
    comment = says("stupid question but", user_id=99, name="Zed")
    assert not on_telegram(telegram, telegram.group, comment.external_id)
    # Nothing new in the group: the comment is gone and the warning went to the person's own chat.
    assert len(telegram.messages(telegram.group)) == before
    sent = telegram.private_messages(telegram.bot, 99)
    assert [m["text"] for m in sent] == ["Acme News: please be kind."]
    assert sent[0]["chat"]["id"] == 99
    audit = ModerationAction.objects.get()
    assert (audit.action, audit.ok, audit.rule_name) == ("warn", True, "Be kind")
    assert audit.platform_answer == "deleted; warned privately"
    assert Author.objects.get(external_id="99").warnings == 1


def test_a_refused_private_warning_is_given_in_the_thread_and_the_audit_says_why(
    team, telegram, says, fake_post
):
    warn_privately(team)
    comment = says("stupid question but", user_id=99, name="Zed")  # Zed never started the bot
    assert not on_telegram(telegram, telegram.group, comment.external_id)
    assert telegram.private_messages(telegram.bot, 99) == []
    warning = telegram.messages(telegram.group)[-1]
    assert warning["text"] == "Zed, please be kind."
    assert warning["reply_to_message"]["message_id"] == fake_post.copy_id
    audit = ModerationAction.objects.get()
    assert (audit.action, audit.ok) == ("warn", True)  # the warning did reach the person
    answer = audit.platform_answer
    assert answer.startswith("deleted; not warned privately: The person has not started a conversation")
    assert "Forbidden: bot can't initiate conversation with a user" in answer  # Telegram's own words
    assert answer.endswith("warning in the thread instead; warned in the thread")


def test_a_team_warning_on_the_sandbox_goes_privately(team, make_comment):
    ModerationSettings.objects.create(workspace=team.workspace, warn_mode="private")
    comment = make_comment("you are wrong", author="zed")
    [audit] = run_team_action("warn", [comment.pk], team.manager.pk, text="Mind your words.")
    comment.refresh_from_db()
    assert comment.status == CommentStatus.DELETED
    assert (audit.action, audit.source, audit.ok) == ("warn", "team", True)
    # A comment outside any thread is warned about before it goes (so the thread could still answer it).
    assert audit.platform_answer == "warned privately; deleted"


def test_a_workspace_that_warns_in_the_thread_sends_nothing_privately(team, telegram, says):
    Rule.objects.create(
        workspace=team.workspace, name="Be kind", action="warn", warn_text="please be kind.",
        conditions=[{"type": "words", "words": ["stupid"]}],
    )  # fmt: skip
    telegram.user_starts_bot(telegram.bot, 99, "Zed")
    says("stupid question but", user_id=99, name="Zed")
    assert telegram.private_messages(telegram.bot, 99) == []
    assert telegram.messages(telegram.group)[-1]["text"] == "Zed, please be kind."
    assert ModerationAction.objects.get().platform_answer == "deleted; warned in the thread"


def test_mute_and_ban_rules_restrict_the_person_in_the_group(team, telegram, says):
    Rule.objects.create(
        workspace=team.workspace, name="Casino", action="mute", mute_minutes=30,
        conditions=[{"type": "words", "words": ["casino"]}],
    )  # fmt: skip
    Rule.objects.create(
        workspace=team.workspace,
        name="Scam",
        action="ban",
        conditions=[{"type": "words", "words": ["wallet"]}],
    )
    muted = says("best casino here", user_id=11, name="Mo")
    assert telegram.member(telegram.group, 11).status == "restricted"
    mute = ModerationAction.objects.get(action="mute")
    assert mute.ok and mute.until is not None
    assert timedelta(minutes=29) < mute.until - timezone.now() <= timedelta(minutes=30)
    assert Author.objects.get(external_id="11").muted_until == mute.until
    assert muted.status == CommentStatus.DELETED  # the comment goes too

    says("send to my wallet", user_id=12, name="Bo")
    assert telegram.member(telegram.group, 12).status == "kicked"
    assert Author.objects.get(external_id="12").banned_at is not None
    assert ModerationAction.objects.get(action="ban").ok


def test_a_person_climbs_the_escalation_ladder(team, make_comment):
    """Default ladder: 2 strikes mute 60 min, 3 mute a day, 4 ban; each obscene comment is a strike."""
    steps = []
    for _n in range(4):
        comment = make_comment("ты дебил, бл@ть", author="troll")
        audit = moderate_comment(comment)
        steps.append((audit.action, audit.source))
    assert steps == [
        ("delete", "pack"),
        ("mute", "escalation"),
        ("mute", "escalation"),
        ("ban", "escalation"),
    ]
    troll = Author.objects.get(external_id="troll")
    assert troll.warnings == 4
    assert troll.banned_at is not None
    mutes = ModerationAction.objects.filter(action="mute").order_by("created_at", "id")
    assert [round((m.until - m.created_at) / timedelta(minutes=1)) for m in mutes] == [60, 24 * 60]


def test_the_sandbox_can_hide(team, make_comment):
    Rule.objects.create(
        workspace=team.workspace,
        name="Links",
        action="hide",
        conditions=[{"type": "words", "words": ["promo"]}],
    )
    comment = make_comment("promo code inside")
    audit = moderate_comment(comment)
    comment.refresh_from_db()
    assert comment.status == CommentStatus.HIDDEN
    assert (audit.action, audit.platform_answer) == ("hide", "hidden")


def test_the_teams_label_wins_over_a_later_verdict(team, make_comment):
    comment = make_comment("бл@ть, как вкусно", label="ok")
    assert moderate_comment(comment) is None
    comment.refresh_from_db()
    assert comment.status == CommentStatus.VISIBLE
    assert comment.verdict_action == "delete"  # the verdict is still shown


def test_audit_rows_cannot_be_changed_or_deleted(team, make_comment):
    audit = moderate_comment(make_comment("бл@ть"))
    audit.ok = False
    with pytest.raises(TypeError):
        audit.save()
    with pytest.raises(TypeError):
        audit.delete()
    with pytest.raises(TypeError):
        ModerationAction.objects.filter(pk=audit.pk).update(ok=False)
    with pytest.raises(TypeError):
        ModerationAction.objects.filter(pk=audit.pk).delete()
    assert ModerationAction.objects.get(pk=audit.pk).ok is True
