"""Plausibility warnings carry their figures and evidence: [{code, params,
message, evidence}]. The former "vendor never recorded in the country"
warning is now "vendor rare in the country" (it counts only verified and
imported cameras); stored ones are renamed and keep their message."""

from django.db import migrations, models

RENAMED = {"vendor_new_in_country": "vendor_rare"}


def rename(codes: dict[str, str]):
    def run(apps, schema_editor):
        Submission = apps.get_model("registry", "Submission")
        for old in codes:
            found = Submission.objects.filter(warnings__contains=[{"code": old}])
            for submission in found.only("pk", "warnings").iterator():
                submission.warnings = [
                    {**warning, "code": codes.get(warning.get("code"), warning.get("code"))}
                    for warning in submission.warnings
                ]
                submission.save(update_fields=["warnings"])

    return run


class Migration(migrations.Migration):
    dependencies = [("registry", "0017_verification")]

    operations = [
        migrations.AlterField(
            model_name="submission",
            name="warnings",
            field=models.JSONField(
                blank=True,
                default=list,
                help_text=(
                    "What looked doubtful when it arrived, computed then: [{code, params, "
                    "message, evidence}], the reason and its evidence in words and their "
                    "figures (registry.services.plausibility)."
                ),
                verbose_name="plausibility warnings",
            ),
        ),
        migrations.RunPython(
            rename(RENAMED), rename({new: old for old, new in RENAMED.items()}), elidable=True
        ),
    ]
