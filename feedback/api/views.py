"""Feedback API (R37, SPEC §11)."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from feedback.api.serializers import (
    FeedbackRecordSerializer,
    FeedbackSerializer,
    MyFeedbackRecordSerializer,
)
from feedback.models import FeedbackSource
from feedback.selectors import feedback_list
from feedback.services import feedback_record, feedback_share
from salon.api.idempotency import IdempotentMixin
from salon.api.permissions import IsClientUser, IsStaffMember
from tickets.models import Ticket


class FeedbackViewSet(
    IdempotentMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Staff record a client's feedback; Managers mark it shared (`feedback.share_feedback`).
    Both earn points (R37), so both honour Idempotency-Key (SPEC §11)."""

    permission_classes = [IsStaffMember]
    serializer_class = FeedbackSerializer

    def get_queryset(self):
        return feedback_list()

    @extend_schema(request=FeedbackRecordSerializer, responses={201: FeedbackSerializer})
    def create(self, request):
        given = FeedbackRecordSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        feedback = feedback_record(**given.validated_data)
        return Response(FeedbackSerializer(feedback).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=FeedbackSerializer)
    @action(detail=True, methods=["post"])
    def share(self, request, pk=None):
        feedback = feedback_share(feedback=self.get_object(), user=request.user)
        return Response(FeedbackSerializer(feedback).data)


class MyFeedbackViewSet(IdempotentMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """A client-app user's feedback on their own closed tickets (source `client_app`)."""

    permission_classes = [IsClientUser]
    serializer_class = FeedbackSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no user
            return feedback_list().none()
        return feedback_list(client_id=self.request.user.client.pk)

    @extend_schema(request=MyFeedbackRecordSerializer, responses={201: FeedbackSerializer})
    def create(self, request):
        given = MyFeedbackRecordSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = dict(given.validated_data)
        client = request.user.client
        # Someone else's ticket is answered as if it didn't exist (SPEC §11: 404).
        ticket = Ticket.objects.filter(pk=data.pop("ticket"), client=client).first()
        if ticket is None:
            raise NotFound("No such ticket.")
        feedback = feedback_record(
            client=client,
            ticket=ticket,
            source=FeedbackSource.CLIENT_APP,
            **data,
        )
        return Response(FeedbackSerializer(feedback).data, status=status.HTTP_201_CREATED)
