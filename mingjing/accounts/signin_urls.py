"""Signing in and out, the code step, the account security page and the password change
(un-namespaced: `LOGIN_URL = "login"`)."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import path

from mingjing.accounts import signin_views
from mingjing.accounts.signin_forms import LoginForm

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(authentication_form=LoginForm), name="login"),
    path("login/code/", signin_views.login_code, name="login_code"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/", signin_views.account_security, name="account_security"),
    path("account/totp/", signin_views.totp_confirm, name="totp_confirm"),
    path("account/totp/remove/", signin_views.totp_remove, name="totp_remove"),
    path("account/password/", signin_views.PasswordChangeView.as_view(), name="password_change"),
    path("account/password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
]
