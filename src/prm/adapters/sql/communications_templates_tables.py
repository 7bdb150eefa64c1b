"""Tables of the communications context's templates part (migration 0009)."""
