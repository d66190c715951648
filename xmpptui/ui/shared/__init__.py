"""What every part of the UI may use: remote text rendering, the common dialogs, the app's messages, the key-map
check, and what the screen lends a controller."""
