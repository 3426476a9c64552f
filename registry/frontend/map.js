// Sightline's map page. django-leaflet creates the map (base tiles and their
// attribution come from the LEAFLET_CONFIG setting) and calls
// window.sightlineMapInit; everything else is here.
//
// The page's URL is its permalink: the query string holds the filters (the
// same parameters as /cameras/ and the tiles), the hash holds the view as
// zoom/latitude/longitude.

import { CameraTiles } from './cameraTiles.js';
import { popupHtml } from './cameraPopup.js';
import { conePolygons, coneShape } from './cones.js';
import { placeSearchFor } from './place-search.js';
import { clusterRadius, drawCamera, drawCluster, KIND_STYLES, symbolCanvas } from './symbols.js';

const L = window.L;
const MAX_CONES = 2000;
// Phones, as in map.css: the filters become a bottom sheet, the legend starts closed.
const PHONE = '(max-width: 40rem)';

function readConfig() {
  return JSON.parse(document.getElementById('map-config').textContent);
}

// "zoom/lat/lon" from the hash, if it is one.
export function parseView(hash) {
  const parts = hash.replace(/^#/, '').split('/').map(Number);
  if (parts.length !== 3 || !parts.every(Number.isFinite)) return null;
  const [zoom, lat, lon] = parts;
  if (lat < -90 || lat > 90 || lon < -180 || lon > 180 || zoom < 0 || zoom > 22) return null;
  return { zoom: Math.round(zoom), lat, lon };
}

function viewHash(map) {
  const center = map.getCenter().wrap();
  const zoom = map.getZoom();
  // Enough decimals for a metre at street zoom, fewer when zoomed out.
  const digits = Math.max(2, Math.ceil(Math.log10(2 ** zoom)));
  return `#${zoom}/${center.lat.toFixed(digits)}/${center.lng.toFixed(digits)}`;
}

// The filter form as a query string: lists comma-joined, defaults left out.
export function formQuery(form) {
  const values = new Map();
  for (const [name, value] of new FormData(form)) {
    if (name === 'csrfmiddlewaretoken' || value === '') continue;
    if (!values.has(name)) values.set(name, []);
    values.get(name).push(value);
  }
  const params = new URLSearchParams();
  for (const [name, list] of values) params.set(name, list.join(','));
  return params.toString();
}

function legendControl(config) {
  const control = L.control({ position: 'bottomright' });
  control.onAdd = () => {
    // Open on a wide screen, closed on a phone (the breakpoint of map.css).
    const container = L.DomUtil.create('details', 'map-legend leaflet-control');
    container.open = !window.matchMedia(PHONE).matches;
    const summary = L.DomUtil.create('summary', '', container);
    summary.textContent = config.labels.strings.legend;
    const list = L.DomUtil.create('ul', '', container);
    const add = (label, draw) => {
      const item = L.DomUtil.create('li', '', list);
      item.appendChild(symbolCanvas(draw));
      item.appendChild(document.createTextNode(label));
    };
    for (const kind of Object.keys(KIND_STYLES)) {
      if (!kind) continue;
      add(config.labels.kinds[kind], (ctx, x, y) =>
        drawCamera(ctx, { kind, status: 'verified', directions: [] }, x, y),
      );
    }
    const strings = config.labels.strings;
    const camera = { kind: 'camera', directions: [] };
    add(strings.legend_verified, (ctx, x, y) => drawCamera(ctx, { ...camera, status: 'verified' }, x, y));
    add(strings.legend_reported, (ctx, x, y) => drawCamera(ctx, { ...camera, status: 'reported' }, x, y));
    add(strings.legend_stale, (ctx, x, y) =>
      drawCamera(ctx, { ...camera, status: 'verified', stale: true }, x, y),
    );
    add(strings.legend_removed, (ctx, x, y) => drawCamera(ctx, { ...camera, status: 'removed' }, x, y));
    add(strings.legend_direction, (ctx, x, y) =>
      drawCamera(ctx, { ...camera, status: 'verified', directions: [45] }, x - 3, y + 3),
    );
    add(strings.legend_cluster, (ctx, x, y) => {
      ctx.save();
      ctx.translate(x, y);
      ctx.scale(11 / clusterRadius(12), 11 / clusterRadius(12));
      drawCluster(ctx, 12, 0, 0, config.language);
      ctx.restore();
    });
    L.DomEvent.disableClickPropagation(container);
    L.DomEvent.disableScrollPropagation(container);
    return container;
  };
  return control;
}

function locateControl(config, announce) {
  const control = L.control({ position: 'topleft' });
  control.onAdd = (map) => {
    const container = L.DomUtil.create('div', 'leaflet-bar leaflet-control');
    const button = L.DomUtil.create('button', 'map-locate', container);
    button.type = 'button';
    button.title = config.labels.strings.locate;
    button.setAttribute('aria-label', config.labels.strings.locate);
    // An inline crosshair: no icon font or image to load.
    button.innerHTML =
      '<svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" focusable="false">' +
      '<circle cx="12" cy="12" r="6" fill="none" stroke="currentColor" stroke-width="2"/>' +
      '<circle cx="12" cy="12" r="2" fill="currentColor"/>' +
      '<path d="M12 1v5M12 18v5M1 12h5M18 12h5" stroke="currentColor" stroke-width="2"/></svg>';
    L.DomEvent.disableClickPropagation(container);
    L.DomEvent.on(button, 'click', () => {
      announce(config.labels.strings.locating);
      map.locate({ setView: true, maxZoom: 16, enableHighAccuracy: true, timeout: 15000 });
    });
    map.on('locationfound', () => announce(''));
    map.on('locationerror', (event) => announce(`${config.labels.strings.locate_failed} ${event.message}`));
    return container;
  };
  return control;
}

function coneLayer(config, cameras) {
  const renderer = L.canvas({ padding: 0.2 });
  const layer = L.layerGroup();
  const style = { renderer, interactive: false, weight: 1, color: '#1f5fa8', fillOpacity: 0.14, opacity: 0.5 };
  layer.refresh = (map) => {
    layer.clearLayers();
    if (!map.hasLayer(layer) || map.getZoom() < config.coneMinZoom) return;
    const bounds = map.getBounds().pad(0.2);
    let drawn = 0;
    for (const item of cameras.items()) {
      if (item.type !== 'camera' || item.camera.status === 'removed') continue;
      const position = cameras.latLngOf(item);
      if (!bounds.contains(position)) continue;
      const shape = coneShape(item.camera, config.cones);
      for (const polygon of conePolygons(position.lat, position.lng, item.camera.directions, shape)) {
        L.polygon(polygon, style).addTo(layer);
      }
      drawn += 1;
      if (drawn >= MAX_CONES) break;
    }
  };
  return layer;
}

function announcer() {
  const region = document.getElementById('map-status');
  return (text) => {
    region.textContent = text;
  };
}

window.sightlineMapInit = function sightlineMapInit(map) {
  const config = readConfig();
  const container = map.getContainer();
  const form = document.getElementById('map-filters');
  const countOutput = document.getElementById('map-count');
  const announce = announcer();
  const numbers = new Intl.NumberFormat(config.language);

  const start = parseView(window.location.hash) || {
    lat: config.view[0],
    lon: config.view[1],
    zoom: config.view[2],
  };
  map.setView([start.lat, start.lon], start.zoom, { animate: false });
  map.attributionControl.addAttribution(config.dataAttribution);

  // Camera symbols above the cones (overlay pane, 400) and under popups (700).
  map.createPane('cameras').style.zIndex = 450;
  const cameras = new CameraTiles(config.tileUrl, config.query, {
    language: config.language,
    pane: 'cameras',
  });
  const cones = coneLayer(config, cameras);
  cones.addTo(map);
  cameras.addTo(map);
  legendControl(config).addTo(map);
  locateControl(config, announce).addTo(map);

  // The place search flies the map to the place chosen.
  placeSearchFor('map-search', map);

  let firstDrawn = false;
  const refresh = () => {
    const count = cameras.countIn(map.getBounds());
    countOutput.textContent = config.labels.strings.in_view.replace('%(count)s', numbers.format(count.total));
    container.dataset.cameras = String(count.single);
    container.dataset.clusters = String(count.clusters);
    container.dataset.total = String(count.total);
    cones.refresh(map);
  };
  cameras.on('tiledata', (event) => {
    if (!firstDrawn && event.items.length) {
      firstDrawn = true;
      performance.mark('sightline:drawn');
      container.dataset.drawn = event.items[0].type;
    }
  });
  cameras.on('load', refresh);
  map.on('moveend', refresh);

  const rememberView = () => {
    const url = `${window.location.pathname}${config.query ? `?${config.query}` : ''}${viewHash(map)}`;
    window.history.replaceState(null, '', url);
    const next = document.querySelector('form.language input[name="next"]');
    if (next) next.value = url;
  };
  map.on('moveend', rememberView);
  window.addEventListener('hashchange', () => {
    const view = parseView(window.location.hash);
    if (view) map.setView([view.lat, view.lon], view.zoom);
  });

  const applyFilters = () => {
    config.query = formQuery(form);
    cameras.setQuery(config.query);
    rememberView();
    const notice = document.getElementById('map-ignored');
    if (notice && !notice.hidden) {
      // The notice sits above the map: the map grows into its place.
      notice.hidden = true;
      map.invalidateSize();
    }
  };
  form.addEventListener('change', applyFilters);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    applyFilters();
  });
  document.getElementById('filters-clear').addEventListener('click', (event) => {
    event.preventDefault();
    for (const input of form.querySelectorAll('input[type=checkbox]')) input.checked = false;
    for (const option of form.querySelectorAll('option')) option.selected = false;
    for (const input of form.querySelectorAll('input[type=date]')) input.value = '';
    applyFilters();
  });

  map.on('click', (event) => {
    const item = cameras.hit(event.latlng);
    if (!item) return;
    if (item.type === 'cluster') {
      map.setView(cameras.latLngOf(item), Math.min(map.getZoom() + 2, map.getMaxZoom()));
      return;
    }
    L.popup({ maxWidth: 280 })
      .setLatLng(cameras.latLngOf(item))
      .setContent(popupHtml(item.camera, config))
      .openOn(map);
  });
  map.on('mousemove', (event) => {
    container.classList.toggle('over-feature', Boolean(cameras.hit(event.latlng)));
  });
  window.sightlineMap = { map, cameras };
};
