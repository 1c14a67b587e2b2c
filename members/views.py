from django.contrib.auth.views import LoginView

from members.forms import LoginForm


class MemberLoginView(LoginView):
    template_name = "registration/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True
