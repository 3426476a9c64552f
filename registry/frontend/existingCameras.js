// The cameras already in the registry, drawn on the smaller maps (the report
// page, the exposure page, an area's report, a moderation item) from the same
// vector tiles and with the same symbols as the main map: cheap at any zoom,
// clusters when zoomed out. The page holds the configuration as the JSON
// script element #camera-tiles-config ({% camera_tiles_config %}).

import { popupHtml } from './cameraPopup.js';
import { CameraTiles } from './cameraTiles.js';

const L = window.L;

function readConfig() {
  const element = document.getElementById('camera-tiles-config');
  return element ? JSON.parse(element.textContent) : null;
}

// Adds the layer to `map` in a pane of its own at `zIndex` (under the
// markers' 600, so that a page's own pins and handles stay on top), keeps
// the counts drawn in view in the map container's data-existing-* attributes,
// and returns {layer, config}, or null if the page has no configuration.
// `query`: the map's filters as a query string (all cameras when empty).
export function addExistingCameras(map, { zIndex = 450, query = '' } = {}) {
  const config = readConfig();
  if (!config) return null;
  const pane = map.createPane('existing-cameras');
  pane.style.zIndex = zIndex;
  pane.style.pointerEvents = 'none';
  const layer = new CameraTiles(config.tileUrl, query, { language: config.language, pane: 'existing-cameras' });
  layer.addTo(map);
  const container = map.getContainer();
  const count = () => {
    const found = layer.countIn(map.getBounds());
    container.dataset.existingTotal = String(found.total);
    container.dataset.existingCameras = String(found.single);
    container.dataset.existingClusters = String(found.clusters);
  };
  layer.on('load', count);
  map.on('moveend', count);
  // For the browser tests, as window.sightlineMap on the main map.
  window.sightlineExisting = { ...window.sightlineExisting, [container.id]: { map, layer } };
  return { layer, config };
}

// A camera's popup content as an element; `extra(body, camera)` may add to it.
export function popupElement(camera, config, extra) {
  const body = document.createElement('div');
  body.className = 'existing-camera-popup';
  body.innerHTML = popupHtml(camera, config);
  if (extra) extra(body, camera);
  return body;
}

// What a click at `latlng` found on the layer: a cluster zooms the map in on
// it, a camera opens its popup. Returns whether there was anything there.
export function answerClick(map, existing, latlng, extra) {
  const { layer, config } = existing;
  const item = layer.hit(latlng);
  if (!item) return false;
  if (item.type === 'cluster') {
    map.setView(layer.latLngOf(item), Math.min(map.getZoom() + 2, map.getMaxZoom()));
    return true;
  }
  L.popup({ maxWidth: 280, className: 'existing-camera' })
    .setLatLng(layer.latLngOf(item))
    .setContent(popupElement(item.camera, config, extra))
    .openOn(map);
  return true;
}

// The pointer shows where a click would open something.
export function pointerOverFeatures(map, existing) {
  const container = map.getContainer();
  map.on('mousemove', (event) => {
    container.classList.toggle('over-feature', Boolean(existing.layer.hit(event.latlng)));
  });
}
