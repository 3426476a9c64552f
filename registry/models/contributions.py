"""What residents send in, and what moderators do with it.

A contribution belongs to an account or to a receipt: the unguessable link
an anonymous contributor keeps to follow what they sent. Neither an IP
address nor a user agent is stored with any of it."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .cameras import Camera
from .evidence import Evidence


class Receipt(models.Model):
    """An anonymous contributor's receipt. The link holds a random token;
    only its SHA-256 is kept, so the database alone cannot rebuild the link."""

    token_hash = models.CharField(_("token's SHA-256"), max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("receipt")

    def __str__(self) -> str:
        return f"receipt #{self.pk}"


class ReviewState(models.TextChoices):
    OPEN = "open", _("waiting for review")
    ACCEPTED = "accepted", _("accepted")
    REJECTED = "rejected", _("rejected")
    MERGED = "merged", _("merged into another camera")


class Contribution(models.Model):
    """Who sent it (an account or a receipt, or neither) and how review went."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("account"),
    )
    receipt = models.ForeignKey(
        Receipt, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.TextField(_("note"), blank=True, max_length=5000)
    state = models.CharField(
        _("review"), max_length=10, choices=ReviewState.choices, default=ReviewState.OPEN
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_reason = models.TextField(_("reason"), blank=True)
    created_at = models.DateTimeField(_("sent at"), auto_now_add=True)

    class Meta:
        abstract = True
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} #{self.pk} ({self.get_state_display()})"


# Besides a kind of warning, submissions filter by these.
ANY_WARNING, NO_WARNING = "any", "none"
SUBMISSION_SORT_KEYS = ("oldest", "newest", "warnings")


class SubmissionQuerySet(models.QuerySet):
    """Reads of submissions by their stored plausibility warnings."""

    def with_warning(self, code: str) -> "SubmissionQuerySet":
        """Those carrying a warning of this kind (jsonb containment)."""
        return self.filter(warnings__contains=[{"code": code}])

    def with_any_warning(self) -> "SubmissionQuerySet":
        return self.exclude(warnings=[])

    def without_warning(self) -> "SubmissionQuerySet":
        return self.filter(warnings=[])

    def with_warning_count(self) -> "SubmissionQuerySet":
        """Annotates `warning_count`, how many warnings each carries."""
        length = models.Func(
            "warnings", function="jsonb_array_length", output_field=models.IntegerField()
        )
        return self.annotate(warning_count=length)

    def by_warning(self, code: str) -> "SubmissionQuerySet":
        """Filtered by a kind of warning, ANY_WARNING or NO_WARNING; "" for all."""
        if code == ANY_WARNING:
            return self.with_any_warning()
        if code == NO_WARNING:
            return self.without_warning()
        return self.with_warning(code) if code else self

    def sorted_by(self, key: str) -> "SubmissionQuerySet":
        """By one of SUBMISSION_SORT_KEYS: oldest or newest first, or most
        warnings first (the oldest first among equals)."""
        orders = {
            "oldest": ("created_at", "id"),
            "newest": ("-created_at", "-id"),
            "warnings": ("-warning_count", "created_at", "id"),
        }
        return self.with_warning_count().order_by(*orders[key])

    def warning_counts(self, codes) -> dict[str, int]:
        """How many of these carry each kind of warning, in one query."""
        return self.aggregate(
            **{
                code: models.Count("pk", filter=models.Q(warnings__contains=[{"code": code}]))
                for code in codes
            }
        )


class Submission(Contribution):
    """A camera reported by a resident. The camera exists from the start
    (status `reported`, or hidden until review where settings say so); the
    submission keeps what review needs."""

    camera = models.ForeignKey(Camera, on_delete=models.CASCADE, related_name="submissions")
    warnings = models.JSONField(
        _("plausibility warnings"),
        default=list,
        blank=True,
        help_text=_(
            "What looked doubtful when it arrived, computed then: [{code, params, message, "
            "evidence}], the reason and its evidence in words and their figures "
            "(registry.services.plausibility)."
        ),
    )
    merged_into = models.ForeignKey(
        Camera,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("merged into"),
    )
    photos = models.ManyToManyField(Evidence, blank=True, related_name="+")

    objects = SubmissionQuerySet.as_manager()

    class Meta(Contribution.Meta):
        verbose_name = _("submission")


class RemovalReport(Contribution):
    """ "It's gone": a camera reported no longer there."""

    camera = models.ForeignKey(Camera, on_delete=models.CASCADE, related_name="removal_reports")
    seen_gone_on = models.DateField(_("seen gone on"))
    photos = models.ManyToManyField(Evidence, blank=True, related_name="+")

    class Meta(Contribution.Meta):
        verbose_name = _("removal report")


class EditSuggestion(Contribution):
    """A proposed change, as a diff against the version the contributor saw."""

    camera = models.ForeignKey(Camera, on_delete=models.CASCADE, related_name="edit_suggestions")
    base_version = models.PositiveIntegerField(_("version seen"))
    changes = models.JSONField(
        _("proposed changes"), help_text=_("{field: [value seen, proposed value]}")
    )

    class Meta(Contribution.Meta):
        verbose_name = _("edit suggestion")


class ConfirmationQuerySet(models.QuerySet):
    def people(self) -> int:
        """How many people these confirmations come from: each account or
        receipt once, each confirmation with neither once. Support, shown on
        the camera; which of them may verify it is the services' rule."""
        counts = self.aggregate(
            accounts=models.Count("user", distinct=True),
            receipts=models.Count("receipt", distinct=True, filter=models.Q(user=None)),
            others=models.Count("id", filter=models.Q(user=None, receipt=None)),
        )
        return sum(counts.values())


class Confirmation(models.Model):
    """ "Still there": each keeps the camera fresh and counts as support.
    Only confirmations from signed-in accounts with standing, on different
    days, verify a reported camera (registry.services.contributions)."""

    camera = models.ForeignKey(Camera, on_delete=models.CASCADE, related_name="confirmations")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    receipt = models.ForeignKey(
        Receipt, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    seen_on = models.DateField(_("seen on"))
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ConfirmationQuerySet.as_manager()

    class Meta:
        verbose_name = _("confirmation")
        ordering = ["-seen_on", "-id"]

    def __str__(self) -> str:
        return f"{self.camera_id} seen on {self.seen_on}"


class ModerationAction(models.Model):
    """Every moderation decision, itself on record: who did what to which
    item, and why."""

    class Action(models.TextChoices):
        APPROVE = "approve", _("approved")
        REJECT = "reject", _("rejected")
        MERGE = "merge", _("merged")
        APPLY = "apply", _("applied")
        HIDE = "hide", _("hidden")
        UNHIDE = "unhide", _("shown again")
        REVERT = "revert", _("reverted")
        EDIT = "edit", _("edited")
        CREATE = "create", _("added")
        REVIEW = "review", _("marked reviewed")
        MAP = "map", _("spellings mapped")

    moderator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    subject = models.CharField(
        _("item"), max_length=40, help_text=_("e.g. submission:12, camera:40.")
    )
    camera = models.ForeignKey(
        Camera, on_delete=models.CASCADE, null=True, blank=True, related_name="moderation_actions"
    )
    reason = models.TextField(_("reason"), blank=True)
    changeset = models.ForeignKey(
        "registry.Changeset",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="moderation_actions",
        help_text=_("The changeset holding what the decision changed; none if nothing changed."),
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("moderation action")
        ordering = ["-created_at", "-id"]
        permissions = [("moderate", _("Can moderate contributions and cameras"))]

    def __str__(self) -> str:
        return f"{self.moderator} {self.get_action_display()} {self.subject}"


class ModeratorArea(models.Model):
    """Limits a moderator to cameras inside some areas. A moderator without
    any row moderates everywhere."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="moderated_areas"
    )
    area = models.ForeignKey("registry.Area", on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = _("moderator's area")
        constraints = [
            models.UniqueConstraint(fields=["user", "area"], name="moderator_area_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.area}"
