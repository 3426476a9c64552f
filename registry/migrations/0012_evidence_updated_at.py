import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    """Evidence records when it was last edited, so that kept area reports
    and their PDFs follow an edited title, address or date."""

    dependencies = [
        ("registry", "0011_area_report_pdfs"),
    ]

    operations = [
        migrations.AddField(
            model_name="evidence",
            name="updated_at",
            field=models.DateTimeField(auto_now=True, default=django.utils.timezone.now),
            preserve_default=False,
        ),
        # Existing evidence was last edited when it was added.
        migrations.RunSQL(
            "UPDATE registry_evidence SET updated_at = created_at",
            reverse_sql=migrations.RunSQL.noop,
        ),
    ]
