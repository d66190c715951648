"""Screens: the main chat screen and the dialogs it opens."""
