"""Programs the terminal section's floors run: the least any client built on the same pieces could do."""
