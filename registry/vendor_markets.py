"""What plausibility warnings know about vendors besides the registry's own
cameras: where each sells (its reference countries) and which kinds of
device it makes.

Keyed by the vendor's slug (the reference vendors' slugs, registry/
reference_data.py), so a record a moderator renamed keeps its profile as
long as its slug stays. A vendor missing here has no reference: only the
registry's verified and imported cameras speak for it.

`countries`: ISO 3166-1 alpha-2 codes where the vendor's deployments are
documented, or "*" for a vendor sold worldwide, or None when unknown. A
short list only makes moderators look twice: the registry's own trusted
cameras in a country outweigh it (SUBMISSION_VENDOR_RARE_COUNT).

`kinds`: OSM surveillance:type values of the devices it makes (a camera
running licence-plate recognition counts as ALPR, as mappers tag it), or
None when unknown.
"""

from __future__ import annotations

from dataclasses import dataclass

WORLDWIDE = "*"


@dataclass(frozen=True)
class VendorMarket:
    countries: tuple[str, ...] | str | None = None
    kinds: tuple[str, ...] | None = None

    def sells_in(self, country_code: str) -> bool | None:
        """True or False where the reference says, None where it is silent."""
        if self.countries is None:
            return None
        return self.countries == WORLDWIDE or country_code.upper() in self.countries


CCTV = ("camera", "ALPR")
CCTV_AND_RADAR = ("camera", "ALPR", "radar")

VENDOR_MARKETS: dict[str, VendorMarket] = {
    # Flock Safety sells in the United States only: its licence-plate readers
    # (Falcon, Sparrow), video cameras (Condor) and gunshot detectors (Raven).
    "flock-safety": VendorMarket(countries=("US",), kinds=("ALPR", "camera", "gunshot_detector")),
    # ShotSpotter's deployments: the United States, the Caribbean (the
    # Bahamas) and South Africa (Cape Town); PlateRanger is its ALPR.
    "soundthinking": VendorMarket(
        countries=("US", "BS", "ZA"), kinds=("gunshot_detector", "ALPR")
    ),
    # CCTV makers sold worldwide.
    "hikvision": VendorMarket(countries=WORLDWIDE, kinds=CCTV_AND_RADAR),
    "dahua-technology": VendorMarket(countries=WORLDWIDE, kinds=CCTV_AND_RADAR),
    "axis-communications": VendorMarket(countries=WORLDWIDE, kinds=CCTV_AND_RADAR),
    "hanwha-vision": VendorMarket(countries=WORLDWIDE, kinds=CCTV),
    "motorola-solutions": VendorMarket(countries=WORLDWIDE, kinds=CCTV),
    "avigilon": VendorMarket(countries=WORLDWIDE, kinds=CCTV),
    "genetec": VendorMarket(countries=WORLDWIDE, kinds=CCTV),
    "huawei": VendorMarket(kinds=("camera",)),
    "zte": VendorMarket(kinds=("camera",)),
    "pelco": VendorMarket(kinds=("camera",)),
    "verkada": VendorMarket(kinds=CCTV),
    "axon": VendorMarket(kinds=CCTV),
    "ubicquia": VendorMarket(kinds=CCTV),
    "rekor-systems": VendorMarket(kinds=CCTV),
    "kapsch-trafficcom": VendorMarket(kinds=CCTV),
    # Licence-plate readers only.
    "leonardo": VendorMarket(kinds=("ALPR",)),
    "neology": VendorMarket(kinds=("ALPR",)),
}


def market_of(slug: str) -> VendorMarket:
    return VENDOR_MARKETS.get(slug, VendorMarket())
