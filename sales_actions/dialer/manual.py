"""The built-in dialer: the rep's own phone opens a ``tel:`` link and the rep logs the call."""

from __future__ import annotations

from sales_actions.dialer.base import DialerProvider, PlacedCall, tel_uri


class ManualDialer(DialerProvider):
    name = "manual"

    def place_call(self, *, from_number: str, to_number: str, call_ref: str = "") -> PlacedCall:
        """Nothing is dialled here: the answer is the ``tel:`` URI the rep's phone opens."""
        return PlacedCall(
            provider=self.name,
            caller_number=from_number or "",
            status="",
            dial_uri=tel_uri(to_number),
        )
