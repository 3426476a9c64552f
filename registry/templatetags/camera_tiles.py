"""{% camera_tiles_config %}: what a small map needs to draw the existing
cameras from the camera tiles (registry/frontend/existingCameras.js), in the
page's language, as a JSON script element."""

from __future__ import annotations

from django import template
from django.utils.html import json_script

from registry.views.map import camera_tiles_config as config

register = template.Library()


@register.simple_tag
def camera_tiles_config() -> str:
    return json_script(config(), "camera-tiles-config")
