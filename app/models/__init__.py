"""SQLAlchemy 2 typed models, one module per aggregate."""

from app.models.admin import ApiKey, AuditEntry
from app.models.base import Base
from app.models.calendar import CalendarDay, CalendarYear, OfficeHours
from app.models.case import Attachment, Case, CaseEvent, CaseFollower, CaseRequest, Rating
from app.models.catalogue import Category, TimeLimitRule
from app.models.landmarks import Landmark
from app.models.metrics import MetricCase, MetricDay, MetricDayStreet
from app.models.outbox import OutboxMessage
from app.models.people import Agency, AgencyCategory, Contact, TeamKind, TeamMembership, User
from app.models.places import Area, District, Road, Street
from app.models.sms import InboundMessage, SmsConversation, SmsMedia, SmsOptOut
from app.models.timers import CaseStep, JobHeartbeat

__all__ = [
    "Agency", "AgencyCategory", "ApiKey", "Area", "Attachment", "AuditEntry", "Base",
    "CalendarDay", "CalendarYear",
    "Case", "CaseEvent", "CaseFollower", "CaseRequest", "CaseStep", "Category", "Contact",
    "District",
    "InboundMessage", "JobHeartbeat", "Landmark", "MetricCase", "MetricDay", "MetricDayStreet",
    "OfficeHours",
    "OutboxMessage", "Rating", "Road", "SmsConversation", "SmsMedia", "SmsOptOut", "Street",
    "TeamKind", "TeamMembership", "TimeLimitRule", "User",
]
