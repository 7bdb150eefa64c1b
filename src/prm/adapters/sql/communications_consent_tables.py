"""Tables of the communications context's consent part (migration 0011)."""
