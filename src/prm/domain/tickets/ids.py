"""Identifiers of the tickets context."""

from typing import NewType
from uuid import UUID

TicketId = NewType("TicketId", UUID)
TicketCommentId = NewType("TicketCommentId", UUID)
UserId = NewType("UserId", UUID)
"""A user of the tenant (an assignee); the identity context owns users, tickets only keep the id."""
