"""Adapters of the communications context."""
