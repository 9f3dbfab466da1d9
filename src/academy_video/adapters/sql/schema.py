"""The read models' one ``MetaData`` and the column sizes their tables share (``tables.py``,
``webhook_tables.py``)."""

from __future__ import annotations

from sqlalchemy import Column, MetaData, String

from academy_video.domain.ids import TENANT_MAX_LENGTH

metadata = MetaData()

TENANT = TENANT_MAX_LENGTH
SHORT = 32
NAME = 255
KEY = 1024


def tenant_column() -> Column[str]:
    return Column("tenant", String(TENANT), nullable=False, index=True)
