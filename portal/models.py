"""Every feature's models, imported together so the metadata (and Alembic) sees them all."""
from portal.accounts.models import LoginFailure, User, UserRole  # noqa: F401
from portal.mail.models import OutboxMessage  # noqa: F401
from portal.org.models import Counter, Employee, Instansi, RosterEntry, Service, Unit  # noqa: F401
from portal.feedback.models import SkmComment, SkmDaily, SkmHourly, SkmResponse, TicketBatch  # noqa: F401
from portal.kiosk.models import KioskDaily, KioskDevice, KioskPairing, KioskVote  # noqa: F401
from portal.reviews.models import (  # noqa: F401
    Questionnaire, QuestionnaireItem, ReviewAnswer, ReviewComment, ReviewCycle, ReviewCycleUnit, ReviewExpectation,
    ReviewInvitation, ReviewPoolEntry, ReviewResponse,
)
from portal.appraisal.models import (  # noqa: F401
    ApiToken, AppraisalPeriod, AppraisalPeriodCycle, AppraisalRecord, AuditEntry, WeightProfile,
)
from portal.insight.models import Alert, AlertRule, FollowUp  # noqa: F401
from portal.audit.models import AuditEvent  # noqa: F401
