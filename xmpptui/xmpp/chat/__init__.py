"""One-to-one chat (and what our messages share with rooms': acks, corrections, retries): `sending` puts our
messages on the wire and follows them until acknowledged; `receiving` files the peers' messages, carbons,
receipts, markers and bounces; `reports` sends receipts, markers and chat states."""
