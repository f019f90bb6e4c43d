from salon.api.routers import Router
from staff.api.views import StaffViewSet

router = Router()
router.register("staff", StaffViewSet, basename="staff")

urlpatterns = router.urls
