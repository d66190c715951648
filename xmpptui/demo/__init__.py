"""The demo (`xmpptui --demo`): a private Prosody with seeded contacts and a talking bot, then the app logged in.

Shipped in the package so that it works from a pipx install, where there is no tests/ or scripts/; the test
suite's Prosody and peers (tests/support) are these very modules. Nothing in the client imports this package
(an import-linter contract), and it imports nothing of the client: it runs xmpptui as a child process.
"""
