"""Plain-value client state: roster, presence, conversations, own presence and connection."""
