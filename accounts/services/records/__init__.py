"""Writes of the CRM core records, by domain. Pages, the API and imports all call these."""

from accounts.services.records.common import (  # noqa: F401
    ACCOUNT_FIELDS,
    CAMPAIGN_FIELDS,
    CONSTRAINT_FIELDS,
    CONTACT_FIELDS,
    LEAD_FIELDS,
    OPPORTUNITY_FIELDS,
    PRODUCT_FIELDS,
)
from accounts.services.records.companies import (  # noqa: F401
    account_create,
    account_delete,
    account_update,
)
from accounts.services.records.contacts import (  # noqa: F401
    contact_create,
    contact_delete,
    contact_update,
)
from accounts.services.records.leads import (  # noqa: F401
    lead_create,
    lead_delete,
    lead_update,
)
from accounts.services.records.marketing import (  # noqa: F401
    campaign_create,
    campaign_update,
    note_create,
    product_create,
    product_update,
)
from accounts.services.records.opportunities import (  # noqa: F401
    opportunity_create,
    opportunity_delete,
    opportunity_update,
)
from accounts.services.records.rules import (  # noqa: F401
    account_rules_check,
    contact_rules_check,
    lead_rules_check,
)
