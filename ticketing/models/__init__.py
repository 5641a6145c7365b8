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
from ticketing.models.phones import PhoneAccount
from ticketing.models.ratings import Evaluation, RatingDevice, RatingToken, ServiceHall, ServiceWindow
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
    "Evaluation",
    "KnowledgeArticle",
    "LeaderSession",
    "LeaderSessionTicket",
    "OrgUnit",
    "PhoneAccount",
    "RatingDevice",
    "RatingToken",
    "ServiceHall",
    "ServiceWindow",
    "Ticket",
    "TicketEvent",
    "TicketNumberCounter",
    "User",
    "utcnow",
]
