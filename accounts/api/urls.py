from django.urls import path

from accounts.api import views

urlpatterns = [
    path("auth/token/", views.TokenCreateView.as_view(), name="auth-token"),
    path("auth/logout/", views.LogoutView.as_view(), name="auth-logout"),
    path("auth/logout-all/", views.LogoutAllView.as_view(), name="auth-logout-all"),
    path("signup/", views.SignupView.as_view(), name="signup"),
    path("signup/verify/", views.SignupVerifyView.as_view(), name="signup-verify"),
    path("me/", views.MeView.as_view(), name="me"),
    path("me/email/verify/", views.MeEmailVerifyView.as_view(), name="me-email-verify"),
]
