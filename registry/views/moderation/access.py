"""Who may see the moderation pages, and which items each moderator sees.

Moderators hold the `registry.moderate` permission (superusers, the
administrators, hold every permission). A moderator with ModeratorArea rows
sees and decides only items whose cameras lie inside those areas; the
services check the same rule again on every decision."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from registry.services.moderators import can_moderate


def forbidden(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "registry/moderation/forbidden.html", {"message": message}, status=403)


def moderator_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Anonymous visitors are sent to sign in (a post from one is refused
    outright); signed-in visitors without the permission get a 403 page
    saying why."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_authenticated:
            if request.method in ("GET", "HEAD"):
                return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
            # A decision posted without signing in is refused, not deferred.
            return forbidden(request, _("Sign in as a moderator to do this."))
        if not can_moderate(request.user):
            return forbidden(
                request,
                _(
                    "These pages are for moderators. Your account does not hold the "
                    "moderator role; an administrator can grant it."
                ),
            )
        return view(request, *args, **kwargs)

    return wrapper


def contributor_label(item) -> str:
    """Who sent a contribution, as far as moderators are told: the account's
    name, or the receipt's number for an anonymous contributor."""
    if item.user_id:
        return _("account %(name)s") % {"name": item.user.get_username()}
    if item.receipt_id:
        return _("anonymous (receipt #%(id)s)") % {"id": item.receipt_id}
    return _("anonymous")
