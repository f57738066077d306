"""`newsbot chat`: talk to the real bot Application from a terminal, with no network.

The caller builds the same PTB Application it runs against Telegram, with `InProcessRequest(core)` as its
request and get_updates_request; `run_console` starts it with polling (so every update goes through the
real updater, handlers, jobs and error handlers), turns each input line into a private-chat message, and prints
what the bot sends to that chat, including alerts that jobs send later. Typing a number presses that button
under the most recent message with buttons. Documents are saved to a folder. EOF or /quit stops cleanly.

Input is read by a daemon thread (works for a tty, a pipe or an io.StringIO) so the event loop never blocks;
after each line the console waits until the bot is idle, so replies appear before the next line is sent.
"""

from __future__ import annotations

import asyncio
import codecs
import os
import select
import threading
import time
from pathlib import Path
from typing import Any, TextIO

from bot.telegram.fakeapi import BotAPICore, BotMessage, CoreEvent, render_terminal

QUIT_WORDS = {"/quit", "/exit"}
PROMPT = "bot> "
INDENT = " " * len(PROMPT)


class _Screen:
    """Prints the bot's side of the chat and remembers the latest buttons."""

    def __init__(self, stdout: TextIO, chat_id: int, download_dir: Path, ansi: bool):
        self.stdout = stdout
        self.chat_id = chat_id
        self.download_dir = download_dir
        self.ansi = ansi
        self.buttons_message: int | None = None
        self.buttons: list[dict] = []
        self._lock = threading.Lock()

    def write(self, text: str) -> None:
        with self._lock:
            self.stdout.write(text if text.endswith("\n") else text + "\n")
            self.stdout.flush()

    def on_event(self, event: CoreEvent) -> None:
        if event.chat_id != self.chat_id:
            return
        if event.kind == "message" and event.message is not None:
            self._show(event.message, edited=False)
        elif event.kind == "edit" and event.message is not None:
            self._show(event.message, edited=True)
        elif event.kind == "delete" and event.message is not None:
            if event.message.message_id == self.buttons_message:
                self.buttons_message, self.buttons = None, []
            self.write("(the bot deleted a message)")
        elif event.kind == "notice" and event.text:
            self.write(f"({'alert' if event.show_alert else 'notice'}: {event.text})")

    def _show(self, message: BotMessage, *, edited: bool) -> None:
        lines: list[str] = []
        if message.document is not None:
            lines.append(f"[document saved: {self._save(message)}]")
        body = render_terminal(message.plain, message.entities, ansi=self.ansi)
        if body:
            lines.extend(body.split("\n"))
        buttons = message.buttons
        if buttons:
            lines.append(self._button_line(message))
            self.buttons_message, self.buttons = message.message_id, buttons
        elif message.message_id == self.buttons_message:
            self.buttons_message, self.buttons = None, []
        head = "bot (edited)> " if edited else PROMPT
        pad = " " * len(head)
        self.write("\n".join([head + lines[0], *(pad + line for line in lines[1:])]) if lines else head)

    @staticmethod
    def _button_line(message: BotMessage) -> str:
        rows, n = [], 0
        for row in (message.reply_markup or {}).get("inline_keyboard", []):
            cells = []
            for button in row:
                n += 1
                label = f"[{n}] {button.get('text', '')}"
                if button.get("url"):
                    label += f" ({button['url']})"
                cells.append(label)
            rows.append("  ".join(cells))
        return ("\n" + INDENT).join(rows)

    def _save(self, message: BotMessage) -> Path:
        document = message.document
        assert document is not None
        self.download_dir.mkdir(parents=True, exist_ok=True)
        name = Path(document.filename).name or "document"
        target = self.download_dir / name
        stem, suffix, n = target.stem, target.suffix, 1
        while target.exists():
            target = self.download_dir / f"{stem}-{n}{suffix}"
            n += 1
        target.write_bytes(document.content)
        return target


def _fileno(stream: TextIO) -> int | None:
    try:
        return stream.fileno()
    except (AttributeError, OSError, ValueError):  # io.StringIO and friends
        return None


def _start_reader(stdin: TextIO, loop: asyncio.AbstractEventLoop, queue: asyncio.Queue,
                  stop: threading.Event) -> threading.Thread:
    """A daemon thread feeding lines (then None at EOF) to `queue`, so reading never blocks the loop.

    A real descriptor (tty, pipe, file) is read with select + os.read, so the thread notices `stop` and never
    sits inside the buffered sys.stdin when the interpreter exits; other streams (StringIO) use readline.
    """

    def post(item: str | None) -> bool:
        try:
            loop.call_soon_threadsafe(queue.put_nowait, item)
            return True
        except RuntimeError:  # the loop is gone: the console has ended
            return False

    fd = _fileno(stdin) if os.name == "posix" else None

    def read_descriptor() -> None:
        assert fd is not None
        decoder = codecs.getincrementaldecoder(getattr(stdin, "encoding", None) or "utf-8")(errors="replace")
        pending = ""
        while not stop.is_set():
            ready, _, _ = select.select([fd], [], [], 0.1)
            if not ready:
                continue
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            pending += decoder.decode(chunk)
            *complete, pending = pending.split("\n")
            for line in complete:
                if not post(line + "\n"):
                    return
        else:
            return  # the console stopped first
        pending += decoder.decode(b"", final=True)
        if pending:
            post(pending)
        post(None)

    def read_lines() -> None:
        while not stop.is_set():
            line = stdin.readline()
            if not line:
                break
            if not post(line):
                return
        post(None)

    def run() -> None:
        try:
            read_descriptor() if fd is not None else read_lines()
        except (ValueError, OSError):  # stdin closed under us
            post(None)

    thread = threading.Thread(target=run, name="newsbot-console-stdin", daemon=True)
    thread.start()
    return thread


