// The embeddable map (/embed/): the cameras of an area or of the map's
// filters, drawn from the camera tiles as on the main map, inside another
// site's page. django-leaflet creates the map and calls
// window.sightlineEmbedInit. Links open Sightline in a new tab: the page
// around the frame stays where its reader is.

import { addExistingCameras, answerClick, pointerOverFeatures } from './existingCameras.js';

const L = window.L;

function readConfig() {
  return JSON.parse(document.getElementById('embed-config').textContent);
}

function openLinksElsewhere(element) {
  for (const link of element.querySelectorAll('a[href]')) {
    link.target = '_blank';
    link.rel = 'noopener';
  }
}

// "zoom/lat/lon" from the hash, as on the main map.
function viewFromHash(hash) {
  const parts = hash.replace(/^#/, '').split('/').map(Number);
  if (parts.length !== 3 || !parts.every(Number.isFinite)) return null;
  return { zoom: parts[0], lat: parts[1], lon: parts[2] };
}

function placeView(map, config) {
  const view = viewFromHash(window.location.hash);
  if (view) {
    map.setView([view.lat, view.lon], view.zoom, { animate: false });
  } else if (config.boundary) {
    const boundary = L.geoJSON(config.boundary, {
      style: { color: '#0b5cad', weight: 2, fillOpacity: 0.04, interactive: false },
    }).addTo(map);
    map.fitBounds(boundary.getBounds(), { padding: [8, 8], maxZoom: 18, animate: false });
  } else if (config.camera) {
    const at = [config.camera.lat, config.camera.lon];
    L.circleMarker(at, { radius: 16, color: '#14213d', weight: 3, fill: false, interactive: false }).addTo(map);
    map.setView(at, 17, { animate: false });
  } else {
    const [lat, lon, zoom] = config.view;
    map.setView([lat, lon], zoom, { animate: false });
  }
}

window.sightlineEmbedInit = function sightlineEmbedInit(map) {
  const config = readConfig();
  placeView(map, config);
  map.attributionControl.addAttribution(config.dataAttribution);
  const existing = addExistingCameras(map, { query: config.query });
  if (!existing) return;
  map.on('click', (event) => answerClick(map, existing, event.latlng, openLinksElsewhere));
  pointerOverFeatures(map, existing);
  // "View on Sightline" follows the view, so the full map opens where the
  // reader was looking.
  const link = document.getElementById('embed-open');
  const follow = () => {
    const center = map.getCenter().wrap();
    link.href = `${config.mapUrl}#${map.getZoom()}/${center.lat.toFixed(5)}/${center.lng.toFixed(5)}`;
  };
  map.on('moveend', follow);
  follow();
};
