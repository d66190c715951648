"""Logging in: the account dialog and the failed-login dialog (both shown by the app)."""
