"""Conversations: the chat logs, the composer, the conversation bar, history search, and the commands that
send, correct, retry, search, open and close conversations."""
