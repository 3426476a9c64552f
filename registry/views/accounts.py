"""Optional accounts: a pseudonym and a password, an email address only if
wanted. An account follows its contributions on one page and contributes
without the proof of work; creating one needs the proof, like any
anonymous write."""

from __future__ import annotations

from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from registry.contribute_forms import SignupForm
from registry.services.accounts import account_create
from registry.throttles import (
    ContributionThrottle,
    GlobalContributionThrottle,
    LoginThrottle,
    throttle_wait,
)

from .contribute import add_form_errors, check_proof, site_wording, too_many_page
from .contribution_list import contribution_rows


class ThrottledLoginView(LoginView):
    """Django's sign-in, with attempts per client limited (LOGIN_RATE)."""

    template_name = "registry/accounts/login.html"
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        wait = throttle_wait(request, [LoginThrottle()])
        if wait is not None:
            return too_many_page(request, wait)
        return super().post(request, *args, **kwargs)


def signup(request):
    if request.user.is_authenticated:
        return redirect("registry:my-contributions")
    if request.method != "POST":
        return _signup_page(request, SignupForm())
    wait = throttle_wait(request, [ContributionThrottle(), GlobalContributionThrottle()])
    if wait is not None:
        return too_many_page(request, wait)
    form = SignupForm(request.POST)
    # The proof first: whether a pseudonym is taken is told only to a
    # client that has done the work.
    try:
        payload = request.POST.get("altcha", "")
        if not payload:
            raise ValidationError(
                _(
                    "Creating an account needs JavaScript once, with which your browser shows "
                    "it is not a robot. Turn it on and send the form again."
                )
            )
        check_proof(payload)
    except ValidationError as error:
        return _signup_page(request, _refused_before_checking(request, error), status=400)
    if not form.is_valid():
        return _signup_page(request, form, status=400)
    try:
        user = account_create(
            username=form.cleaned_data["username"],
            password=form.cleaned_data["password1"],
            email=form.cleaned_data["email"],
            proof=payload,
        )
    except ValidationError as error:
        add_form_errors(form, site_wording(error))
        return _signup_page(request, form, status=400)
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    return redirect("registry:my-contributions")


def _refused_before_checking(request, error: ValidationError) -> SignupForm:
    """The form as sent, with the proof's refusal and nothing else: its
    fields are not checked yet (a taken pseudonym is not told)."""
    initial = {name: request.POST.get(name, "")[:150] for name in ("username", "email")}
    form = SignupForm(initial=initial)
    form.cleaned_data = {}
    add_form_errors(form, error)
    return form


def _signup_page(request, form, status: int = 200):
    return render(request, "registry/accounts/signup.html", {"form": form}, status=status)


@login_required
def my_contributions(request):
    context = {"rows": contribution_rows(user=request.user)}
    return render(request, "registry/accounts/me.html", context)
