"""A loopback Telegram Bot API server: real HTTP on 127.0.0.1 that the real client (python-telegram-bot)
talks to, with faults and flood control a test can switch on.

    with FakeTelegramServer() as server:            # or the ``telegram_server`` fixture
        bot = server.add_bot()
        channel = server.add_chat("channel", "Acme News", username="acme_news")
        server.set_member(bot, channel, "administrator")
        ... Bot(bot.token, base_url=f"{server.url}/bot") ...
        assert len(server.messages(channel)) == 1  # what was really posted

    Comments: a discussion group linked to the channel gets a copy of every post, and people write there:
        group = server.add_chat("supergroup", "Acme Chat")
        server.set_member(bot, group, "administrator")
        server.link_discussion(channel, group)
        ... the bot posts message 1 in the channel ...
        server.user_says(group, 123, "Anna", "Nice!", reply_to=server.copy_of(channel, 1))
        server.pending_updates(bot)  # channel copy and comment, as getUpdates or the webhook would send

Why threads: ``ThreadingHTTPServer`` gives each keep-alive connection a daemon thread, so simulated latency
(``time.sleep``) holds up one connection only, and the stdlib parses HTTP/1.1 for us; answers leave in one
write with Nagle off, so keep-alive is not slowed by delayed ACKs. Measured on the team's 2-core machine
(busy): ~1,100 requests/s at 20 ms latency from a separate process over 64 keep-alive connections. With
python-telegram-bot as the client in the same process, the client is the limit (~3–5 ms of CPU per call,
~200–350 calls/s per event loop), not this server.

Facts from shared/docs/PLATFORMS.md ("Telegram Bot API"), checked against the official Bot API docs
(core.telegram.org/bots/api): URL ``/bot<token>/<method>``, method names case-insensitive; GET or POST
with query, form-urlencoded, JSON or multipart bodies, nested values as JSON text in form fields,
``attach://<name>`` file parts; the envelope and HTTP status = error_code; the descriptions "Too Many
Requests: retry after N" (+ parameters.retry_after), "Unauthorized", "Bad Request: chat not found", "message
to delete not found", "message can't be deleted", "Forbidden: bot was blocked by the user", "Forbidden: bot
can't initiate conversation with a user" (quoted by clients and bug reports; private chats: see
tests.fakes.telegram_community), "group chat was
upgraded to a supergroup chat" (+ parameters.migrate_to_chat_id); text 1–4096 and caption 0–1024 characters,
counted in UTF-16 code units after entity parsing; albums of up to 10 items returning an array of Message;
deleteMessage only for messages younger than 48 hours; ~1 message/s per chat, ~30/s per bot, 20/min per
group. Where PLATFORMS.md says sendMediaGroup takes 2–10 items, the docs say so too, but the official server
sends a single item as one plain message: the fake does that. Other descriptions ("Forbidden: bot is not a
member of the channel chat", "need administrator rights in the channel chat", "message is too long",
"message text is empty", "message is not modified: …", "too many messages to send as an album",
"IMAGE_PROCESS_FAILED", "wrong file identifier/HTTP URL specified", "MESSAGE_TOO_LONG" for edits) are the
strings clients and bug reports quote; "file is too big" for a photo over 10 MB is a guess.

Simpler than the real API: only getMe, getChat, getChatMember, getChatAdministrators (the bot only),
getChatMemberCount, sendMessage, sendPhoto, sendMediaGroup (photos only), editMessageText,
editMessageCaption, deleteMessage, getUpdates, setWebhook, deleteWebhook, getWebhookInfo, banChatMember,
unbanChatMember and restrictChatMember exist (others answer 404 "Not Found", like an unknown method; the
community side and its sources are described in tests.fakes.telegram_community and telegram_updates); only parse_mode HTML is parsed (Markdown is counted as sent); reply_markup is accepted and ignored;
photos sent by URL are not downloaded; one permission (can_send_messages) governs text and photos in groups;
an album counts as one send for flood control; edits and deletes are not rate limited; the limits allow
``FloodControl.slack`` (100 ms) of timing slack, because Telegram's real limits are approximate and a client
pacing exactly at the limit must not collect random 429s; bots may always edit their own messages.
"""

import contextlib
import json
import socket
import threading
import time
from collections import deque
from dataclasses import dataclass
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

import pytest

from tests.fakes.telegram_api import TelegramState
from tests.fakes.telegram_faults import Call, Fault, FloodControl, ServerStats
from tests.fakes.telegram_objects import JSON_FIELDS, ApiError, FakeBot, FakeChat, Upload

