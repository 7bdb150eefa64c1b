"""The patients context's adapters onto other contexts (the 360 view, the statistics)."""
