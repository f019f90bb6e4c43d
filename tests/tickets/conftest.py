import pytest

from tickets import signals


class SignalRecorder:
    """Records every tickets signal sent, as (signal name, kwargs)."""

    NAMES = ("ticket_closed", "ticket_voided", "ticket_adjusted", "payment_removed")

    def __init__(self):
        self.sent: list[tuple[str, dict]] = []
        self._receivers = {}
        for name in self.NAMES:

            def receiver(sender, signal=None, _name=name, **kwargs):
                self.sent.append((_name, {"sender": sender, **kwargs}))

            self._receivers[name] = receiver
            getattr(signals, name).connect(receiver, dispatch_uid=f"test-recorder-{name}")

    def names(self) -> list[str]:
        return [name for name, _ in self.sent]

    def of(self, name: str) -> list[dict]:
        return [kwargs for sent_name, kwargs in self.sent if sent_name == name]

    def disconnect(self):
        for name in self.NAMES:
            getattr(signals, name).disconnect(dispatch_uid=f"test-recorder-{name}")


@pytest.fixture
def tickets_signals():
    recorder = SignalRecorder()
    yield recorder
    recorder.disconnect()
