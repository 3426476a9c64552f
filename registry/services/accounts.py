"""Optional accounts: a pseudonym and a password, an email address only if
wanted. Creating one costs a proof of work, like any anonymous write, spent
in the transaction that creates the account."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from registry.proof_of_work import check_solution, spend


@transaction.atomic
def account_create(
    *, username: str, password: str, email: str = "", proof: str
) -> AbstractBaseUser:
    """A new account. The proof is checked first; the pseudonym's being
    taken is said only to a client that solved one (and the password is
    checked by the caller's form, against Django's validators)."""
    solution = check_solution(proof or None)
    spend(solution)
    users = get_user_model().objects
    try:
        with transaction.atomic():
            return users.create_user(username=username, email=email or "", password=password)
    except IntegrityError:
        raise ValidationError(
            {"username": _("A user with that username already exists.")}, code="unique"
        ) from None
