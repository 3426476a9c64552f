"""History: every write to a camera leaves a Revision, grouped in a Changeset
(one edit, or one whole import run). Contributors' IP addresses and user
agents are never stored here."""

from django.conf import settings
from django.db import connection, models
from django.utils.translation import gettext_lazy as _

from .cameras import Camera
from .datasets import Dataset

ANONYMOUS = "anonymous"


class Changeset(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="sightline_changesets",
    )
    actor = models.CharField(
        _("who"),
        max_length=150,
        default=ANONYMOUS,
        help_text=_("The username, 'anonymous', or the import that made the change."),
    )
    comment = models.TextField(_("why"), blank=True)
    dataset = models.ForeignKey(
        Dataset,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="changesets",
        help_text=_("Set when the changes came from an import of this dataset."),
    )
    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("changeset")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.actor}: {self.comment[:60]}"


# Who set a field, as the precedence of sources names them (an import's is
# its dataset's name).
MODERATOR_SOURCE = "moderator"
SURVEY_SOURCE = "survey"


class RevisionQuerySet(models.QuerySet):
    def field_sources(self, camera_ids: list[int]) -> dict[int, dict[str, dict]]:
        """Per camera, per field, who set its current value and when: the
        latest revision changing the field. An import's is its dataset's
        name; a change made on the moderation pages, the admin or the API by
        a moderator is "moderator"; a resident's report on the ground is
        "survey". One query over the cameras' revisions."""
        if not camera_ids:
            return {}
        table, changesets = self.model._meta.db_table, Changeset._meta.db_table
        query = (
            "SELECT DISTINCT ON (r.camera_id, k.name) r.camera_id, k.name, d.name, "
            "EXISTS (SELECT 1 FROM registry_moderationaction m WHERE m.changeset_id = c.id) "
            "OR coalesce(u.is_superuser, false) OR EXISTS (SELECT 1 FROM auth_user_groups g "
            "  JOIN auth_group_permissions gp ON gp.group_id = g.group_id "
            "  JOIN auth_permission p ON p.id = gp.permission_id "
            "  WHERE g.user_id = c.user_id AND p.codename = 'moderate') "
            "OR EXISTS (SELECT 1 FROM auth_user_user_permissions up "
            "  JOIN auth_permission p ON p.id = up.permission_id "
            "  WHERE up.user_id = c.user_id AND p.codename = 'moderate'), "
            "r.version, r.created_at "
            f"FROM {table} r JOIN {changesets} c ON c.id = r.changeset_id "
            "LEFT JOIN registry_dataset d ON d.id = c.dataset_id "
            "LEFT JOIN auth_user u ON u.id = c.user_id "
            "CROSS JOIN LATERAL jsonb_object_keys(r.changes) AS k(name) "
            "WHERE r.camera_id = ANY(%s) ORDER BY r.camera_id, k.name, r.version DESC"
        )
        sources: dict[int, dict[str, dict]] = {}
        with connection.cursor() as cursor:
            cursor.execute(query, [list(camera_ids)])
            for camera_id, name, dataset, by_moderator, version, at in cursor.fetchall():
                label = dataset or (MODERATOR_SOURCE if by_moderator else SURVEY_SOURCE)
                sources.setdefault(camera_id, {})[name] = {
                    "source": label,
                    "version": version,
                    "at": at,
                }
        return sources


class Revision(models.Model):
    """One version of one camera: what changed from the version before."""

    # Looked up through the (camera, version) unique index: no second index
    # for every revision an import writes.
    camera = models.ForeignKey(
        Camera, on_delete=models.CASCADE, related_name="revisions", db_index=False
    )
    version = models.PositiveIntegerField(_("version"))
    changeset = models.ForeignKey(Changeset, on_delete=models.PROTECT, related_name="revisions")
    changes = models.JSONField(
        _("what changed"),
        default=dict,
        help_text=_("{field: [before, after]}; a new camera has every field's first value."),
    )
    created_at = models.DateTimeField(_("when"), auto_now_add=True)

    objects = RevisionQuerySet.as_manager()

    class Meta:
        verbose_name = _("revision")
        ordering = ["camera", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["camera", "version"], name="revision_camera_version")
        ]

    def __str__(self) -> str:
        return f"{self.camera} v{self.version}"
