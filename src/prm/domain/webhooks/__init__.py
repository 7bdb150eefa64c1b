"""Outbound webhooks: a tenant's subscriptions to its events and their signed deliveries."""
