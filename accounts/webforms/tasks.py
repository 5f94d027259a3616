"""Double opt-in emails: sent after the submission commits, and caught up by beat."""

from __future__ import annotations

from abm.tasks import hub_task

__all__ = ["webform_opt_in_emails_send_task"]


@hub_task(name="accounts.webform_opt_in_emails_send_task", ignore_result=True)
def webform_opt_in_emails_send_task() -> int:
    """Send every confirmation email still unsent (each claimed once)."""
    from accounts.webforms.services import webform_opt_in_emails_send

    return webform_opt_in_emails_send()
