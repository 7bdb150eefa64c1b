"""Use cases of the integrations context: receiving, listing and processing inbound events, and
the configurations of the systems that send them."""
