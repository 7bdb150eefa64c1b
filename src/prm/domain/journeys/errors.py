"""Errors of the journeys context (codes ``journeys.*``)."""

from prm.domain.shared.errors import Conflict, NotFound, RuleViolated


class JourneyNotFound(NotFound):
    """No journey with this id in the caller's tenant (HTTP 404)."""

    code = "journeys.not_found"


class StageNotFound(NotFound):
    """The journey has no stage with this id (HTTP 404)."""

    code = "journeys.stage_not_found"


class JourneyInstanceNotFound(NotFound):
    """No journey instance with this id in the caller's tenant (HTTP 404)."""

    code = "journeys.instance_not_found"


class InvalidJourney(RuleViolated):
    """The journey or one of its stages breaks a rule of :mod:`prm.domain.journeys.model` (HTTP 422)."""

    code = "journeys.invalid"


class DuplicateStageOrder(RuleViolated):
    """Two stages of one journey have the same ``order_index`` (HTTP 422)."""

    code = "journeys.duplicate_stage_order"


class JourneyInactive(RuleViolated):
    """The journey is inactive or has no active stage: nobody can be started on it (HTTP 422)."""

    code = "journeys.inactive"


class InstanceNotActive(Conflict):
    """The instance is completed or cancelled: it cannot advance or be cancelled again (HTTP 409)."""

    code = "journeys.instance_not_active"


class AlreadyEnrolled(Conflict):
    """The patient is on this journey already for this encounter or appointment (HTTP 409)."""

    code = "journeys.already_enrolled"
