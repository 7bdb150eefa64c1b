"""Adapters the integrations context owns to reach other contexts (patients) and its subscribers."""
