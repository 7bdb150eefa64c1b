"""Use cases of the webhooks context: subscriptions, fan-out of published events, signed deliveries."""
