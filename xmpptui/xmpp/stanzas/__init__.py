"""Pure stanza <-> value code: no state, no client; each module one family of stanzas."""
