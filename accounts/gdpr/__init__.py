"""GDPR: export everything the hub holds about a person, and erase a person.

- ``services.person_export``: the contact and every row that points at them, found by a
  generic walk over the contact's reverse relations (and the rows those own), so a model
  added later is exported without this package naming it;
- ``services.person_erase``: anonymize the contact, blank the personal fields of every
  such row (subjects, bodies, URLs, metadata, addresses …) while keeping the rows and so
  every count, take them off every list, turn consent off, and record the erasure in an
  ``ErasureRecord`` that holds no personal data. Irreversible and idempotent.
- ``views``: the admins' "Personal data" page of a contact; ``api``: ``/export/``, ``/erase/``.
"""
