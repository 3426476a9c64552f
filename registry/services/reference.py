"""Loads the shipped reference data, idempotently and without overwriting
what moderators corrected: missing records and restrictions are created,
empty fields (a parent company, the kinds made) filled, missing aliases
added; nothing else is touched."""

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
    vendors, created = {}, set()
    for entry in VENDORS:
        before = report.vendors_created
        vendors[entry["name"]] = vendor = _upsert_vendor(entry, report)
        if report.vendors_created > before:
            created.add(vendor.pk)
        for restriction in entry.get("restrictions", []):
            _ensure_restriction(vendor, restriction, report)
    # Owners second: a brand may be listed before the company that owns it.
    for entry in VENDORS:
        vendor = vendors[entry["name"]]
        if entry.get("parent") and _ensure_parent(vendor, vendors[entry["parent"]]):
            report.vendors_updated += vendor.pk not in created
    return report


def _upsert_vendor(entry: dict, report: ReferenceLoadReport) -> Vendor:
    vendor = Vendor.objects.filter(slug=slugify(entry["name"])).first()
    if vendor is None and entry.get("wikidata"):
        # A moderator may have entered it under another name.
        vendor = Vendor.objects.filter(wikidata=entry["wikidata"]).first()
    if vendor is None:
        vendor = Vendor(name=entry["name"], slug=slugify(entry["name"]))
        report.vendors_created += 1
        changed = True
    else:
        changed = False
    for name in ("country", "wikidata", "website", "kinds"):
        if entry.get(name) and not getattr(vendor, name):
            setattr(vendor, name, entry[name])
            changed = True
    if vendor.add_aliases(entry.get("aliases", [])):
        changed = True
    if changed:
        report.vendors_updated += vendor.pk is not None
        vendor.full_clean()
        vendor.save()
    return vendor


def _ensure_parent(vendor: Vendor, parent: Vendor) -> bool:
    """Sets the owner of a vendor that has none (a moderator's choice
    stays); returns whether it did."""
    if vendor.parent_id is not None or vendor.pk == parent.pk:
        return False
    vendor.parent = parent
    vendor.save(update_fields=["parent", "updated_at"])
    return True


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
