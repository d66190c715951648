"""Persistent data: message history (SQLite)."""
