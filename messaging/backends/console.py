import sys
import uuid

from messaging.backends.base import BaseSMSBackend


class SMSBackend(BaseSMSBackend):
    """Prints each text to standard output: the default, for development."""

    def __init__(self, stream=None):
        self.stream = stream or sys.stdout

    def send(self, *, to: str, body: str) -> str:
        self.stream.write(f"SMS to {to}:\n{body}\n{'-' * 40}\n")
        self.stream.flush()
        return f"console-{uuid.uuid4().hex}"
