"""Destinations of published events outside PRM (NATS JetStream)."""
