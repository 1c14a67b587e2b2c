from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.views import LoginView
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from members import services
from members.forms import LoginForm, RegisterForm
from unionhub.lib.errors import BusinessError


def register(request):
    form = RegisterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user, _token = services.member_register(
                name=data["name"], id_number=data["id_number"], phone=data["phone"], password=data["password"]
            )
        except BusinessError as exc:
            form.add_error(None, exc.detail)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            login(request, user, backend="members.backends.PhoneIdOrUsernameBackend")
            messages.success(request, _("注册成功。"))
            return redirect("member-home")
    return render(request, "members/register.html", {"form": form})


class MemberLoginView(LoginView):
    template_name = "registration/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True
