"""Subscription lists, a contact's memberships and the public subscription centre.

- ``tokens``: the signed link of the centre (purpose salt; forged or altered → 404);
- ``services``: list CRUD (marketers), memberships and the centre's actions, every
  membership change through ``accounts.services.consent``;
- ``views``: the lists pages, the contact page's "Subscription lists" panel, the centre;
- ``api``: ``/api/v1/subscription-lists/`` and ``/api/v1/contacts/{id}/subscriptions/``.
"""
