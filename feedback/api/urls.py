from rest_framework.routers import SimpleRouter

from feedback.api.views import FeedbackViewSet, MyFeedbackViewSet

router = SimpleRouter()
router.register("feedback", FeedbackViewSet, basename="feedback")
router.register("me/feedback", MyFeedbackViewSet, basename="my-feedback")

urlpatterns = router.urls
