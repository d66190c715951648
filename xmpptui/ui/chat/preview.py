"""PreviewController: images shared in a conversation shown as a thumbnail under their message. Which ones: our
own uploads from the file we sent (nothing fetched); received ones fetched (`Session.fetch_image`) only where
`[ui] preview` allows it (chats with roster contacts by default: fetching tells the image's server our address)
or `/preview on` did for the conversation. Decoding is bounded and off the UI loop (ui/chat/thumbnail.py); a
broken image is a placeholder line, never a dialog. Only messages the log shows are fetched and decoded. The
thumbnail is drawn in half blocks, or by the terminal through the kitty graphics protocol (ui/chat/kitty_graphics.py,
`[ui] graphics`)."""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import posixpath
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Protocol
from urllib.parse import urlsplit

from rich.console import Console
from textual.cache import LRUCache
from textual.strip import Strip

from xmpptui.config import UiConfig
from xmpptui.model.conversation import Attachment, ChatMessage, ConversationKind, Direction
from xmpptui.model.state import ClientState
from xmpptui.session import SessionError
from xmpptui.ui.chat import kitty_graphics, thumbnail
from xmpptui.ui.chat.chat_log import ChatLog
from xmpptui.ui.shared import render
from xmpptui.ui.shared.controller import CommandLine, CommandTable, ScreenTools

log = logging.getLogger(__name__)

IMAGE_TYPES = ("image/png", "image/jpeg", "image/gif", "image/webp")
IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".gif", ".webp")
NEEDS_EXTRA = "image previews need the images extra: pipx install 'xmpptui[images]'"
NOT_FETCHED = "image not previewed: /preview on shows this conversation's images (fetching tells their server your " \
              "address)"


class PreviewSession(Protocol):
    @property
    def state(self) -> ClientState: ...

    async def fetch_image(self, jid: str, message: ChatMessage, limit: int) -> bytes: ...


def is_image(attachment: Attachment) -> bool:
    """A PNG, JPEG, GIF or WebP image, by its type or (when the sender gave none) its name's extension."""
    if attachment.media_type:
        return attachment.media_type.lower() in IMAGE_TYPES
    name = attachment.name or posixpath.basename(urlsplit(attachment.url).path)
    return name.lower().endswith(IMAGE_EXTENSIONS)


def _read_limited(path: str) -> bytes:
    """Our own file, refused over the preview's byte cap before it is read (blocking: off the loop)."""
    file = Path(path)
    if file.stat().st_size > thumbnail.MAX_BYTES:
        raise thumbnail.PreviewFailed(f"the file is larger than {thumbnail.MAX_BYTES // (1024 * 1024)} MiB")
    return file.read_bytes()


