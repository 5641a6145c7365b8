"""All ticketing tables; importing this package registers them on `Base.metadata`."""

from ticketing.models.api_keys import ApiKey
from ticketing.models.attachments import Attachment
from ticketing.models.audit import AuditEntry
from ticketing.models.base import Base, utcnow
from ticketing.models.calendar import CalendarDay
from ticketing.models.calls import CallRecord
from ticketing.models.catalog import Category
from ticketing.models.citizens import Citizen
from ticketing.models.knowledge import KnowledgeArticle
from ticketing.models.leader_sessions import LeaderSession, LeaderSessionTicket
from ticketing.models.org import OrgUnit, User
from ticketing.models.tickets import Ticket, TicketEvent, TicketNumberCounter

__all__ = [
    "ApiKey",
    "Attachment",
    "AuditEntry",
    "Base",
    "CalendarDay",
    "CallRecord",
    "Category",
    "Citizen",
    "KnowledgeArticle",
    "LeaderSession",
    "LeaderSessionTicket",
    "OrgUnit",
    "Ticket",
    "TicketEvent",
    "TicketNumberCounter",
    "User",
    "utcnow",
]
