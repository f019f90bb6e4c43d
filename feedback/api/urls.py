from feedback.api.views import FeedbackViewSet, MyFeedbackViewSet
from salon.api.routers import Router

router = Router()
router.register("feedback", FeedbackViewSet, basename="feedback")
router.register("me/feedback", MyFeedbackViewSet, basename="my-feedback")

urlpatterns = router.urls
