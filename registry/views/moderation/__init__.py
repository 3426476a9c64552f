"""The moderators' pages: the queue of what waits for a decision, one page
per item with the forms that decide it, each camera's history with revert,
and the log of every decision. Only for holders of `registry.moderate`,
limited to their areas where they have any."""

from .areas import upload as upload_areas
from .cameras import camera_history
from .items import item
from .log import log
from .operators import operators
from .osm import callback as osm_callback
from .osm import connect as osm_connect
from .osm import disconnect_account as osm_disconnect
from .osm import give_back as osm_give_back
from .osm_sync import osm_sync
from .queue import decide_merge_candidates, queue
from .spellings import spellings

__all__ = [
    "camera_history",
    "decide_merge_candidates",
    "item",
    "log",
    "operators",
    "osm_callback",
    "osm_connect",
    "osm_disconnect",
    "osm_give_back",
    "osm_sync",
    "queue",
    "spellings",
    "upload_areas",
]
