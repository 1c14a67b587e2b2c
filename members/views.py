from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from members import selectors, services
from members.forms import LoginForm, RegisterForm
from unionhub.errors import BusinessError


def register(request):
    form = RegisterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user, _token = services.member_register(name=data["name"], id_number=data["id_number"],
                                                    phone=data["phone"], password=data["password"])
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


@login_required
def home(request):
    person = request.user.person
    if person is None:
        return redirect("admin:index")
    membership = selectors.membership_current(person)
    context = {"person": person, "membership": membership, "home_main_sections": [], "home_sections": []}
    for provider in HOME_SECTIONS:
        section = provider(request, person, membership)
        if section:
            template_name, extra = section
            # The member's main task (入会缴费 for a self-pay member, the application for an applicant) comes first.
            main = extra.get("home_main_task", False)
            context["home_main_sections" if main else "home_sections"].append(template_name)
            context.update(extra)
    return render(request, "members/home.html", context)


# Other apps register what the home page shows (open application, dues summary, unread messages):
# a callable (request, person, membership) -> (template_name, extra_context) or None; a section whose context has
# home_main_task true is shown first, above the member's own summary.
HOME_SECTIONS: list = []
