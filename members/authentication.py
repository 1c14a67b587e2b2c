from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions


class PasswordChangeRequired(exceptions.PermissionDenied):
    default_detail = _("密码已被管理员重置，请先登录管理后台修改密码。")
    default_code = "password_change_required"


class TokenAuthentication(authentication.TokenAuthentication):
    """DRF token auth that loads the user's person in the same query (member endpoints all need it)."""

    def authenticate_credentials(self, key):
        model = self.get_model()
        token = model.objects.select_related("user__person").filter(key=key).first()
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        if token.user.must_change_password:
            raise PasswordChangeRequired(
                {
                    "code": PasswordChangeRequired.default_code,
                    "detail": str(PasswordChangeRequired.default_detail),
                }
            )
        return (token.user, token)
