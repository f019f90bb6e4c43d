from tests.messaging.outbox import sms_outbox

__all__ = ["sms_outbox"]
