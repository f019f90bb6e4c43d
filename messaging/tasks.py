"""Background work of messaging, run by the task worker (django-tasks)."""

from django_tasks import task

from messaging.services import message_send


@task()
def send_message(message_id: int) -> str:
    """Send one queued text (R39): never inside a web request or a ticket transaction."""
    return message_send(message_id=message_id)
