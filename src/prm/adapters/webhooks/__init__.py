"""Adapters of the webhooks context: where webhooks may go, and the signed HTTP POST itself."""