def _bot_idle(application: Any, core: BotAPICore) -> bool:
    processor = getattr(application, "update_processor", None)
    busy_updates = processor.current_concurrent_updates if processor is not None else 0
    return (core.pending_updates == 0 and core.in_flight == 0 and application.update_queue.empty()
            and busy_updates == 0)


async def settle(application: Any, core: BotAPICore, timeout: float, quiet: float = 0.15) -> bool:
    """Wait until the bot has taken every update, finished handling it and has no call in flight.

    Idle must hold for `quiet` seconds (a handler may await non-API work between two sends). Returns False if
    `timeout` passed first.
    """
    deadline = time.monotonic() + timeout
    idle_since: float | None = None
    while time.monotonic() < deadline:
        if _bot_idle(application, core):
            idle_since = idle_since or time.monotonic()
            if time.monotonic() - idle_since >= quiet:
                return True
        else:
            idle_since = None
        await asyncio.sleep(0.02)
    return False


async def run_console(application: Any, core: BotAPICore, stdin: TextIO, stdout: TextIO, *, user_id: int = 1,
                      chat_id: int = 1, first_name: str = "You", download_dir: str | os.PathLike | None = None,
                      ansi: bool | None = None, reply_timeout: float = 60.0, exit_grace: float = 2.0) -> int:
    """Run `application` (built over InProcessRequest(core), not yet initialized) as a terminal chat.

    Returns 0 after EOF or /quit, once the application is stopped and shut down (post_init, post_stop and
    post_shutdown hooks run as run_polling would run them).
    """
    if ansi is None:
        isatty = getattr(stdout, "isatty", None)
        ansi = bool(isatty and isatty()) and not os.environ.get("NO_COLOR")
    if chat_id == user_id:
        core.private_chat(user_id, first_name)
    screen = _Screen(stdout, chat_id, Path(download_dir) if download_dir else Path.cwd(), ansi)
    username = core.bot_user.get("username", "bot")
    screen.write(f"newsbot chat - you are talking to @{username} offline. Type a message; a number presses "
                 f"a button; /quit or Ctrl-D leaves.")
    unsubscribe = core.subscribe(screen.on_event)
    loop = asyncio.get_running_loop()
    lines: asyncio.Queue[str | None] = asyncio.Queue()
    stop_reading = threading.Event()
    started = False
    try:
        await application.initialize()
        if application.post_init:
            await application.post_init(application)
        await application.updater.start_polling(poll_interval=0.0, timeout=10)
        await application.start()
        started = True
        _start_reader(stdin, loop, lines, stop_reading)
        while True:
            line = await lines.get()
            if line is None:
                break
            text = line.rstrip("\r\n")
            if text.strip().lower() in QUIT_WORDS:
                break
            if not text.strip():
                continue
            _say(core, screen, chat_id, user_id, text)
            if not await settle(application, core, reply_timeout):
                screen.write("(the bot is still busy; go on typing)")
        await settle(application, core, exit_grace)
    finally:
        stop_reading.set()
        try:
            if application.updater is not None and application.updater.running:
                await application.updater.stop()
            if application.running:
                await application.stop()
                if started and application.post_stop:
                    await application.post_stop(application)
            await application.shutdown()
            if application.post_shutdown:
                await application.post_shutdown(application)
        finally:
            unsubscribe()
    screen.write("bye")
    return 0


def _say(core: BotAPICore, screen: _Screen, chat_id: int, user_id: int, text: str) -> None:
    """Send a line as the user, or press button N when the line is just N and buttons are showing."""
    stripped = text.strip()
    if stripped.isdigit() and screen.buttons_message is not None:
        number = int(stripped)
        if not 1 <= number <= len(screen.buttons):
            screen.write(f"(there is no button {number}; choose 1-{len(screen.buttons)})")
            return
        button = screen.buttons[number - 1]
        if "callback_data" in button:
            core.push_callback(chat_id, user_id, screen.buttons_message, button["callback_data"])
        elif button.get("url"):
            screen.write(f"(open {button['url']} in a browser)")
        else:
            screen.write("(that button does nothing in the terminal)")
        return
    core.push_text(chat_id, user_id, text)
