"""Every write of the accounts app; one module per area, re-exported here."""

from accounts.services.activities import ActivityInput, activities_record_bulk, activity_record
from accounts.services.changes import changes_notify, changes_register
from accounts.services.consent import contact_consent_update, contacts_consent_update_bulk
from accounts.services.records import (
    account_create,
    account_delete,
    account_update,
    campaign_create,
    campaign_update,
    contact_create,
    contact_delete,
    contact_update,
    lead_create,
    lead_delete,
    lead_update,
    note_create,
    opportunity_create,
    opportunity_delete,
    opportunity_update,
    product_create,
    product_update,
)
from accounts.services.targets import accounts_mark_target, accounts_unmark_target
from accounts.services.tasks import (
    task_complete,
    task_create,
    task_reassign,
    task_reopen,
    task_snooze,
)

__all__ = [
    "ActivityInput",
    "account_create",
    "account_delete",
    "account_update",
    "accounts_mark_target",
    "accounts_unmark_target",
    "activities_record_bulk",
    "activity_record",
    "campaign_create",
    "campaign_update",
    "changes_notify",
    "changes_register",
    "contact_consent_update",
    "contact_create",
    "contact_delete",
    "contact_update",
    "contacts_consent_update_bulk",
    "lead_create",
    "lead_delete",
    "lead_update",
    "note_create",
    "opportunity_create",
    "opportunity_delete",
    "opportunity_update",
    "product_create",
    "product_update",
    "task_complete",
    "task_create",
    "task_reassign",
    "task_reopen",
    "task_snooze",
]
