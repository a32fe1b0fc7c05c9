"""From python-telegram-bot's exceptions to ``ConnectorError``: what kind of failure, and a sentence for the user.

The rule for ambiguity. The Bot API has no idempotency key, so a send that may have reached Telegram must
never be re-sent blindly. PTB wraps every transport failure in ``NetworkError``/``TimedOut`` and keeps the
httpx exception as ``__cause__``; that exception says in which phase the request failed:

* before the request was complete on the wire — ``ConnectError``, ``ConnectTimeout`` (nothing sent),
  ``PoolTimeout`` (no connection was free), ``WriteError``/``WriteTimeout`` (the request was cut short, and
  Telegram acts only on a complete request), ``UnsupportedProtocol``/``LocalProtocolError``/``ProxyError``,
  or a bare ``ConnectionRefusedError``: Telegram cannot have acted, so it is TRANSIENT;
* after the request was sent — ``ReadTimeout``, ``ReadError``, ``RemoteProtocolError`` ("Server
  disconnected without sending a response"), or anything unrecognised: Telegram may have posted it, so a
  send is AMBIGUOUS.

An HTTP answer with an error status is no transport failure: Telegram did answer, and did not act, so 5xx
is TRANSIENT. Calls that are safe to repeat (getMe, getChat, edits, deletes) are never AMBIGUOUS: for them
the caller passes ``sends=False`` and an after-send failure is TRANSIENT too.
"""

import datetime as dt
import warnings

import httpx
from django.utils.translation import gettext as _
from telegram import error as tg
from telegram.warnings import PTBDeprecationWarning

from tandem.platforms.base import ConnectorError, ErrorKind

# PTB 22 reads its own deprecated int ``retry_after`` while building RetryAfter, so every 429 would warn;
# retry_seconds() reads the timedelta instead, so the warning tells Tandem nothing.
warnings.filterwarnings("ignore", message=r".*attribute `retry_after`", category=PTBDeprecationWarning)

NOT_SENT = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
    httpx.WriteError,
    httpx.WriteTimeout,
    httpx.UnsupportedProtocol,
    httpx.LocalProtocolError,
    httpx.ProxyError,
    ConnectionRefusedError,
)


def bad_token() -> str:
    return _("Telegram does not accept this bot token. Copy it again from @BotFather.")


def unknown_chat() -> str:
    return _(
        "Telegram does not know this chat. Check the chat id or @username, and that the bot was added to it."
    )


def needs_post_right() -> str:
    return _("Make the bot an administrator of the channel with the right to post messages.")


def caption_too_long(limit: int) -> str:
    return _("The text is too long for a caption (%(limit)s).") % {"limit": limit}


def cannot_delete() -> str:
    return _(
        "Telegram only lets bots delete messages younger than 48 hours (and only with the right to delete "
        "messages). Delete this post in Telegram yourself."
    )


def transport_cause(exc: BaseException) -> BaseException | None:
    """The httpx exception (or OS error) under PTB's wrapper, if the failure happened in transport."""
    seen = set()
    cause = exc.__cause__ or exc.__context__
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        if isinstance(cause, httpx.HTTPError | OSError):
            return cause
        cause = cause.__cause__ or cause.__context__
    return None


def retry_seconds(exc: tg.RetryAfter) -> float:
    # PTB 22 keeps a timedelta and warns (PTBDeprecationWarning) when the int property is read.
    value = getattr(exc, "_retry_after", None)
    if not isinstance(value, dt.timedelta):
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value)


