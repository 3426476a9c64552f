"""factory_boy factories: small, valid objects, geometry written in the test
when it matters."""

import factory
from django.contrib.gis.geos import Point
from django.utils import timezone
from django.utils.text import slugify

from registry.models import Camera, Dataset, Operator, Vendor, VendorRestriction


class DatasetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Dataset
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"dataset-{n}")


class VendorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Vendor

    name = factory.Sequence(lambda n: f"Vendor {n}")
    slug = factory.LazyAttribute(lambda vendor: slugify(vendor.name))


class VendorRestrictionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VendorRestriction

    vendor = factory.SubFactory(VendorFactory)
    regime = "us_entity_list"
    source_url = "https://www.federalregister.gov/"


class OperatorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Operator

    name = factory.Sequence(lambda n: f"Operator {n}")
    slug = factory.LazyAttribute(lambda operator: slugify(operator.name))


class CameraFactory(factory.django.DjangoModelFactory):
    """A camera written directly, without history: for read-side tests. Tests
    of writes use the services."""

    class Meta:
        model = Camera

    location = factory.Sequence(lambda n: Point(-87.6 + n * 0.0001, 41.88, srid=4326))
    kind = "camera"
    status = "reported"
    # A verified camera says how: a moderator's, unless the test says otherwise.
    verified_by = factory.LazyAttribute(
        lambda camera: "moderator" if camera.status == "verified" else ""
    )
    verified_at = factory.LazyAttribute(
        lambda camera: timezone.now() if camera.verified_by else None
    )
