"""The first login's TLS context is made on a thread as the app starts (#20), and verifies as any other does."""

from __future__ import annotations

import ssl
import threading

import pytest

from xmpptui import tls_warmup


@pytest.fixture
def fresh(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The warm-up as at process start; returns the names of the threads that made a context."""
    monkeypatch.setattr(tls_warmup, "_thread", None)
    monkeypatch.setattr(tls_warmup, "_made", [])
    makers: list[str] = []
    real = ssl.create_default_context

    def recording(*args: object, **kwargs: object) -> ssl.SSLContext:
        makers.append(threading.current_thread().name)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(tls_warmup.ssl, "create_default_context", recording)
    return makers


def test_the_first_context_is_the_one_made_at_start_on_its_thread_and_later_ones_are_new(fresh: list[str]) -> None:
    tls_warmup.start()
    tls_warmup.start()  # (once)
    first = tls_warmup.default_context()
    assert fresh == ["xmpptui-tls-warmup"]
    second = tls_warmup.default_context()
    assert second is not first, "a context is never shared between two clients"
    assert fresh == ["xmpptui-tls-warmup", threading.current_thread().name]
    for context in (first, second):
        assert context.verify_mode is ssl.CERT_REQUIRED and context.check_hostname


def test_without_a_start_the_context_is_made_when_asked(fresh: list[str]) -> None:
    context = tls_warmup.default_context()
    assert fresh == [threading.current_thread().name]
    assert context.verify_mode is ssl.CERT_REQUIRED and context.check_hostname