SENDING_METHODS = frozenset({"sendmessage", "sendphoto", "sendmediagroup"})
BAD_GATEWAY_PAGE = (
    b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1>"
    b"</center>\r\n<hr><center>nginx/1.18.0</center>\r\n</body>\r\n</html>\r\n"
)
STATUS_DESCRIPTIONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


@dataclass
class Answer:
    status: int
    body: bytes
    content_type: str = "application/json"
    then: str = "answer"  # answer | drop | hang
    hang_seconds: float = 0.0


def envelope(result) -> bytes:
    return json.dumps({"ok": True, "result": result}, ensure_ascii=False).encode()


def error_answer(code: int, description: str, parameters: dict | None = None) -> Answer:
    data = {"ok": False, "error_code": code, "description": description}
    if parameters:
        data["parameters"] = parameters
    return Answer(code, json.dumps(data, ensure_ascii=False).encode())


def parse_body(content_type: str, body: bytes) -> tuple[dict, dict[str, Upload]]:
    """Parameters and file parts of a form-urlencoded, JSON or multipart body."""
    kind = content_type.split(";", 1)[0].strip().lower()
    if not body:
        return {}, {}
    if kind == "application/json":
        data = json.loads(body)
        return (data if isinstance(data, dict) else {}), {}
    if kind == "multipart/form-data":
        message = BytesParser(policy=HTTP).parsebytes(
            b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body
        )
        params, uploads = {}, {}
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            data = part.get_payload(decode=True) or b""
            filename = part.get_filename()
            if filename is None:
                params[name] = data.decode("utf-8")
            else:
                uploads[name] = Upload(name, filename, part.get_content_type(), data)
        return params, uploads
    return dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True)), {}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as httpx expects
    disable_nagle_algorithm = True
    wbufsize = 64 * 1024  # headers and body leave in one write
    server: "_HTTPServer"

    def setup(self):
        super().setup()
        self.server.fake.track(self.connection, add=True)

    def finish(self):
        self.server.fake.track(self.connection, add=False)
        super().finish()

    def log_message(self, format, *args):  # quiet: tests read server.calls and server.stats instead
        pass

    def do_GET(self):
        self.serve()

    def do_POST(self):
        self.serve()

    def read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16):
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                pass
            return b"".join(chunks)
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def serve(self):
        url = urlsplit(self.path)
        body = self.read_body()
        answer = self.server.fake.respond(url.path, url.query, self.headers.get("Content-Type", ""), body)
        if answer.then != "answer":
            # The request was read and acted on; the client gets no answer at all.
            if answer.then == "hang":
                self.server.fake.stopping.wait(answer.hang_seconds)
            self.close_connection = True
            return
        self.send_response(answer.status)
        self.send_header("Content-Type", answer.content_type)
        self.send_header("Content-Length", str(len(answer.body)))
        self.end_headers()
        self.wfile.write(answer.body)


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    request_queue_size = 256

    def __init__(self, address, fake: "FakeTelegramServer"):
        self.fake = fake
        super().__init__(address, _Handler)


