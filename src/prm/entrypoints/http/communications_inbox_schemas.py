"""Wire schemas of the inbox part (snake_case JSON, msgspec): threads, their messages, replies."""

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

import msgspec
from msgspec import UNSET, UnsetType

from prm.application.communications.inbox_ports import ThreadMessage
from prm.domain.communications.channels import Channel, Direction, MessageStatus
from prm.domain.communications.threads import Thread, ThreadStatus

MessageText = Annotated[str, msgspec.Meta(min_length=1, max_length=100_000, description="The reply's text")]
TemplateName = Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
Subject = Annotated[str, msgspec.Meta(max_length=998, description="Email only")]


class Struct(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """Request bodies: unknown fields are refused."""


class ReplyRequest(Struct, frozen=True):
    """Either ``message`` or ``template_name`` (with ``template_vars``)."""

    message: MessageText | None = None
    template_name: TemplateName | None = None
    template_vars: dict[str, Any] = msgspec.field(default_factory=dict)
    subject: Subject | None = None


class UpdateThreadRequest(Struct, frozen=True):
    """The fields to change; absent ones stay. ``assigned_to: null`` unassigns."""

    assigned_to: UUID | None | UnsetType = UNSET
    status: ThreadStatus | UnsetType = UNSET


class LinkThreadRequest(Struct, frozen=True):
    patient_id: UUID


class ThreadResponse(msgspec.Struct, frozen=True, kw_only=True):
    """A conversation. ``patient_id`` null: the unmatched queue (``candidate_patient_ids``: the
    patients sharing the sender's phone, if any). ``address``: where replies go (E.164 or email).
    ``unread_count``: inbound messages waiting for staff."""

    id: UUID
    patient_id: UUID | None
    channel: Channel
    address: str
    status: ThreadStatus
    assigned_to: UUID | None
    unread_count: int
    last_message_at: datetime
    last_inbound_at: datetime | None
    candidate_patient_ids: list[UUID]
    version: int
    created_at: datetime
    updated_at: datetime


class ThreadMessageResponse(msgspec.Struct, frozen=True, kw_only=True):
    id: UUID
    direction: Direction
    channel: Channel
    status: MessageStatus
    sender: str | None
    recipient: str
    subject: str | None
    message: str
    category: str
    status_reason: str | None
    reply_to_id: UUID | None
    created_at: datetime
    received_at: datetime | None
    sent_at: datetime | None
    read_at: datetime | None


class ThreadMessagesPage(msgspec.Struct, frozen=True, kw_only=True):
    items: list[ThreadMessageResponse]
    total: int
    page: int
    page_size: int
    has_next: bool
    has_previous: bool


class ThreadDetailResponse(ThreadResponse, frozen=True, kw_only=True):
    """The thread with one page of its messages, newest first."""

    messages: ThreadMessagesPage


class ReplyResponse(msgspec.Struct, frozen=True, kw_only=True):
    """The queued message (see ``GET /communications/{id}``) and its thread."""

    id: UUID
    thread_id: UUID


def thread_fields(thread: Thread) -> dict[str, Any]:
    return {
        "id": thread.id,
        "patient_id": thread.patient_id,
        "channel": thread.channel,
        "address": thread.address,
        "status": thread.status,
        "assigned_to": thread.assigned_to,
        "unread_count": thread.unread_count,
        "last_message_at": thread.last_message_at,
        "last_inbound_at": thread.last_inbound_at,
        "candidate_patient_ids": list(thread.candidate_patient_ids),
        "version": thread.version,
        "created_at": thread.created_at,
        "updated_at": thread.updated_at,
    }


def thread_response(thread: Thread) -> ThreadResponse:
    return ThreadResponse(**thread_fields(thread))


def thread_message_response(m: ThreadMessage) -> ThreadMessageResponse:
    return ThreadMessageResponse(
        id=m.id,
        direction=m.direction,
        channel=m.channel,
        status=m.status,
        sender=m.sender,
        recipient=m.recipient,
        subject=m.subject,
        message=m.body,
        category=m.category,
        status_reason=m.status_reason,
        reply_to_id=m.reply_to_id,
        created_at=m.created_at,
        received_at=m.received_at,
        sent_at=m.sent_at,
        read_at=m.read_at,
    )
