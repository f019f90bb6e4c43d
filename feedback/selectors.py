from django.db.models import QuerySet

from feedback.models import Feedback


def feedback_list(*, client_id: int | None = None) -> QuerySet[Feedback]:
    queryset = Feedback.objects.select_related("client", "ticket")
    if client_id is not None:
        queryset = queryset.filter(client_id=client_id)
    return queryset
