"""{% one_time_token %}: the idempotency key of a contribution form that
is not a Django form of its own (the camera page's "Still there" button)."""

from django import template

from registry.contribute_forms import one_time_token as new_token

register = template.Library()


@register.simple_tag
def one_time_token() -> str:
    return new_token()
