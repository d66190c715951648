"""The main screen: its layout and key bindings, the session events routed to the features, the slash-command
table, the own-presence keys and commands, the status bar and the help screen."""
