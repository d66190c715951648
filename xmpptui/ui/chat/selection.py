"""SelectionController: a message selected in the chat log on screen (Alt+Up from the composer selects the
newest), moved with Up / Down / PageUp / PageDown, left with Escape; and the one-key actions on it: reply,
react, retract, moderate, correct, copy, open its link, details, report, go to the message a reply answers.
A key that does not apply to the selected message says why."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from xmpptui.model.conversation import WRITTEN_KINDS, ChatMessage, Conversation, ConversationKind, Direction
from xmpptui.model.links import recent_links
from xmpptui.model.references import reference_id
from xmpptui.model.room import Role
from xmpptui.model.state import ClientState
from xmpptui.ui.chat.composer import Composer
from xmpptui.ui.chat.conversation_log import ConversationLog
from xmpptui.ui.chat.message_details import MessageDetails
from xmpptui.ui.chat.original_finder import OriginalFinder
from xmpptui.ui.chat.reactions import ReactionPicker, choices
from xmpptui.ui.shared import render
from xmpptui.ui.shared.controller import ScreenTools
from xmpptui.ui.shared.dialogs import ConfirmScreen, PromptScreen
from xmpptui.ui.shared.report import ask_report

QUOTE = 40
"""Characters of a message quoted in the composer's reply line and in questions."""


class MessageSession(Protocol):
    """The part of the `Session` that acts on one message."""

    @property
    def state(self) -> ClientState: ...

    async def reply(self, jid: str, message: ChatMessage, body: str) -> None: ...

    async def react(self, jid: str, message: ChatMessage, emojis: set[str]) -> None: ...

    async def retract(self, jid: str, message: ChatMessage) -> None: ...

    async def moderate(self, room: str, message: ChatMessage, reason: str = "") -> None: ...

    async def report(self, jid: str, kind: str, text: str = "", message: ChatMessage | None = None) -> None: ...

    async def load_older(self, jid: str) -> None: ...


def own_reactor(state: ClientState, jid: str) -> str:
    """Our key among the reactors of a message in `jid`: our account in a chat, our occupant in a room."""
    conversation, room = state.conversations.get(jid), state.rooms.get(jid)
    if conversation is not None and conversation.kind is ConversationKind.GROUPCHAT and room is not None:
        return room.own_reactor
    return state.jid


def quoted(message: ChatMessage) -> str:
    text = " ".join(render.shown_body(message).split())
    return text if len(text) <= QUOTE else text[:QUOTE - 1] + "…"


