"""Webhooks for integrators: subscriptions, signed deliveries, retries and the delivery log.

- ``signing``: the ``ABM-Signature`` header (HMAC-SHA256 over ``timestamp.body``) and its check;
- ``network``: where a delivery may go (no private, loopback, link-local or reserved
  address unless ``WEBHOOKS_ALLOW_PRIVATE``), resolved once and connected to as checked;
- ``services``: every write (subscriptions, rotation, the hub event consumer, replay, ping);
- ``sender``: the worker side that sends due deliveries, retries and disables;
- ``selectors``, ``forms``, ``views``, ``urls``, ``api``, ``tasks``: the usual rooms.
"""
