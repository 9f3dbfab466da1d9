"""Wake the transcoding worker's EC2 instance when there is work, without blocking the request.

As the seed did: ``start_instances``; while the instance is still stopping
(``IncorrectInstanceState``) try again every ``interval`` seconds, up to ``attempts`` times. A wake
that arrives while another is still trying joins it instead of starting a second thread.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import TYPE_CHECKING

import boto3
from botocore.exceptions import BotoCoreError, ClientError

if TYPE_CHECKING:
    from mypy_boto3_ec2 import EC2Client

log = logging.getLogger(__name__)

RETRIED = ("IncorrectInstanceState", "InstanceInterrupted")


class Ec2WorkerWaker:
    def __init__(
        self,
        instance_id: str,
        *,
        region: str | None = None,
        endpoint_url: str | None = None,
        client: EC2Client | None = None,
        interval: float = 10.0,
        attempts: int = 12,
    ) -> None:
        self.instance_id = instance_id
        self.client: EC2Client = client or boto3.client(
            "ec2", region_name=region, endpoint_url=endpoint_url
        )
        self.interval = interval
        self.attempts = attempts
        self._busy = threading.Lock()

    def wake(self) -> None:
        if not self._busy.acquire(blocking=False):
            return  # a wake is already under way
        threading.Thread(target=self._start, name="ec2-waker", daemon=True).start()

    def _start(self) -> None:
        try:
            self._try()
        finally:
            self._busy.release()

    def _try(self) -> None:
        for attempt in range(1, self.attempts + 1):
            try:
                self.client.start_instances(InstanceIds=[self.instance_id])
            except ClientError as error:
                code = error.response.get("Error", {}).get("Code", "")
                if code not in RETRIED or attempt == self.attempts:
                    log.error("ec2 waker: could not start %s: %s", self.instance_id, error)
                    return
                log.warning("ec2 waker: %s not ready (%s); retrying", self.instance_id, code)
                time.sleep(self.interval)
                continue
            except BotoCoreError as error:
                log.error("ec2 waker: could not reach EC2: %s", error)
                return
            log.info("ec2 waker: start of %s accepted (attempt %d)", self.instance_id, attempt)
            return
