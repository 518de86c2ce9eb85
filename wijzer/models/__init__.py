"""Table models, one module per aggregate. Importing this package registers every table."""

from wijzer import db as _db  # noqa: F401  (naming convention first)
from wijzer.models.accounts import ApiToken, Invitation, LoginSession, LoginThrottle, PasswordReset, User
from wijzer.models.alerts import Alert, AlertMail, AlertPlaceState
from wijzer.models.auditlog import AuditLog
from wijzer.models.capacity import CapacityReport
from wijzer.models.feedback import NoPlaceReport
from wijzer.models.freshness import FreshnessTransition, JobRun, RegionSnapshot, Reminder, TrendWeek
from wijzer.models.mail import OutboxMail
from wijzer.models.placement import PlacementItem, PlacementRequest
from wijzer.models.providers import Location, Offering, Provider
from wijzer.models.regions import Gemeente, Jeugdregio, PostcodeArea
from wijzer.models.vocabulary import VocabularyTerm

__all__ = [
    "Alert",
    "AlertMail",
    "AlertPlaceState",
    "ApiToken",
    "AuditLog",
    "CapacityReport",
    "FreshnessTransition",
    "Gemeente",
    "Invitation",
    "Jeugdregio",
    "JobRun",
    "Location",
    "LoginSession",
    "LoginThrottle",
    "NoPlaceReport",
    "Offering",
    "OutboxMail",
    "PasswordReset",
    "PlacementItem",
    "PlacementRequest",
    "PostcodeArea",
    "Provider",
    "RegionSnapshot",
    "Reminder",
    "TrendWeek",
    "User",
    "VocabularyTerm",
]
