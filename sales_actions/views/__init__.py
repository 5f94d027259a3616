"""Pages of sales emails, by domain (the URLconf names them as ``views.<name>``)."""

from sales_actions.views.common import (  # noqa: F401
    url_or_empty,
)
from sales_actions.views.emails import (  # noqa: F401
    account_emails,
    contact_emails,
    email_detail,
    opportunity_emails,
    outbox,
    outbox_raw,
    outbox_reconcile,
)
from sales_actions.views.sending import (  # noqa: F401
    personal_email,
    send_check,
    send_dialog,
)
from sales_actions.views.templates import (  # noqa: F401
    approval_queue,
    report,
    template_create,
    template_detail,
    template_edit,
    template_list,
    template_preview,
    template_transition,
)
from sales_actions.views.tracking import (  # noqa: F401
    track_click,
    track_open,
    unsubscribe,
)
