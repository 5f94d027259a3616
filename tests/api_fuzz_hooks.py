"""Schemathesis hooks for the API fuzz (loaded through SCHEMATHESIS_HOOKS by
tests/test_api_fuzz.py): bodies in media types schemathesis has no serializer for."""

import schemathesis

# The mail gateway posts a raw RFC 822 message: bytes, sent as they are.
schemathesis.serializer.alias("message/rfc822", "application/octet-stream")
