"""SQLAlchemy 2 typed models, one module per aggregate."""

from app.models.admin import ApiKey, AuditEntry
from app.models.assessment import AssessmentMonth, AssessmentScheme, AssessmentScore  # noqa: F401
from app.models.base import Base
from app.models.calendar import CalendarDay, CalendarYear, OfficeHours
from app.models.case import Attachment, Case, CaseEvent, CaseFollower, CaseRequest, Rating
from app.models.catalogue import Category, TimeLimitRule
from app.models.intake import FollowUpCall, IntakeRule
from app.models.landmarks import Landmark
from app.models.metrics import (
    MetricBreach,
    MetricCase,
    MetricDay,
    MetricDayAgency,
    MetricDayStreet,
    MetricDayStreetCategory,
    PublishedDay,
    PublishedMonth,
)
from app.models.outbox import OutboxMessage
from app.models.people import Agency, AgencyCategory, Contact, TeamKind, TeamMembership, User
from app.models.places import Area, District, Road, Street
from app.models.problem_points import ProblemPoint  # noqa: F401
from app.models.security import SignInAttempt, StaffSession
from app.models.sms import InboundMessage, SmsConversation, SmsMedia, SmsOptOut
from app.models.sms_template import SmsTemplate
from app.models.supervision_tasks import Campaign, Task, TaskCase, TaskList, TaskPhoto  # noqa: F401
from app.models.timers import CaseStep, JobHeartbeat
from app.models.webhooks import WebhookDelivery, WebhookSubscriber

__all__ = [
    "Agency", "AgencyCategory", "ApiKey", "Area", "Attachment", "AuditEntry", "Base",
    "CalendarDay", "CalendarYear",
    "Case", "CaseEvent", "CaseFollower", "CaseRequest", "CaseStep", "Category", "Contact",
    "District", "FollowUpCall",
    "InboundMessage", "IntakeRule", "JobHeartbeat", "Landmark",
    "MetricBreach", "MetricCase", "MetricDay", "MetricDayAgency", "MetricDayStreet",
    "MetricDayStreetCategory",
    "PublishedDay", "PublishedMonth",
    "OfficeHours",
    "OutboxMessage", "Rating", "Road", "SignInAttempt", "SmsConversation", "SmsMedia",
    "SmsOptOut", "SmsTemplate", "StaffSession", "Street",
    "TeamKind", "TeamMembership", "TimeLimitRule", "User",
    "WebhookDelivery", "WebhookSubscriber",
]
