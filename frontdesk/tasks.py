"""Background work of the front desk, run by the task worker (django-tasks)."""

from django_tasks import task

from frontdesk.services import receipt_email_deliver


@task()
def send_receipt_email(receipt_email_id: int) -> str:
    """E-mail one queued receipt (R49): never inside a web request or a ticket transaction."""
    return receipt_email_deliver(receipt_email_id=receipt_email_id)