def connector_error(
    exc: tg.TelegramError, *, sends: bool, token: str = "", refusals: dict[str, str] | None = None
) -> ConnectorError:
    """The ConnectorError for a PTB exception; ``sends`` says whether repeating the call could post twice.
    ``refusals`` maps parts of a Bad Request's description to the call's own PERMANENT sentence."""
    detail = str(exc).replace(token, "<token>") if token else str(exc)
    described = detail.lower()

    def permanent(message: str, broken: bool = False) -> ConnectorError:
        return ConnectorError(ErrorKind.PERMANENT, message, detail=detail, channel_broken=broken)

    if isinstance(exc, tg.BadRequest):
        for fragment, message in (refusals or {}).items():
            if fragment in described:
                return permanent(message)
    if isinstance(exc, tg.Conflict):
        if "webhook" in described:
            return permanent(
                _("A webhook is set for this bot, so Telegram does not hand out its updates on request.")
            )
        # "terminated by other getUpdates request": another program polls with the same token.
        return ConnectorError(
            ErrorKind.TRANSIENT,
            _("Another program is reading this bot's updates at the same time. Only one may."),
            detail=detail,
        )

    if isinstance(exc, tg.RetryAfter):
        seconds = retry_seconds(exc)
        return ConnectorError(
            ErrorKind.RATE_LIMITED,
            _("Telegram asked Tandem to slow down; it will try again in %(seconds)s seconds.")
            % {"seconds": round(seconds)},
            detail=detail,
            retry_after=seconds,
        )
    if isinstance(exc, tg.InvalidToken):
        return permanent(bad_token(), broken=True)
    if isinstance(exc, tg.ChatMigrated):
        return permanent(
            _(
                "This group became a supergroup with the new chat id %(chat_id)s. Change the channel's chat "
                "id to %(chat_id)s."
            )
            % {"chat_id": exc.new_chat_id},
            broken=True,
        )
    if isinstance(exc, tg.Forbidden):
        return permanent(
            _(
                "Telegram no longer lets the bot into this chat: it was removed, banned or blocked. Add the "
                "bot to the chat again."
            ),
            broken=True,
        )
    if isinstance(exc, tg.BadRequest):
        return bad_request(described, permanent)
    if isinstance(exc, tg.NetworkError):
        cause = transport_cause(exc)
        if cause is None:
            if "too large" in described:
                return permanent(_("The post is larger than Telegram accepts."))
            # Telegram answered with a 5xx (or its front end with a 502 page): it did not act.
            return ConnectorError(
                ErrorKind.TRANSIENT,
                _("Telegram is having trouble right now; Tandem will try again."),
                detail=detail,
            )
        if isinstance(cause, NOT_SENT) or not sends:
            return ConnectorError(
                ErrorKind.TRANSIENT,
                _("Tandem could not reach Telegram; nothing was sent. It will try again."),
                detail=f"{detail} ({type(cause).__name__})",
            )
        return ambiguous(f"{detail} ({type(cause).__name__})")
    # Any other TelegramError (e.g. an answer that is not JSON) came after the request was sent.
    if sends:
        return ambiguous(detail)
    return ConnectorError(
        ErrorKind.TRANSIENT, _("Telegram gave an answer Tandem could not read."), detail=detail
    )


def ambiguous(detail: str) -> ConnectorError:
    return ConnectorError(
        ErrorKind.AMBIGUOUS,
        _(
            "The connection to Telegram broke after the post was sent, so Tandem cannot tell whether it was "
            "published. Check the chat before publishing it again."
        ),
        detail=detail,
    )


def bad_request(described: str, permanent) -> ConnectorError:
    """Telegram refused the request as such; only a missing chat or missing rights break the channel."""
    if "chat not found" in described:
        return permanent(unknown_chat(), broken=True)
    if "need administrator rights" in described or "not enough rights" in described:
        return permanent(needs_post_right(), broken=True)
    if "message can't be deleted" in described:
        return permanent(cannot_delete())
    if "caption is too long" in described:
        return permanent(caption_too_long(1024))
    if "message is too long" in described or "message_too_long" in described:
        return permanent(_("The text is longer than Telegram allows (4096 characters)."))
    if "text is empty" in described:
        return permanent(_("Telegram does not send an empty message."))
    if "not found" in described and "message" in described:
        return permanent(_("The message is no longer in the Telegram chat."))
    if any(word in described for word in ("image", "photo", "file", "media")):
        return permanent(_("Telegram could not use one of the images."))
    return permanent(_("Telegram refused the post."))
