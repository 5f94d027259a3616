"""Every write of the sales-actions app; one module per area, re-exported here.

Task writes (task_create, task_complete) live in ``accounts.services``."""

from sales_actions.services.consent import contact_unsubscribe
from sales_actions.services.outbox import (
    sales_email_reconcile,
    sales_emails_deliver,
    sales_emails_sweep,
)
from sales_actions.services.sending import SendResult, sales_email_send
from sales_actions.services.templates import (
    email_template_approve,
    email_template_archive,
    email_template_create,
    email_template_submit,
    email_template_update,
    workspace_access_set,
    workspace_create,
    workspace_update,
)
from sales_actions.services.tracking import (
    email_click_record,
    email_inbound_record,
    email_open_record,
)

__all__ = [
    "SendResult",
    "contact_unsubscribe",
    "email_click_record",
    "email_inbound_record",
    "email_open_record",
    "email_template_approve",
    "email_template_archive",
    "email_template_create",
    "email_template_submit",
    "email_template_update",
    "sales_email_reconcile",
    "sales_email_send",
    "sales_emails_deliver",
    "sales_emails_sweep",
    "workspace_access_set",
    "workspace_create",
    "workspace_update",
]
