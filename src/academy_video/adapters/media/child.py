"""What the sandbox's fork server imports once, so that each child starts with PyAV loaded and
every function a child runs importable by name."""

from __future__ import annotations

from . import encode_pass, probe

__all__ = ["encode_pass", "probe"]
