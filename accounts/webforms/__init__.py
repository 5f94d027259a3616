"""Hosted marketing forms that create contacts and leads (issue 13, "Forms that create leads").

The builder (``/forms/``, marketers and admins), the public page (``/f/<key>/``, no login,
embeddable), double opt-in confirmation (``/f/confirm/<token>/``) and
``/api/v1/webforms/``. Models live in ``accounts/models/webforms.py``.
"""
