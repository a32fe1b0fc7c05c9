"""The sandbox's simulated audience: a small cast of made-up people who comment on published sandbox posts,
mostly kindly, sometimes with spam or abuse, so a demo shows the inbox and moderation at work.

Their comments take the same path as real ones (ingest.record_message, then moderation); only the raw
platform update is skipped, since nothing outside Tandem sends them.
"""

import random
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from tandem.channels.models import Channel, ChannelStatus
from tandem.content.models import Delivery, DeliveryState
from tandem.platforms.base import IncomingMessage, Sender

from .actions import moderate_comment
from .ingest import record_message
from .models import Comment


@dataclass(frozen=True)
class Persona:
    external_id: str
    name: str
    username: str
    language: str
    # What they mostly write: "friendly", "spam" or "abuse".
    temper: str


CAST = (
    Persona("sandbox-101", "Анна Смирнова", "anna_smirnova", "ru", "friendly"),
    Persona("sandbox-102", "Дмитрий К.", "dkozlov", "ru", "friendly"),
    Persona("sandbox-103", "Marta Lopez", "marta_l", "en", "friendly"),
    Persona("sandbox-104", "James Whitfield", "jwhitfield", "en", "friendly"),
    Persona("sandbox-105", "Ольга", "olga_coffee", "ru", "friendly"),
    Persona("sandbox-106", "Sam Carter", "", "en", "friendly"),
    Persona("sandbox-107", "Игорь П.", "igor_p", "ru", "friendly"),
    Persona("sandbox-201", "Крипто Заработок 💰", "crypto_profit_ru", "ru", "spam"),
    Persona("sandbox-202", "Jessica ❤", "hot_jess_2000", "en", "spam"),
    Persona("sandbox-301", "Вася", "vasya_troll", "ru", "abuse"),
    Persona("sandbox-302", "angry_dave", "angry_dave", "en", "abuse"),
)

LINES = {
    ("friendly", "ru"): (
        "Спасибо, очень полезно!",
        "А во сколько вы открываетесь в субботу?",
        "Попробовала по вашему совету — стало намного вкуснее 👍",
        "Подскажите, а есть зерно без кислинки?",
        "Лучший кофе в городе, без преувеличения.",
        "Можно ли заказать доставку в офис?",
        "Согласен, френч-пресс недооценён.",
        "А скидка по карте действует на зерно?",
    ),
    ("friendly", "en"): (
        "Thanks, this is really helpful!",
        "What grind size do you recommend for a French press?",
        "Love this place ☕",
        "Do you ship beans abroad?",
        "Tried it this morning, amazing.",
        "Is the loyalty card valid on weekends too?",
        "Great tip, I always over-steeped mine.",
    ),
    ("spam", "ru"): (
        "Заработок от 5000₽ в день без вложений! Пиши в личку 💰💰💰",
        "Удалённая работа, 2 часа в день, подробности тут t.me/+AbCdEfGh123",
        "Крипта растёт, успей войти! bit.ly/crypto-x100",
    ),
    ("spam", "en"): (
        "Earn $500 a day from home!!! DM me now",
        "Hot singles near you 👉 join t.me/joinchat/AAAAhotsingles",
        "Free crypto giveaway, claim at https://free-btc-claim.example",
    ),
    ("abuse", "ru"): (
        "Кофе у вас — полное г*вно",
        "Вы все тут дебилы, бл@ть",
        "Иди на х у й со своей рекламой",
        "пи3дец, а не сервис",
    ),
    ("abuse", "en"): (
        "This is f.u.c.k.i.n.g garbage",
        "You are all idiots, sh1t coffee",
        "Go to hell with your stupid ads, morons",
    ),
}
# The demo's comments are spread over this much of the recent past.
DEMO_SPREAD = timedelta(hours=6)
# Comments come about this far apart when no start is given.
PACE = timedelta(seconds=90)
# Mostly friendly, as a real audience is.
TEMPERS = ("friendly",) * 7 + ("spam", "abuse")


def sandbox_chat(channel: Channel) -> str:
    """The sandbox channel's one comment chat."""
    return channel.external_id or f"sandbox-{channel.pk}"


def published_posts(channel: Channel):
    return Delivery.objects.filter(channel=channel, state=DeliveryState.SENT).exclude(external_id="")


def simulate_comments(
    channel: Channel,
    count: int = 5,
    seed: int | None = None,
    deliveries=None,
    since: datetime | None = None,
) -> list[Comment]:
    """``count`` comments by the cast under the channel's published posts (or ``deliveries``), sent between
    ``since`` (by default about a minute and a half per comment ago, a lively but human pace) and now, then
    moderated. Returns the new comments."""
    posts = list(deliveries if deliveries is not None else published_posts(channel))
    if not posts:
        return []
    rng = random.Random(seed)  # noqa: S311 - made-up comments, not secrets
    now = timezone.now()
    start = since or now - count * PACE
    chat = sandbox_chat(channel)
    # Message ids only need to be unique in the chat: milliseconds since the epoch, then counting up.
    first_id = int(time.time() * 1000)
    times = sorted(start + (now - start) * rng.random() for _n in range(count))
    comments, used = [], set()
    for number, sent_at in enumerate(times):
        persona = _persona(rng)
        post = rng.choice(posts)
        # A post still being sent has no platform id yet; its comments thread under its Tandem id.
        thread = post.external_id or f"post-{post.pk}"
        earlier = [c for c in comments if c.delivery_id == post.pk]
        answered = rng.choice(earlier) if earlier and rng.random() < 0.3 else None
        message = IncomingMessage(
            chat_id=chat,
            message_id=str(first_id + number),
            sender=Sender(persona.external_id, persona.name, persona.username),
            text=_line(rng, persona, used),
            sent_at=sent_at,
            thread_id=thread,
            reply_to_message_id=answered.external_id if answered else thread,
        )
        with transaction.atomic():
            comment, new = record_message(channel, message, delivery=post)
        if new:
            # Each comment is moderated as it arrives, as a real one is.
            moderate_comment(comment)
            comments.append(comment)
    return comments


def _line(rng: random.Random, persona: Persona, used: set[str]) -> str:
    """A line the persona might write, one not said yet in this batch when there is one (a crowd repeating
    itself word for word is what the flood pack catches)."""
    lines = LINES[persona.temper, persona.language]
    line = rng.choice([line for line in lines if line not in used] or lines)
    used.add(line)
    return line


def _persona(rng: random.Random) -> Persona:
    temper = rng.choice(TEMPERS)
    return rng.choice([p for p in CAST if p.temper == temper])


def comment_on_sandbox_channels(count_max: int = 3) -> int:
    """A few new comments on each active sandbox channel that has published posts. Returns how many."""
    made = 0
    for channel in Channel.objects.filter(platform="sandbox", status=ChannelStatus.ACTIVE):
        if published_posts(channel).exists():
            made += len(simulate_comments(channel, count=random.randint(1, count_max)))  # noqa: S311 - made-up comments
    return made


def comment_for_demo(channel: Channel, count: int = 30) -> list[Comment]:
    """The demo's conversation so far: comments spread over the last hours under the posts published (or
    being published) now. Call after the demo's transaction: moderation may call the sandbox connector."""
    posts = Delivery.objects.filter(
        channel=channel,
        state__in=(DeliveryState.SCHEDULED, DeliveryState.SENDING, DeliveryState.SENT),
        due_at__lte=timezone.now(),
    )
    return simulate_comments(
        channel, count=count, seed=2026, deliveries=posts, since=timezone.now() - DEMO_SPREAD
    )
