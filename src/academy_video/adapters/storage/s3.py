"""Object storage on S3 or any S3-compatible endpoint, through boto3.

Credentials come from boto3's usual chain (environment, profile, instance role). Clients move
bytes straight to and from S3 with presigned URLs; the service only signs, inspects and deletes.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, cast

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import ClientError

from academy_video.app.ports import StoredObject, UploadedPart

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_s3.type_defs import ObjectIdentifierTypeDef

DELETE_BATCH = 1000  # S3's limit per DeleteObjects call
MiB = 1024 * 1024
TRANSFER = TransferConfig(multipart_threshold=64 * MiB, multipart_chunksize=16 * MiB)


class S3ObjectStorage:
    def __init__(
        self,
        bucket: str,
        *,
        endpoint_url: str | None = None,
        region: str | None = None,
        client: S3Client | None = None,
    ) -> None:
        self.bucket = bucket
        self.client: S3Client = client or boto3.client(
            "s3",
            endpoint_url=endpoint_url or None,
            region_name=region or None,
            config=Config(
                signature_version="s3v4",
                retries={"max_attempts": 5, "mode": "standard"},
                connect_timeout=5,
                read_timeout=60,
            ),
        )

    def upload_url(self, key: str, content_type: str, expires_in: int) -> str:
        return self._presign("put_object", {"Key": key, "ContentType": content_type}, expires_in)

    def download_url(self, key: str, expires_in: int) -> str:
        return self._presign("get_object", {"Key": key}, expires_in)

    def source_url(self, key: str, expires_in: int) -> str:
        return self.download_url(key, expires_in)

    def head(self, key: str) -> StoredObject | None:
        try:
            answer = self.client.head_object(Bucket=self.bucket, Key=key)
        except ClientError as error:
            if _status(error) == 404:
                return None
            raise
        return StoredObject(key, int(answer["ContentLength"]), answer.get("ETag", "").strip('"'))

    def open(self, key: str) -> BinaryIO:
        try:
            body = self.client.get_object(Bucket=self.bucket, Key=key)["Body"]
        except ClientError as error:
            if _status(error) == 404:
                raise KeyError(key) from None
            raise
        return cast(BinaryIO, body)

    def put_file(self, key: str, path: Path, content_type: str, *, move: bool = False) -> None:
        self.client.upload_file(
            str(path), self.bucket, key, ExtraArgs={"ContentType": content_type}, Config=TRANSFER
        )

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=key)

    def delete_prefix(self, prefix: str) -> int:
        removed = 0
        batch: list[ObjectIdentifierTypeDef] = []
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=prefix
        )
        for page in pages:
            for item in page.get("Contents", []):
                batch.append({"Key": item["Key"]})
                if len(batch) == DELETE_BATCH:
                    removed += self._delete_batch(batch)
                    batch = []
        if batch:
            removed += self._delete_batch(batch)
        return removed

    def start_multipart(self, key: str, content_type: str, *, part_size: int) -> str:
        # S3 holds a presigned part to no size (up to its own 5 GiB): the total is checked on
        # the joined object (``UploadService.finish_multipart``).
        answer = self.client.create_multipart_upload(
            Bucket=self.bucket, Key=key, ContentType=content_type
        )
        return answer["UploadId"]

    def part_url(self, key: str, upload_id: str, part_number: int, expires_in: int) -> str:
        return self._presign(
            "upload_part",
            {"Key": key, "UploadId": upload_id, "PartNumber": part_number},
            expires_in,
        )

    def complete_multipart(self, key: str, upload_id: str, parts: list[UploadedPart]) -> None:
        try:
            self.client.complete_multipart_upload(
                Bucket=self.bucket,
                Key=key,
                UploadId=upload_id,
                MultipartUpload={
                    "Parts": [{"PartNumber": p.part_number, "ETag": p.etag} for p in parts]
                },
            )
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "")
            if code in ("InvalidPart", "InvalidPartOrder", "NoSuchUpload", "EntityTooSmall"):
                raise ValueError(code) from None
            raise

    def abort_multipart(self, key: str, upload_id: str | None = None) -> int:
        if upload_id is not None:
            ids = [upload_id]
        else:
            listed = self.client.list_multipart_uploads(Bucket=self.bucket, Prefix=key)
            ids = [u["UploadId"] for u in listed.get("Uploads", []) if u["Key"] == key]
        for each in ids:
            try:
                self.client.abort_multipart_upload(Bucket=self.bucket, Key=key, UploadId=each)
            except ClientError as error:
                if error.response.get("Error", {}).get("Code") != "NoSuchUpload":
                    raise
        return len(ids)

    def seal(self, key: str) -> None:
        """Nothing: S3 cannot revoke a presigned URL. A source rewritten through one after
        ``upload/complete`` changes its ETag, and workers refuse it (``source_changed``)."""

    def _presign(self, operation: str, params: dict[str, Any], expires_in: int) -> str:
        return self.client.generate_presigned_url(
            operation, Params={"Bucket": self.bucket, **params}, ExpiresIn=expires_in
        )

    def _delete_batch(self, batch: list[ObjectIdentifierTypeDef]) -> int:
        answer = self.client.delete_objects(
            Bucket=self.bucket, Delete={"Objects": batch, "Quiet": True}
        )
        errors = answer.get("Errors", [])
        if errors:
            raise RuntimeError(f"S3 refused to delete {len(errors)} objects: {errors[:3]}")
        return len(batch)


def _status(error: ClientError) -> int:
    return int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0))
