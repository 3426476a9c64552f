import django.contrib.postgres.fields
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0018_plausibility_warnings"),
    ]

    operations = [
        migrations.AddField(
            model_name="vendor",
            name="kinds",
            field=django.contrib.postgres.fields.ArrayField(
                base_field=models.CharField(
                    choices=[
                        ("camera", "camera (CCTV)"),
                        ("ALPR", "licence-plate reader (ALPR)"),
                        ("guard", "guard"),
                        ("gunshot_detector", "gunshot detector"),
                        ("radar", "radar"),
                        ("microphone", "microphone"),
                        ("bluetooth_detector", "Bluetooth/Wi-Fi detector"),
                    ],
                    max_length=30,
                ),
                blank=True,
                default=list,
                help_text="The kinds of device it makes, as OSM's surveillance:type values.",
                size=None,
                verbose_name="kinds it makes",
            ),
        ),
        migrations.AlterField(
            model_name="vendor",
            name="parent",
            field=models.ForeignKey(
                blank=True,
                help_text="The company that owns this brand (Vigilant: Motorola Solutions).",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="subsidiaries",
                to="registry.vendor",
                verbose_name="parent company",
            ),
        ),
    ]
