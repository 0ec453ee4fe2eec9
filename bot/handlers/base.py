"""The Channel protocol every adapter implements."""

from __future__ import annotations

from typing import Protocol

from bot.domain.messages import Channel, Outbound, SendResult


class Sender(Protocol):
    """Sends one rendered message; raises SendError classified as retryable or not."""

    channel: Channel
    rate_per_s: float

    async def send(self, message: Outbound) -> SendResult:
        """Send `message` and return what the provider said, or raise SendError."""
        ...

    async def close(self) -> None:
        """Release connections."""
        ...
