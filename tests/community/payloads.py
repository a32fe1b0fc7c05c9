"""Raw Telegram updates shaped as the Bot API sends them (webhook bodies and getUpdates items).

A channel's comments are messages in its linked discussion supergroup: the post arrives there as an
automatic forward (is_automatic_forward, forward_origin naming the channel and the post), a top-level comment
has message_thread_id = that copy's id and reply_to_message = the copy, a nested reply has the same thread id
and reply_to_message = the comment it answers.
"""

import time

DATE = int(time.time()) - 60


def channel_chat(chat_id: int, title: str = "Acme News") -> dict:
    return {"id": chat_id, "title": title, "username": "acme_news", "type": "channel"}


def group_chat(chat_id: int, title: str = "Acme Chat") -> dict:
    return {"id": chat_id, "title": title, "type": "supergroup"}


def user(user_id: int = 424242, first_name: str = "Anna", username: str = "anna_k", **fields) -> dict:
    return {"id": user_id, "is_bot": False, "first_name": first_name, "username": username,
            "language_code": "ru", **fields}  # fmt: skip


def post_copy_message(
    group_id: int, copy_id: int, channel_id: int, post_id: int, text: str = "Fresh roast"
) -> dict:
    channel = channel_chat(channel_id)
    return {
        "message_id": copy_id,
        "from": {"id": 777000, "is_bot": False, "first_name": "Telegram"},
        "sender_chat": channel,
        "chat": group_chat(group_id),
        "date": DATE,
        "forward_origin": {"type": "channel", "chat": channel, "message_id": post_id, "date": DATE},
        "forward_from_chat": channel,
        "forward_from_message_id": post_id,
        "forward_date": DATE,
        "is_automatic_forward": True,
        "text": text,
    }


def comment_message(group_id: int, message_id: int, text: str, *, reply_to: dict | None = None,
                    thread_id: int | None = None, sender: dict | None = None, date: int = DATE) -> dict:  # fmt: skip
    message = {"message_id": message_id, "from": sender or user(), "chat": group_chat(group_id), "date": date,
               "text": text}  # fmt: skip
    if thread_id is not None:
        message["message_thread_id"] = thread_id
    if reply_to is not None:
        message["reply_to_message"] = reply_to
    return message


def update(update_id: int, message: dict, kind: str = "message") -> dict:
    return {"update_id": update_id, kind: message}


def join_request_update(update_id: int, chat_id: int) -> dict:
    """Someone asks to join a chat (chat_join_request): a kind Tandem does not use, stored raw, ignored."""
    return {
        "update_id": update_id,
        "chat_join_request": {"chat": channel_chat(chat_id), "from": user(), "user_chat_id": user()["id"],
                              "date": DATE},
    }  # fmt: skip
