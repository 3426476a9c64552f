"""What keeps a write from happening twice: a proof of work spent once, and a
contribution retried under the same idempotency key stored once.

Neither keeps anything about the client: a spent proof is the server's own
signature of the challenge; a request is known by a keyed hash of its key
and of its content, and the receipt token its first answer carried is kept
sealed under a key derived from the request's own key, which only the
client holds."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class SpentProof(models.Model):
    """A proof of work a write used. The primary key makes it good for one
    write: the row is inserted in the write's own transaction, so a write
    that fails or is refused leaves the proof unspent, and two writes racing
    with one proof cannot both commit, whatever the cache does."""

    signature = models.CharField(_("challenge's signature"), max_length=64, primary_key=True)
    expires_at = models.DateTimeField(
        _("challenge expires at"),
        db_index=True,
        help_text=_("After this the challenge is refused anyway, and the row can go."),
    )

    class Meta:
        verbose_name = _("spent proof of work")

    def __str__(self) -> str:
        return f"proof {self.signature[:12]}… (until {self.expires_at:%Y-%m-%d %H:%M})"


class IdempotentRequest(models.Model):
    """A contribution sent with an idempotency key (the API's
    Idempotency-Key header, or the one-time token of a form on the site): a
    retry with the same key and content gets what the first request made,
    and nothing new is stored, for IDEMPOTENCY_SECONDS."""

    key_hash = models.CharField(_("key's keyed hash"), max_length=64, primary_key=True)
    fingerprint = models.CharField(
        _("content's keyed hash"),
        max_length=64,
        help_text=_("A retry must carry the same content; another is refused."),
    )
    kind = models.CharField(_("what was made"), max_length=30)
    item_id = models.BigIntegerField(_("the item's id"), null=True)
    sealed_receipt = models.TextField(
        _("sealed receipt token"),
        blank=True,
        help_text=_(
            "The receipt token of the first answer, encrypted under a key derived from the "
            "request's own key: the database alone cannot open it."
        ),
    )
    created_at = models.DateTimeField(_("first sent at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("idempotent request")

    def __str__(self) -> str:
        return f"{self.kind or 'pending'} #{self.item_id} ({self.created_at:%Y-%m-%d %H:%M})"
