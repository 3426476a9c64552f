"""Choices holding OpenStreetMap's own values, so that import and export are
lossless. Labels are for people; values are what OSM tags carry."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    """`surveillance:type`."""

    CAMERA = "camera", _("camera (CCTV)")
    ALPR = "ALPR", _("licence-plate reader (ALPR)")
    GUARD = "guard", _("guard")
    GUNSHOT_DETECTOR = "gunshot_detector", _("gunshot detector")
    RADAR = "radar", _("radar")
    MICROPHONE = "microphone", _("microphone")
    BLUETOOTH_DETECTOR = "bluetooth_detector", _("Bluetooth/Wi-Fi detector")


class Visibility(models.TextChoices):
    """`surveillance`: what the device watches."""

    PUBLIC = "public", _("public space")
    OUTDOOR = "outdoor", _("private outdoor area")
    INDOOR = "indoor", _("indoors")


class Zone(models.TextChoices):
    """`surveillance:zone`."""

    TRAFFIC = "traffic", _("traffic")
    TOWN = "town", _("town")
    PARKING = "parking", _("parking")
    BUILDING = "building", _("building")
    SHOP = "shop", _("shop")
    STREET = "street", _("street")
    ENTRANCE = "entrance", _("entrance")
    AREA = "area", _("area")
    PUBLIC_TRANSPORT_PLATFORM = "public_transport_platform", _("public transport platform")
    BANK = "bank", _("bank")
    PARK = "park", _("park")
    ATM = "atm", _("cash machine")
    GATE = "gate", _("gate")
    STATION = "station", _("station")
    RESIDENTIAL = "residential", _("residential")


class CameraType(models.TextChoices):
    """`camera:type`."""

    FIXED = "fixed", _("fixed")
    DOME = "dome", _("dome")
    PANNING = "panning", _("panning (PTZ)")
    PANORAMA = "panorama", _("panorama (360°)")
    DOORBELL = "doorbell", _("doorbell")


class Mount(models.TextChoices):
    """`camera:mount`."""

    POLE = "pole", _("pole")
    WALL = "wall", _("wall")
    CEILING = "ceiling", _("ceiling")
    STREET_LAMP = "street_lamp", _("street lamp")
    TRAFFIC_SIGNALS = "traffic_signals", _("traffic signals")
    BUILDING = "building", _("building")
    ROOF = "roof", _("roof")
    MAST = "mast", _("mast")
    GANTRY = "gantry", _("gantry")
    POST = "post", _("post")
    BRIDGE = "bridge", _("bridge")
    TREE = "tree", _("tree")
    FENCE = "fence", _("fence")
    TOWER = "tower", _("tower")
    PILLAR = "pillar", _("pillar")
    TRAILER = "trailer", _("trailer")


class Status(models.TextChoices):
    """Lifecycle in Sightline. Removed cameras are kept, with date and evidence."""

    REPORTED = "reported", _("reported (unverified)")
    VERIFIED = "verified", _("verified")
    REMOVED = "removed", _("removed")
    HIDDEN = "hidden", _("hidden by moderation")


class VerifiedBy(models.TextChoices):
    """How a verified camera came to be verified: a moderator's decision, or
    confirmations on the ground by independent contributors with standing
    (VERIFY_* settings). Reports and exports keep the two apart."""

    MODERATOR = "moderator", _("a moderator")
    CONFIRMATIONS = "confirmations", _("independent confirmations")


# Statuses of a device believed to be in place: only these can be stale.
IN_PLACE_STATUSES = (Status.REPORTED.value, Status.VERIFIED.value)
# What the public never sees nor counts.
HIDDEN_STATUS = Status.HIDDEN.value


class Capability(models.TextChoices):
    """What OSM has no tag for: Sightline's own, each backed by evidence."""

    FACE_RECOGNITION = "face_recognition", _("face recognition")
    PLATE_READING = "plate_reading", _("licence-plate reading")
    AUDIO = "audio", _("audio recording or detection")
    ANALYTICS = "analytics", _("video analytics (objects, behaviour, vehicles)")
    DATA_SHARING = "data_sharing", _("data sharing with other agencies or networks")


class OsmType(models.TextChoices):
    NODE = "node", _("node")
    WAY = "way", _("way")
    RELATION = "relation", _("relation")


class OperatorType(models.TextChoices):
    """`operator:type`, extended with the kinds of operator oversight asks about."""

    POLICE = "police", _("police")
    GOVERNMENT = "government", _("government")
    CITY = "city", _("city or municipality")
    TRANSPORT = "transport", _("transport")
    SCHOOL = "school", _("school or university")
    PRIVATE = "private", _("private business")
    COMMUNITY = "community", _("community or homeowners' association")
    RELIGIOUS = "religious", _("religious")
    MILITARY = "military", _("military")
    # The other values OSM mappers give operator:type (its wiki, and the data).
    PUBLIC = "public", _("public body")
    BUSINESS = "business", _("business")
    NGO = "ngo", _("non-governmental organisation")
    PRIVATE_NON_PROFIT = "private_non_profit", _("private non-profit")
    COOPERATIVE = "cooperative", _("cooperative")
    CONSORTIUM = "consortium", _("consortium")
    INDIVIDUAL = "individual", _("individual")
    OTHER = "other", _("other")


class OperatorOrigin(models.TextChoices):
    """Where an operator record came from: entered by a curator, or made
    from an operator string an import or a contribution brought."""

    CURATED = "curated", _("entered by a curator")
    DATA = "data", _("from the data")


class EvidenceKind(models.TextChoices):
    PHOTO = "photo", _("photo")
    CONTRACT = "contract", _("contract or purchase record")
    POLICY = "policy", _("use policy")
    PUBLIC_RECORD = "public_record", _("public-records response")
    NEWS = "news", _("news report")
    OFFICIAL = "official", _("official statement or list")
    SURVEY = "survey", _("survey on the ground")
    OSM = "osm", _("OpenStreetMap")
    OTHER = "other", _("other")


class RestrictionRegime(models.TextChoices):
    FCC_COVERED_LIST = "fcc_covered_list", _("US FCC Covered List")
    NDAA_889 = "ndaa_889", _("US NDAA FY2019 §889")
    ENTITY_LIST = "us_entity_list", _("US Commerce Entity List")
    OTHER = "other", _("other")
