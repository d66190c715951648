"""Command palette (Ctrl+P) providers: chat with any roster contact. Contact names are remote text, so
hits are built as plain Text (Textual's `Matcher.highlight` would parse them as markup)."""

from __future__ import annotations

from functools import partial

from rich.text import Text
from textual.command import DiscoveryHit, Hit, Hits, Provider

from xmpptui.ui.shared import render
from xmpptui.ui.shared.messages import ChatRequested

_DISCOVER_LIMIT = 30


class ContactsProvider(Provider):
    def _candidates(self) -> list[tuple[str, str]]:
        session = getattr(self.app, "session", None)
        if session is None:
            return []
        return [(contact.jid, render.sanitize(f"Chat with {contact.display_name} <{contact.jid}>", single_line=True))
                for contact in session.state.roster]

    def _open(self, jid: str) -> None:
        self.app.post_message(ChatRequested(jid))

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for jid, label in self._candidates():
            score = matcher.match(label)
            if score > 0:
                yield Hit(score, Text(label), partial(self._open, jid), text=label)

    async def discover(self) -> Hits:
        for jid, label in self._candidates()[:_DISCOVER_LIMIT]:
            yield DiscoveryHit(Text(label), partial(self._open, jid), text=label)
