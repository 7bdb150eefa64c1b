"""Identifiers of the journeys context."""

from typing import NewType
from uuid import UUID

JourneyId = NewType("JourneyId", UUID)
"""A journey template (PX360's journey template, the contract's journey)."""

StageId = NewType("StageId", UUID)
"""A stage of a journey template; it keeps its id across the journey's versions."""

JourneyInstanceId = NewType("JourneyInstanceId", UUID)
"""One patient's run along a journey (the contract's journey instance)."""
