"""Object storage on the local disk (the embedded default): ``<data dir>/objects/<key>``.

The service itself plays S3's part for clients: it hands out signed, expiring URLs under
``/media/…`` that take an object (or a multipart part) with ``PUT`` and give it back with ``GET``.
The HTTP adapter's media routes check the signature with ``verify`` and stream the body through
``receive``; bodies go to a temporary file beside the target and are renamed into place when
complete, so a reader never sees half an object and memory holds one chunk at a time.

Bounds on what a holder of such a URL can write: a whole object up to ``max_bytes``; a part up
to its upload's part size (kept in the upload's ``meta.json``), and the parts' total checked
against ``max_bytes`` before anything is joined; nothing once the key is sealed (``seal``: a
marker under ``.sealed/``, checked under a file lock by every rename into place, so a PUT that
started before the seal cannot land after it).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
import shutil
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import quote

import anyio

from academy_video.app.errors import TooLarge
from academy_video.app.ports import StoredObject, UploadedPart

from .local_gate import Gate, version_tag

_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._\-/]{0,1023}$")
_UPLOAD_ID = re.compile(r"^[0-9a-f]{32}$")
MULTIPART_DIR = ".multipart"  # the store's own files start with a dot, which no key may
CHUNK = 1024 * 1024


class BadKey(ValueError):
    """A key that is not a plain relative path inside the store."""


def check_key(key: str) -> str:
    parts = key.split("/")
    if not _KEY.match(key) or any(p in ("", ".", "..") for p in parts) or parts[0] == MULTIPART_DIR:
        raise BadKey(f"invalid object key {key!r}")
    return key


class LocalDiskStorage:
    def __init__(self, root: Path, *, base_url: str, secret: str, max_bytes: int) -> None:
        self.root = root.resolve()
        self.root.mkdir(parents=True, exist_ok=True)
        self.base_url = base_url.rstrip("/")
        self._key = hmac.new(secret.encode(), b"academy-video local storage", "sha256").digest()
        self.max_bytes = max_bytes
        self.gate = Gate(self.root)

    # Signed URLs ---------------------------------------------------------------------------

    def upload_url(self, key: str, content_type: str, expires_in: int) -> str:
        return self._signed("PUT", f"/media/objects/{quote(check_key(key))}", expires_in)

    def download_url(self, key: str, expires_in: int) -> str:
        return self._signed("GET", f"/media/objects/{quote(check_key(key))}", expires_in)

    def part_url(self, key: str, upload_id: str, part_number: int, expires_in: int) -> str:
        self._upload_dir(upload_id)
        return self._signed("PUT", f"/media/multipart/{upload_id}/{int(part_number)}", expires_in)

    def refusal(self, method: str, path: str, expires: str, signature: str) -> str | None:
        """Why a request may not use this URL (``invalid_signature``, ``url_expired``), or None.

        The signature covers the method, the path as sent and the deadline (Unix seconds)."""
        try:
            deadline = int(expires)
        except ValueError:
            return "invalid_signature"
        if not signature.isascii() or not hmac.compare_digest(
            self._signature(method, path, deadline), signature
        ):
            return "invalid_signature"
        return "url_expired" if deadline < time.time() else None

    def _signed(self, method: str, path: str, expires_in: int) -> str:
        deadline = int(time.time()) + expires_in
        return f"{self.base_url}{path}?exp={deadline}&sig={self._signature(method, path, deadline)}"

    def _signature(self, method: str, path: str, deadline: int) -> str:
        mac = hmac.new(self._key, f"{method}|{path}|{deadline}".encode(), "sha256").digest()
        return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()

    # Objects -------------------------------------------------------------------------------

    def path(self, key: str) -> Path:
        # ``check_key`` admits no ``..``, empty or absolute part, so the join stays under the
        # root; nothing in the tree is a link (only this class writes it), so no ``resolve()``
        # (a syscall per path component, per file).
        return self.root / check_key(key)

    def source_url(self, key: str, expires_in: int) -> str:
        return str(self.path(key))

    def head(self, key: str) -> StoredObject | None:
        try:
            stat = self.path(key).stat()
        except FileNotFoundError:
            return None
        return StoredObject(key, stat.st_size, version_tag(stat))

    def open(self, key: str) -> BinaryIO:
        try:
            return self.path(key).open("rb")
        except FileNotFoundError:
            raise KeyError(key) from None

    def put_file(self, key: str, path: Path, content_type: str, *, move: bool = False) -> None:
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        if move:
            try:
                self.gate.stamp(path)
                os.replace(path, target)  # same file system: a rename, no copy
                return
            except OSError:
                pass  # another file system: copy instead
        with (
            tempfile.NamedTemporaryFile(dir=target.parent, delete=False) as temporary,
            path.open("rb") as source,
        ):
            shutil.copyfileobj(source, temporary, CHUNK)
        self.gate.stamp(Path(temporary.name))
        os.replace(temporary.name, target)

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)

    def delete_prefix(self, prefix: str) -> int:
        directory = prefix.rpartition("/")[0]
        base = self.root / directory if directory else self.root
        if directory:
            check_key(directory)
        if not base.is_dir():
            return 0
        removed = 0
        for path in sorted(base.rglob("*"), reverse=True):
            relative = path.relative_to(self.root).as_posix()
            if relative.startswith(".") or not relative.startswith(prefix):  # the store's own
                continue
            if path.is_file():
                path.unlink()
                removed += 1
            elif not any(path.iterdir()):
                path.rmdir()
        return removed

    async def receive(self, key: str, chunks: AsyncIterator[bytes]) -> str:
        """Store a PUT body as ``key``; returns its ETag (MD5, as S3 gives for one part)."""
        target = self.path(key)
        self.gate.check_open(key)
        return await self._receive(target, chunks, self.max_bytes, "upload_too_large", key)

    def seal(self, key: str) -> None:
        self.gate.seal(check_key(key))

    # Multipart -----------------------------------------------------------------------------

    def start_multipart(self, key: str, content_type: str, *, part_size: int) -> str:
        check_key(key)
        upload_id = uuid.uuid4().hex
        directory = self.root / MULTIPART_DIR / upload_id
        directory.mkdir(parents=True)
        meta = {"key": key, "part_size": int(part_size)}
        (directory / "meta.json").write_text(json.dumps(meta))
        return upload_id

    async def receive_part(
        self, upload_id: str, part_number: int, chunks: AsyncIterator[bytes]
    ) -> str:
        if not 1 <= part_number <= 10_000:
            raise BadKey("part numbers run from 1 to 10000")
        directory = self._upload_dir(upload_id)
        meta = _meta(directory)
        self.gate.check_open(meta["key"])
        # An upload begun before part sizes were kept is held to the whole upload's limit.
        limit = min(int(meta.get("part_size", self.max_bytes)), self.max_bytes)
        target = directory / f"{part_number:05d}"
        return await self._receive(target, chunks, limit, "part_too_large", meta["key"])

    def complete_multipart(self, key: str, upload_id: str, parts: list[UploadedPart]) -> None:
        directory = self._upload_dir(upload_id)
        if _meta(directory)["key"] != key:
            raise ValueError("no such upload for this key")
        if [p.part_number for p in parts] != list(range(1, len(parts) + 1)):
            raise ValueError("parts must be numbered 1, 2, 3, … in order")
        files = [directory / f"{p.part_number:05d}" for p in parts]
        for part, file in zip(parts, files, strict=True):
            if not file.exists():
                raise ValueError(f"part {part.part_number} is missing")
        # The total before anything is read or joined. Over it, the upload is dropped, as S3
        # drops an upload it completed: the caller starts a new one.
        if sum(file.stat().st_size for file in files) > self.max_bytes:
            shutil.rmtree(directory)
            raise TooLarge("upload_too_large")
        for part, file in zip(parts, files, strict=True):
            if _md5(file) != part.etag.strip('"'):
                raise ValueError(f"part {part.part_number} is missing or its ETag differs")
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        descriptor, name = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
        try:
            with os.fdopen(descriptor, "wb") as joined:
                for file in files:
                    with file.open("rb") as source:
                        shutil.copyfileobj(source, joined, CHUNK)
            self.gate.stamp(Path(name))
            self.gate.install(Path(name), target, key)
        except BaseException:
            Path(name).unlink(missing_ok=True)
            raise
        shutil.rmtree(directory)

    def abort_multipart(self, key: str, upload_id: str | None = None) -> int:
        aborted = 0
        for directory in (self.root / MULTIPART_DIR).glob("*"):
            meta = directory / "meta.json"
            if not meta.exists() or json.loads(meta.read_text())["key"] != key:
                continue
            if upload_id in (None, directory.name):
                shutil.rmtree(directory)
                aborted += 1
        return aborted

    def _upload_dir(self, upload_id: str) -> Path:
        directory = self.root / MULTIPART_DIR / upload_id
        if not _UPLOAD_ID.match(upload_id) or not directory.is_dir():
            raise KeyError(upload_id)
        return directory

    async def _receive(
        self, target: Path, chunks: AsyncIterator[bytes], limit: int, too_large: str, key: str
    ) -> str:
        """Stream to a temporary file beside ``target``, refused (and removed) as soon as it
        passes ``limit`` bytes; renamed into place unless ``key`` was sealed meanwhile."""
        target.parent.mkdir(parents=True, exist_ok=True)
        descriptor, name = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
        os.close(descriptor)
        digest, size = hashlib.md5(usedforsecurity=False), 0
        try:
            async with await anyio.open_file(name, "wb") as file:
                async for chunk in chunks:
                    size += len(chunk)
                    if size > limit:
                        raise TooLarge(too_large)
                    digest.update(chunk)
                    await file.write(chunk)
            self.gate.stamp(Path(name))
            await anyio.to_thread.run_sync(self.gate.install, Path(name), target, key)
        except BaseException:
            Path(name).unlink(missing_ok=True)
            raise
        return digest.hexdigest()


def _meta(directory: Path) -> dict[str, Any]:
    meta: dict[str, Any] = json.loads((directory / "meta.json").read_text())
    return meta


def _md5(path: Path) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    with path.open("rb") as file:
        while block := file.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()
