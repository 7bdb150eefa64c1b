"""Tables of the communications context's messages part (migration 0012)."""