class PreviewController:
    """Thumbnails by URL (an image is fetched and decoded once however many messages share it), their lines by
    (URL, width); the messages waiting for one, to be laid out again when it is ready."""

    def __init__(self, ui_config: UiConfig, tools: ScreenTools, composer: CommandLine, *,
                 active: Callable[[], str | None], log_of: Callable[[str], ChatLog | None],
                 console: Callable[[], Console], write: Callable[[str], None] = lambda data: None,
                 environ: Mapping[str, str] | None = None) -> None:
        """`log_of`: the chat log of a conversation, if open; `console`: what renders placeholder lines; `write`:
        the terminal (kitty images are sent there); `environ`: what names the terminal (`[ui] graphics = auto`)."""
        self._mode = ui_config.preview
        self._tools = tools
        self._composer = composer
        self._active = active
        self._log_of = log_of
        self._console = console
        self.session: PreviewSession | None = None
        self.pillow = thumbnail.pillow_available()
        self._overrides: dict[str, bool] = {}
        """Per conversation, what `/preview on|off` set (for this run)."""
        self._done: LRUCache[str, thumbnail.Thumbnail | str] = LRUCache(256)
        """By URL: the thumbnail, or why there is none (in words)."""
        self._lines: LRUCache[tuple[str, int], list[Strip]] = LRUCache(256)
        self._waiting: dict[str, list[ChatMessage]] = {}
        """By URL: the messages whose preview is being made."""
        self._decoding = asyncio.Semaphore(1)
        """One decode at a time (the time bound counts from its start): the other core stays for the UI."""
        self._decoder = thumbnail.decoding_thread() if self.pillow else None
        environ = os.environ if environ is None else environ
        self.graphics = kitty_graphics.choose_graphics(ui_config.graphics, environ)
        """"kitty" or "halfblocks": how thumbnails are drawn."""
        self._kitty = (kitty_graphics.KittyImages(write, tmux=bool(environ.get("TMUX")))
                       if self.graphics == "kitty" else None)

    def commands(self) -> CommandTable:
        return {"preview": self._command_preview}

    # Which images ---------------------------------------------------------------------------------------------

    def _shown_here(self, jid: str) -> bool:
        """Whether this conversation's received images are fetched: `/preview`, else `[ui] preview`."""
        override = self._overrides.get(jid)
        if override is not None:
            return override
        if self._mode != "roster" or self.session is None:
            return self._mode == "all"
        conversation = self.session.state.conversations.get(jid)
        return (conversation is not None and conversation.kind is ConversationKind.CHAT
                and self.session.state.roster.get(jid) is not None)

    def _local_copy(self, message: ChatMessage) -> str:
        """Our own upload's file, when we still have it (previewed unless previews are off here)."""
        attachment = message.attachment
        if attachment is None or message.direction is not Direction.OUT or not attachment.local_path:
            return ""
        if self._overrides.get(message.conversation) is False or (
                self._mode == "off" and message.conversation not in self._overrides):
            return ""
        return attachment.local_path if Path(attachment.local_path).is_file() else ""

    # What the log asks (MessageLines' Previews) -------------------------------------------------------------

    def lines(self, message: ChatMessage, width: int) -> list[Strip]:
        attachment = message.attachment
        if attachment is None or not is_image(attachment):
            return []
        if not self._local_copy(message) and not self._shown_here(message.conversation):
            turned_off = self._mode == "off" or self._overrides.get(message.conversation) is False
            return [] if turned_off else self._note(NOT_FETCHED, width)
        if not self.pillow:
            return self._note(NEEDS_EXTRA, width)
        done = self._done.get(attachment.url)
        if isinstance(done, thumbnail.Thumbnail) and self._kitty is not None and attachment.url in self._kitty:
            return self._kitty.strips(attachment.url, min(width, thumbnail.MAX_COLUMNS))
        if isinstance(done, thumbnail.Thumbnail):
            # (half blocks; so is a kitty thumbnail whose PNG was forgotten to make room)
            key = (attachment.url, min(width, thumbnail.MAX_COLUMNS, done.width))
            strips = self._lines.get(key)
            if strips is None:
                strips = self._lines[key] = thumbnail.half_blocks(done, key[1])
            return strips
        if isinstance(done, str):
            return self._note(f"image could not be shown: {done}", width)
        return []  # (being made, or about to be: wanted() starts it when the message is on screen)

    def _note(self, text: str, width: int) -> list[Strip]:
        line = render.plain(text, "dim italic", single_line=True)
        return [Strip(list(wrapped.render(self._console())), min(width, wrapped.cell_len))
                for wrapped in line.wrap(self._console(), max(1, width))]

    def wanted(self, message: ChatMessage) -> None:
        attachment = message.attachment
        if (attachment is None or self.session is None or not self.pillow or not is_image(attachment)
                or attachment.url in self._done):
            if attachment is not None and self._kitty is not None:
                self._kitty.seen(attachment.url)  # (sent again if it was deleted to make room)
            return
        waiting = self._waiting.get(attachment.url)
        if waiting is not None:
            if not any(other is message for other in waiting):
                waiting.append(message)
            return
        local = self._local_copy(message)
        if not local and not self._shown_here(message.conversation):
            return
        self._waiting[attachment.url] = [message]
        self._tools.run(self._make(message, attachment.url, local), "image preview")

    async def _make(self, message: ChatMessage, url: str, local: str) -> None:
        """Fetch (or read) and decode one image; whatever goes wrong becomes its placeholder's words."""
        result: thumbnail.Thumbnail | str
        try:
            if local:
                data = await asyncio.to_thread(_read_limited, local)
            else:
                assert self.session is not None
                data = await self.session.fetch_image(message.conversation, message, thumbnail.MAX_BYTES)
            async with self._decoding:
                if self._kitty is not None:
                    result = await self._make_kitty(url, data)
                else:
                    result = await thumbnail.decode_off_loop(data, executor=self._decoder)
                    # Drawn there too, at the size most logs show it (Rich colours and styles for each cell).
                    drawn = await asyncio.get_running_loop().run_in_executor(self._decoder, thumbnail.half_blocks,
                                                                             result)
                    self._lines[(url, result.width)] = drawn
        except (thumbnail.PreviewFailed, SessionError) as exc:
            log.info("no preview of an image in %s: %s", message.conversation, exc)
            result = str(exc)
        except OSError as exc:
            log.info("no preview of our file %s: %s", local, exc)
            result = f"the file cannot be read ({exc.strerror or exc})"
        except Exception:
            log.exception("preview of an image in %s failed", message.conversation)
            result = "something went wrong (the log says what)"
        self._done[url] = result
        for waiting in self._waiting.pop(url, []):
            chat_log = self._log_of(waiting.conversation)
            if chat_log is not None:
                chat_log.message_changed(waiting)

    async def _make_kitty(self, url: str, data: bytes) -> thumbnail.Thumbnail:
        """Decoded at `SCALE` times the half blocks' pixels and made a PNG, both in the decoding thread; the
        terminal gets it when a log first shows it. What is kept besides is the half blocks' size of it (drawn
        so if its PNG is forgotten), not the larger pixels."""
        assert self._kitty is not None
        decode = functools.partial(thumbnail.decode, max_columns=thumbnail.MAX_COLUMNS * kitty_graphics.SCALE,
                                   max_rows=thumbnail.MAX_ROWS * kitty_graphics.SCALE)
        large = await thumbnail.decode_off_loop(data, executor=self._decoder, decoder=decode)
        loop = asyncio.get_running_loop()
        png = await loop.run_in_executor(self._decoder, kitty_graphics.encode_png, large)
        columns, _ = kitty_graphics.grid(large.width, large.height, thumbnail.MAX_COLUMNS)
        small = await loop.run_in_executor(self._decoder, thumbnail.fitted, large, columns)
        self._kitty.add(url, png, large.width, large.height)
        return small

    def close(self) -> None:
        """The terminal's copies of our images deleted (on the way out)."""
        if self._kitty is not None:
            self._kitty.delete_all()

    # /preview ---------------------------------------------------------------------------------------------------

    def _command_preview(self, args: str) -> None:
        jid = self._active()
        choice = args.strip().lower()
        if jid is None:
            self._tools.notify("open a conversation first: /preview on|off is for the one on screen",
                               severity="warning")
            return
        if choice not in ("on", "off"):
            self._tools.notify("usage: /preview on|off (show this conversation's images, or not)", severity="warning")
            return
        self._overrides[jid] = choice == "on"
        self._composer.clear()
        chat_log = self._log_of(jid)
        if chat_log is not None:
            chat_log.reset()  # (its lines, placeholders included, are laid out again; what is seen is fetched)
        self._tools.notify(f"image previews {choice} in this conversation" +
                           (" (fetching tells the image's server your address)" if choice == "on" else ""))
