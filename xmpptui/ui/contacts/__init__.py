"""Contacts: the roster view, the contact commands and keys, the add and request dialogs, a contact's details, the
block list, and the command palette's "chat with" entries."""
