"""The CRM core: users and teams, accounts, contacts, leads, opportunities, campaigns,
products, notes, tasks and the one activity stream everything else reads.

Grouped by domain in this package; every public name is re-exported here, so
``from accounts.models import X`` is the one way to import a model.
"""

from .activities import Activity
from .consent import CHOICE_FIELDS as CONSENT_CHOICE_FIELDS
from .consent import CONTACT_SOURCES, SUBSCRIPTION_FIELD, ConsentChange
from .events import EventRegistration, MarketingEvent
from .gdpr import ErasureRecord
from .hub_events import HubEvent
from .idempotency import IdempotencyKey
from .imports import ImportJob
from .lifecycle import DisqualifyReason, LeadStatusChange
from .marketing import Campaign, Industry, Product
from .money import CurrencyRate
from .records import (
    BUYING_ROLE_BITS,
    Account,
    BuyingRole,
    Contact,
    ContactAccount,
    Lead,
    Note,
    Opportunity,
    OpportunityContactRole,
    OpportunityStageChange,
    RelationshipType,
    buying_roles_from_mask,
    buying_roles_to_mask,
)
from .scoring import LeadScore, LeadScoreDay, LeadScoreDirty, ScoringModel, ScoringRule
from .subscriptions import SubscriptionList, SubscriptionMembership
from .targets import (
    TARGET_SORT_COLUMNS,
    AccountRollup,
    AccountRollupDirty,
    RecommendationDismissal,
    TargetingRule,
    TargetOptOut,
)
from .tasks import Task
from .users import Team, User
from .webforms import WebForm, WebFormSubmission
from .webhooks import WEBHOOK_EVENT_TYPES, WebhookDelivery, WebhookSubscription

__all__ = [
    "WEBHOOK_EVENT_TYPES",
    "WebhookDelivery",
    "WebhookSubscription",
    "BUYING_ROLE_BITS",
    "CONSENT_CHOICE_FIELDS",
    "CONTACT_SOURCES",
    "SUBSCRIPTION_FIELD",
    "TARGET_SORT_COLUMNS",
    "Account",
    "AccountRollup",
    "AccountRollupDirty",
    "Activity",
    "BuyingRole",
    "Campaign",
    "ConsentChange",
    "Contact",
    "ContactAccount",
    "CurrencyRate",
    "ErasureRecord",
    "DisqualifyReason",
    "EventRegistration",
    "HubEvent",
    "IdempotencyKey",
    "ImportJob",
    "Industry",
    "Lead",
    "MarketingEvent",
    "LeadScore",
    "LeadScoreDay",
    "LeadScoreDirty",
    "LeadStatusChange",
    "Note",
    "Opportunity",
    "OpportunityContactRole",
    "OpportunityStageChange",
    "Product",
    "RecommendationDismissal",
    "SubscriptionList",
    "SubscriptionMembership",
    "RelationshipType",
    "ScoringModel",
    "ScoringRule",
    "TargetOptOut",
    "TargetingRule",
    "Task",
    "Team",
    "User",
    "WebForm",
    "WebFormSubmission",
    "buying_roles_from_mask",
    "buying_roles_to_mask",
]
