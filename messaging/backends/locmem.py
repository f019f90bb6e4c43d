import uuid
from dataclasses import dataclass

import messaging
from messaging.backends.base import BaseSMSBackend


@dataclass(frozen=True)
class OutboxMessage:
    to: str
    body: str
    sid: str


class SMSBackend(BaseSMSBackend):
    """Appends each text to `messaging.outbox` (tests, R40)."""

    def send(self, *, to: str, body: str) -> str:
        sid = f"locmem-{uuid.uuid4().hex}"
        messaging.outbox.append(OutboxMessage(to=to, body=body, sid=sid))
        return sid
