"""Loads the shipped reference data, idempotently and without overwriting
what moderators corrected: missing records and restrictions are created,
empty fields filled, missing aliases added; nothing else is touched."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.utils.text import slugify

from registry.models import Vendor, VendorRestriction
from registry.reference_data import VENDORS


@dataclass
class ReferenceLoadReport:
    vendors_created: int = 0
    vendors_updated: int = 0
    restrictions_created: int = 0

    def __str__(self) -> str:
        return (
            f"vendors: {self.vendors_created} created, {self.vendors_updated} updated; "
            f"restrictions: {self.restrictions_created} created"
        )


@transaction.atomic
def load_reference_data() -> ReferenceLoadReport:
    report = ReferenceLoadReport()
    for entry in VENDORS:
        vendor = _upsert_vendor(entry, report)
        for restriction in entry.get("restrictions", []):
            _ensure_restriction(vendor, restriction, report)
    return report


def _upsert_vendor(entry: dict, report: ReferenceLoadReport) -> Vendor:
    parent = Vendor.objects.get(name=entry["parent"]) if entry.get("parent") else None
    vendor = Vendor.objects.filter(slug=slugify(entry["name"])).first()
    if vendor is None:
        vendor = Vendor(name=entry["name"], slug=slugify(entry["name"]))
        report.vendors_created += 1
        changed = True
    else:
        changed = False
    for name in ("country", "wikidata", "website"):
        if entry.get(name) and not getattr(vendor, name):
            setattr(vendor, name, entry[name])
            changed = True
    if parent and vendor.parent_id is None:
        vendor.parent = parent
        changed = True
    if vendor.add_aliases(entry.get("aliases", [])):
        changed = True
    if changed:
        report.vendors_updated += vendor.pk is not None
        vendor.full_clean()
        vendor.save()
    return vendor


def _ensure_restriction(vendor: Vendor, data: dict, report: ReferenceLoadReport) -> None:
    if VendorRestriction.objects.filter(vendor=vendor, regime=data["regime"]).exists():
        return
    restriction = VendorRestriction(
        vendor=vendor,
        regime=data["regime"],
        effective_date=date.fromisoformat(data["effective_date"]),
        scope=data.get("scope", ""),
        source_url=data["source_url"],
        source_title=data["source_title"],
    )
    restriction.full_clean()
    restriction.save()
    report.restrictions_created += 1
