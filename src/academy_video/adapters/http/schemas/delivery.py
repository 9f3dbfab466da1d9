"""What a published video costs to deliver, for the console's video card."""

from __future__ import annotations

from msgspec import Struct


class DeliveryRung(Struct):
    name: str
    width: int
    height: int
    average_bandwidth: int  # bits per second over the whole rung
    bytes_per_hour: int  # bytes one viewer fetches for an hour of this rung


class DeliveryOut(Struct):
    """``rungs`` empty and ``bytes_per_hour`` null: not READY, or published before the figures
    were stored (``academy-video media inspect`` measures those from storage)."""

    video_id: int
    status: str
    rungs: list[DeliveryRung]
    bytes_per_hour: int | None  # every rung's together
