"""Tables of the communications context's providers part (migration 0010)."""
