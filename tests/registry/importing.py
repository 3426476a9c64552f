"""Helpers shared by the import tests: running the command and writing small
files in each format Sightline reads."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path
from xml.sax.saxutils import quoteattr

import osmium
from django.core.management import call_command


def run(path: Path, *args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("import_cameras", str(path), *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def summary(out: str) -> str:
    return out.strip().splitlines()[-1]


def node_xml(node_id: int, lon: float, lat: float, tags: dict, version: int | None = 1) -> str:
    version_attribute = f' version="{version}"' if version else ""
    tag_lines = "".join(f"<tag k={quoteattr(k)} v={quoteattr(v)}/>" for k, v in tags.items())
    return f'<node id="{node_id}"{version_attribute} lat="{lat}" lon="{lon}">{tag_lines}</node>\n'


def way_xml(way_id: int, node_ids: list[int], tags: dict) -> str:
    refs = "".join(f'<nd ref="{ref}"/>' for ref in node_ids)
    tag_lines = "".join(f"<tag k={quoteattr(k)} v={quoteattr(v)}/>" for k, v in tags.items())
    return f'<way id="{way_id}" version="1">{refs}{tag_lines}</way>\n'


def osm_xml(*elements: str) -> str:
    return (
        "<?xml version='1.0' encoding='UTF-8'?>\n<osm version=\"0.6\">\n"
        + "".join(elements)
        + "</osm>\n"
    )


def osmchange_xml(**sections: list[str]) -> str:
    body = "".join(f"<{name}>\n{''.join(items)}</{name}>\n" for name, items in sections.items())
    return f'<?xml version="1.0"?>\n<osmChange version="0.6">\n{body}</osmChange>\n'


def write_pbf(path: Path, nodes: list[tuple[int, float, float, dict]]) -> Path:
    """A PBF written by libosmium (the file name must say .pbf for the writer;
    tests rename it to check detection by content)."""
    writer = osmium.SimpleWriter(str(path))
    try:
        for node_id, lon, lat, tags in nodes:
            writer.add_node(
                osmium.osm.mutable.Node(
                    id=node_id, location=osmium.osm.Location(lon, lat), tags=tags, version=1
                )
            )
    finally:
        writer.close()
    return path


def write_json(path: Path, document: dict) -> Path:
    path.write_text(json.dumps(document))
    return path


def camera_tags(kind: str = "camera", **tags: str) -> dict[str, str]:
    return {"man_made": "surveillance", "surveillance:type": kind, **tags}