class SelectionController:
    def __init__(self, tools: ScreenTools, composer: Composer, *, active: Callable[[], str | None],
                 log_of: Callable[[str], ConversationLog | None], copy: Callable[[str], None],
                 open_link: Callable[[str], None]) -> None:
        """`log_of`: a conversation's log; `copy`: text to the terminal's clipboard (OSC 52); `open_link`: a URL
        opened as /open opens it."""
        self._tools = tools
        self._composer = composer
        self._active = active
        self._log_of = log_of
        self._copy = copy
        self._open_link = open_link
        self._finder = OriginalFinder(tools, self._say)
        self.session: MessageSession | None = None
        self._replying: tuple[str, ChatMessage] | None = None
        """(conversation, message) the composer's text answers, while it says "replying to"."""
        self._recent: list[str] = []
        """Emojis reacted with, newest first (offered first in the picker)."""
        self._actions: dict[str, Callable[[str, Conversation, ChatMessage], None]] = {
            "reply_to_message": self.reply, "react_to_message": self.react, "retract_message": self.retract,
            "moderate_message": self.moderate, "correct_message": self.correct, "copy_message": self.copy,
            "open_message_link": self.open_link, "message_details": self.details, "report_message": self.report,
            "jump_to_original": self.jump_to_original,
        }

    def _say(self, text: str) -> None:
        self._tools.notify(text, severity="warning")

    def _conversation(self, jid: str | None) -> Conversation | None:
        return self.session.state.conversations.get(jid) if self.session is not None and jid else None

    def own_reactor(self, jid: str) -> str:
        return own_reactor(self.session.state, jid) if self.session is not None else ""

    # Selecting --------------------------------------------------------------------------------

    def enter(self) -> None:
        """Select the newest message of the conversation on screen and give its log the keys."""
        jid = self._active()
        conversation, log = self._conversation(jid), self._log_of(jid) if jid else None
        if conversation is None or log is None:
            self._say("no conversation is open: there is no message to select")
            return
        newest = next((m for m in reversed(conversation.messages) if m.kind in WRITTEN_KINDS), None)
        if newest is None:
            self._say("this conversation has no message to select yet")
            return
        log.selected = newest
        log.focus()

    def key(self, log: ConversationLog, action: str) -> None:
        """A key pressed in `log` (a binding id of ui/chat/message_keys.py)."""
        jid = log.name or ""
        conversation, message = self._conversation(jid), log.selected
        if action == "leave_selection" or conversation is None:
            self.leave(log)
        elif message is None:
            self._say("no message is selected: Alt+Up in the composer selects the newest")
        elif action in ("select_previous", "select_next"):
            self._move(log, conversation, message, -1 if action == "select_previous" else 1)
        elif action in ("select_page_up", "select_page_down"):
            page = max(1, log.size.height // 3)
            self._move(log, conversation, message, -page if action == "select_page_up" else page)
        else:
            self._actions[action](jid, conversation, message)

    def _move(self, log: ConversationLog, conversation: Conversation, message: ChatMessage, step: int) -> None:
        """`step` selectable messages on (back if negative), as far as there are; at the oldest held, older
        history is paged in (the selection stays where it is meanwhile)."""
        messages = conversation.messages
        index = next((i for i in range(len(messages) - 1, -1, -1) if messages[i] is message), None)
        if index is None:
            return
        target, direction = index, 1 if step > 0 else -1
        for _ in range(abs(step)):
            following = next((i for i in range(target + direction, len(messages) if direction > 0 else -1, direction)
                              if messages[i].kind in WRITTEN_KINDS), None)
            if following is None:
                break
            target = following
        if target == index and direction < 0:
            log.ask_older()
        log.selected = messages[target]

    def leave(self, log: ConversationLog) -> None:
        log.selected = None
        log.show_newest()
        self._composer.focus()

    def _done_with(self, jid: str) -> None:
        """The action took the keys to the composer: the selection ends."""
        log = self._log_of(jid)
        if log is not None:
            self.leave(log)

    # Actions ----------------------------------------------------------------------------------

    def _unusable(self, message: ChatMessage) -> str:
        """Why nothing can be done to `message` through the protocol ("" if something can)."""
        if message.retracted:
            return "the selected message was retracted"
        if not reference_id(message):
            return "the selected message has no id others can name it by (yet): try again in a moment"
        return ""

    def reply(self, jid: str, conversation: Conversation, message: ChatMessage) -> None:
        if why := self._unusable(message):
            self._say(f"no reply: {why}")
            return
        name = render.sender_name(message, "me").plain
        self._replying = (jid, message)
        self._done_with(jid)
        self._composer.start_reply(f"{name}: {quoted(message)}")

    def send_reply(self, body: str) -> None:
        """The composer's text, sent as the reply started with `r`."""
        if self.session is None or self._replying is None:
            return
        jid, message = self._replying
        typed = self._composer.text

        def sent() -> None:
            self._replying = None
            if self._composer.text == typed:
                self._composer.clear()

        self._tools.run(self.session.reply(jid, message, body), "reply", sent)

    def react(self, jid: str, conversation: Conversation, message: ChatMessage) -> None:
        if why := self._unusable(message):
            self._say(f"no reaction: {why}")
            return
        ours = message.reactions.get(self.own_reactor(jid), frozenset())

        def chosen(emoji: str | None) -> None:
            if emoji is None or self.session is None:
                return
            self._recent = [emoji, *(e for e in self._recent if e != emoji)][:8]
            emojis = set(ours ^ {emoji})  # (the whole new set: one already there is taken back)
            self._tools.run(self.session.react(jid, message, emojis), "react")

        title = f"React to {quoted(message)}"
        self._tools.push_screen(ReactionPicker(title, choices(self._recent), ours), chosen)

    def retract(self, jid: str, conversation: Conversation, message: ChatMessage) -> None:
        if message.direction is not Direction.OUT:
            self._say("only your own messages can be retracted (in a room you moderate, m removes others')")
            return
        if why := self._unusable(message):
            self._say(f"not retracted: {why}")
            return

        def answered(yes: bool | None) -> None:
            if yes and self.session is not None:
                self._tools.run(self.session.retract(jid, message), "retract")

        question = f"Retract “{quoted(message)}” for everyone? Clients without XEP-0424 keep showing it."
        self._tools.push_screen(ConfirmScreen(question), answered)

    def moderate(self, jid: str, conversation: Conversation, message: ChatMessage) -> None:
        room = self.session.state.rooms.get(jid) if self.session is not None else None
        if conversation.kind is not ConversationKind.GROUPCHAT or room is None:
            self._say("moderation is for room messages: in a chat, r, e and d (your own) apply")
            return
        own = room.occupants.get(room.nick)
        if own is None or own.role is not Role.MODERATOR:
            self._say(f"you are not a moderator of {jid}: only moderators remove others' messages")
            return
        if why := self._unusable(message):
            self._say(f"not removed: {why}")
            return

        def confirmed(reason: str) -> Callable[[bool | None], None]:
            def answered(yes: bool | None) -> None:
                if yes and self.session is not None:
                    self._tools.run(self.session.moderate(jid, message, reason.strip()), "moderate")
            return answered

        def reasoned(reason: str | None) -> None:
            if reason is not None:
                question = f"Remove {message.sender}'s “{quoted(message)}” for everyone in the room?"
                self._tools.push_screen(ConfirmScreen(question), confirmed(reason))

        self._tools.push_screen(PromptScreen(f"Why remove {message.sender}'s message? (optional, shown to all)"),
                                reasoned)

    def correct(self, jid: str, conversation: Conversation, message: ChatMessage) -> None:
        if message.direction is not Direction.OUT or conversation.last_sent() is not message:
            self._say("only your latest message can be corrected (XEP-0308)")
            return
        if message.retracted:
            self._say("the selected message was retracted: there is nothing to correct")
            return
        self._done_with(jid)
        self._composer.start_correction(message.body)

    def copy(self, jid: str, conversation: Conversation, message: ChatMessage) -> None:
        text = render.shown_body(message)
        if not text:
            self._say("the selected message has no text to copy")
            return
        self._copy(text)
        self._tools.notify(f"copied {len(text)} characters (where the terminal lets programs set its clipboard)")

    def open_link(self, jid: str, conversation: Conversation, message: ChatMessage) -> None:
        links = recent_links([message], 1)
        if not links:
            self._say("the selected message has no link to open")
            return
        self._open_link(links[0][1])

    def details(self, jid: str, conversation: Conversation, message: ChatMessage) -> None:
        wanted = {reactor[2:] for reactor in message.reactions if reactor.startswith("o:")}
        nicks = {held.occupant_id: held.sender for held in conversation.messages if held.occupant_id in wanted}
        self._tools.push_screen(MessageDetails(message, self.own_reactor(jid), nicks))

    def report(self, jid: str, conversation: Conversation, message: ChatMessage) -> None:
        roster = self.session.state.roster if self.session is not None else None
        if conversation.kind is not ConversationKind.CHAT or message.direction is not Direction.IN:
            self._say("only a message a stranger sent you in a chat can be reported (XEP-0377)")
            return
        if roster is not None and roster.get(conversation.jid) is not None:
            self._say(f"{conversation.jid} is in your contacts: /remove them first, or /block them")
            return

        def report(kind: str, text: str) -> None:
            if self.session is not None:
                self._tools.run(self.session.report(conversation.jid, kind, text, message), "report")

        ask_report(self._tools, conversation.jid, report)

    def jump_to_original(self, jid: str, conversation: Conversation, message: ChatMessage) -> None:
        if message.reply_to is None:
            self._say("the selected message is not a reply")
            return
        original = conversation.references.find(message.reply_to.id)
        log = self._log_of(jid)
        if log is None:
            return
        if original is None:  # (paged in from the history, then the archive)
            if self.session is not None:
                self._finder.find(self.session.load_older, conversation, message.reply_to,
                                  f"{message.reply_to.to or '?'}: {message.reply_to.quote}", log)
            return
        log.selected = original

