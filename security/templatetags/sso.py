from django import template

from security.sso import sso_enabled

register = template.Library()


@register.simple_tag
def sso_login_enabled() -> bool:
    """The login page shows the SSO button only when SSO is configured."""
    return sso_enabled()