class FakeTelegramServer:
    """The fake Bot API over HTTP; state in ``self.state`` (see tests.fakes.telegram_api)."""

    def __init__(self, *, rate_limits: bool = False, latency_ms: float = 0):
        self.state = TelegramState()
        self.flood = FloodControl()
        self.rate_limits = rate_limits
        self.latency_ms = latency_ms
        self.method_latency_ms: dict[str, float] = {}
        self.stats = ServerStats()
        self.calls: deque[Call] = deque(maxlen=200_000)
        self.stopping = threading.Event()
        self.port = 0
        self._faults: list[Fault] = []
        self._lock = threading.Lock()
        self._connections: set[socket.socket] = set()
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- life cycle -------------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "FakeTelegramServer":
        """Listen (again, on the same port after a stop, so a test can take the server down and back up)."""
        self.stopping.clear()
        self._httpd = _HTTPServer(("127.0.0.1", self.port), self)
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="fake-telegram",
            daemon=True,
        )
        self._thread.start()
        for queue in list(self.state.queues.values()):
            queue.resume()
        return self

    def stop(self) -> None:
        """Stop listening and cut every open connection, so clients see "connection refused" from now on."""
        if self._httpd is None:
            return
        self.stopping.set()
        for queue in list(self.state.queues.values()):
            queue.pause()
        self._httpd.shutdown()
        with self._lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        self._httpd.server_close()
        self._thread.join(timeout=5)
        self._httpd = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def track(self, connection: socket.socket, *, add: bool) -> None:
        with self._lock:
            (self._connections.add if add else self._connections.discard)(connection)

    # --- state, for tests -------------------------------------------------------------------------------

    def add_bot(self, username: str = "", first_name: str = "Tandem Test Bot") -> FakeBot:
        return self.state.add_bot(username, first_name)

    def add_chat(
        self, type: str = "channel", title: str = "Test channel", username: str | None = None
    ) -> FakeChat:
        return self.state.add_chat(type, title, username)

    def set_member(self, bot: FakeBot, chat: FakeChat, status: str = "administrator", **rights: bool) -> None:
        self.state.set_member(bot, chat, status, **rights)

    def revoke_token(self, bot: FakeBot) -> None:
        """Every call with this token answers 401 Unauthorized from now on."""
        with self.state.lock:
            bot.revoked = True

    def remove_bot(self, bot: FakeBot, chat: FakeChat, *, banned: bool = False) -> None:
        self.state.set_member(bot, chat, "kicked" if banned else "left")

    def delete_chat(self, chat: FakeChat) -> None:
        """The chat is gone: every call naming it answers 400 "Bad Request: chat not found"."""
        with self.state.lock:
            self.state.chats.pop(chat.id, None)

    def block_bot(self, chat: FakeChat) -> None:
        with self.state.lock:
            chat.blocked = True

    def migrate_group(self, chat: FakeChat) -> FakeChat:
        return self.state.migrate_group(chat)

    # --- people, discussion groups and updates (tests.fakes.telegram_community) ----------------------------

    def link_discussion(self, channel: FakeChat, group: FakeChat) -> None:
        self.state.link_discussion(channel, group)

    def user_says(self, chat, user_id: int, first_name: str, text: str, reply_to=None, thread_id=None,
                  **user_fields) -> dict:  # fmt: skip
        return self.state.user_says(chat, user_id, first_name, text, reply_to, thread_id, **user_fields)

    def user_edits(self, chat, message_id: int, text: str) -> dict:
        return self.state.user_edits(chat, message_id, text)

    def user_starts_bot(self, bot: FakeBot, user_id: int, first_name: str = "Anna", **user_fields) -> dict:
        """The person starts the bot (sends /start): the bot may write to them privately from now on."""
        return self.state.user_starts_bot(bot, user_id, first_name, **user_fields)

    def user_blocks_bot(self, bot: FakeBot, user_id: int) -> None:
        self.state.user_blocks_bot(bot, user_id)

    def private_messages(self, bot: FakeBot, user_id: int) -> list[dict]:
        """What the bot wrote to the person in their private chat, as the API's Message objects."""
        return self.state.private_messages(bot, user_id)

    def copy_of(self, channel, post_id: int) -> int | None:
        return self.state.copy_of(channel, post_id)

    def push_update(self, chat, kind: str, payload: dict) -> None:
        """Queue any update (e.g. message_reaction_count) for the bots in ``chat``."""
        self.state.push_update(chat, kind, payload)

    def pending_updates(self, bot: FakeBot) -> list[dict]:
        """The bot's updates not yet confirmed (or delivered to its webhook)."""
        with self.state.lock:
            queue = self.state.queue(bot)
        with queue.condition:
            return [dict(update) for update in queue.pending]

    def webhook_deliveries(self, bot: FakeBot) -> list:
        """Every POST to the bot's webhook so far (WebhookDelivery: update_id, attempt, status, secret)."""
        with self.state.lock:
            queue = self.state.queue(bot)
        with queue.condition:
            return list(queue.deliveries)

    def member(self, chat, user_id: int):
        """A person's Membership in the chat now (status, rights, until_date)."""
        with self.state.lock:
            return self.state.membership(self.state.find_chat(chat), user_id)

    def messages(self, chat) -> list[dict]:
        """What is in the chat now (deleted messages are gone), as the API's Message objects."""
        with self.state.lock:
            found = self.state.find_chat(chat)
            if found is None:
                return []
            return [
                self.state.message_json(found, m)
                for m in sorted(found.messages.values(), key=lambda m: m.message_id)
            ]

    def set_message_date(self, chat, message_id: int, date: float) -> None:
        """Backdate a message, e.g. to make it older than the 48 hours in which bots may delete it."""
        with self.state.lock:
            self.state.find_chat(chat).messages[message_id].date = int(date)

    # --- injected behaviour -----------------------------------------------------------------------------

    def fail_next(self, times: int = 1, *, status: int = 500, retry_after: int = 1, method: str | None = None,
                  chat=None, description: str | None = None) -> None:  # fmt: skip
        """Answer the next ``times`` matching calls with ``status`` (429, 500, 502 …) and do nothing."""
        self._add_fault(Fault("error", times, status=status, retry_after=retry_after, description=description),
                        method, chat)  # fmt: skip

    def drop_after_read(self, times: int = 1, *, method: str | None = None, chat=None) -> None:
        """Read the request and act on it (the message IS posted), then close the connection unanswered."""
        self._add_fault(Fault("drop", times), method, chat)

    def hang(self, times: int = 1, *, seconds: float = 30.0, method: str | None = None, chat=None) -> None:
        """Act on the request, then stay silent for ``seconds`` (longer than the client's read timeout)."""
        self._add_fault(Fault("hang", times, seconds=seconds), method, chat)

    def _add_fault(self, fault: Fault, method: str | None, chat) -> None:
        fault.method = method.lower() if method else None
        fault.chat_id = chat.id if isinstance(chat, FakeChat) else (int(chat) if chat is not None else None)
        with self._lock:
            self._faults.append(fault)

    def _take_fault(self, method: str, chat_id: int | None) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.times > 0 and fault.matches(method, chat_id):
                    fault.times -= 1
                    return fault
        return None

    # --- one request ------------------------------------------------------------------------------------

    def respond(self, path: str, query: str, content_type: str, body: bytes) -> Answer:
        received_at = time.monotonic()
        method, token = "", ""
        parts = path.split("/")
        if len(parts) == 3 and parts[1].startswith("bot"):
            token, method = parts[1].removeprefix("bot"), parts[2].lower()
        try:
            params, uploads = parse_body(content_type, body)
        except ValueError:
            params, uploads = {}, {}
        params = {**dict(parse_qsl(query, keep_blank_values=True)), **params}
        chat = self.state.find_chat(params["chat_id"]) if params.get("chat_id") not in (None, "") else None
        call = Call(received_at, method, chat.id if chat else None)
        with self._lock:
            self.calls.append(call)
            self.stats.requests += 1
            self.stats.by_method[method] += 1
            self.stats.in_flight += 1
            self.stats.max_in_flight = max(self.stats.max_in_flight, self.stats.in_flight)
        try:
            answer = self._answer(token, method, params, uploads, chat)
        finally:
            with self._lock:
                self.stats.in_flight -= 1
        with self._lock:
            if answer.then == "answer":
                call.status = answer.status
                self.stats.by_status[answer.status] += 1
            else:
                self.stats.dropped += answer.then == "drop"
                self.stats.hung += answer.then == "hang"
        return answer

    def _answer(self, token: str, method: str, params: dict, uploads: dict, chat: FakeChat | None) -> Answer:
        latency = self.method_latency_ms.get(method, self.latency_ms)
        if latency:
            time.sleep(latency / 1000)
        if not method or ":" not in token or not token.partition(":")[0].isdigit():
            return error_answer(404, "Not Found")
        bot = self.state.bots.get(token)
        if bot is None or bot.revoked:
            return error_answer(401, "Unauthorized")
        fault = self._take_fault(method, chat.id if chat else None)
        if fault and fault.kind == "error":
            return self._fault_answer(fault)
        if self.rate_limits and method in SENDING_METHODS and chat is not None:
            retry_after = self.flood.check(bot.id, chat, time.monotonic())
            if retry_after is not None:
                with self._lock:
                    self.stats.rate_limited += 1
                return error_answer(
                    429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after}
                )
        for name in JSON_FIELDS & params.keys():
            # Nested values arrive as JSON text inside form fields; checked here so a broken one answers 400.
            if isinstance(params[name], str):
                try:
                    json.loads(params[name])
                except ValueError:
                    return error_answer(400, f"Bad Request: can't parse {name} JSON object")
        try:
            answer = Answer(200, envelope(self.state.call(bot, method, params, uploads)))
        except ApiError as error:
            answer = error_answer(error.code, error.description, error.parameters)
        if fault:
            answer.then, answer.hang_seconds = fault.kind, fault.seconds
        return answer

    def _fault_answer(self, fault: Fault) -> Answer:
        if fault.status == 429:
            return error_answer(429, f"Too Many Requests: retry after {fault.retry_after}",
                                {"retry_after": fault.retry_after})  # fmt: skip
        if fault.status == 502 and fault.description is None:
            # Telegram's front end answers a dead backend with nginx's HTML page, not the JSON envelope.
            return Answer(502, BAD_GATEWAY_PAGE, "text/html")
        description = fault.description or STATUS_DESCRIPTIONS.get(fault.status, "Internal Server Error")
        return error_answer(fault.status, description)


@pytest.fixture
def telegram_server():
    """A started fake Bot API server, stopped after the test."""
    with FakeTelegramServer() as server:
        yield server
