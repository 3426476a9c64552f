// The exposure page's map. django-leaflet creates the map (base tiles and
// their attribution come from the LEAFLET_CONFIG setting) and calls
// window.sightlineExposureMap.
//
// The page works without this script: its form posts a file or GeoJSON.
// Here, a route or an area is drawn by clicking the map (or, by keyboard, by
// moving the map and adding the point under the centre cross), written into
// the form's GeoJSON field and submitted; and the answer the server put in
// the page is drawn: the analysed route or area, the parts in view, the
// cones of the cameras that see it (their angle and range from
// registry/cones.py, through the answer) and the cameras themselves.

import { conePolygons } from './cones.js';
import { addExistingCameras } from './existingCameras.js';
import { placeSearchFor } from './place-search.js';
import { kindStyle } from './symbols.js';

const L = window.L;
const COLOURS = { route: '#14213d', covered: '#d1492b', cone: '#1f5fa8', drawing: '#7a3db8' };
const CONE_STYLE = {
  color: COLOURS.cone, weight: 1, opacity: 0.7, fillOpacity: 0.15, interactive: false,
};
const COVERED_ROUTE_STYLE = {
  color: COLOURS.covered, weight: 7, opacity: 0.9, lineCap: 'butt', interactive: false,
};
const COVERED_AREA_STYLE = {
  color: COLOURS.covered, weight: 1, fillColor: COLOURS.covered, fillOpacity: 0.45,
  interactive: false,
};
// Two clicks closer than this (pixels) are one: a double-click also clicks twice.
const SAME_POINT_PIXELS = 5;
const EARTH_RADIUS = 6378137; // metres, as Leaflet's own distances

function readConfig() {
  return JSON.parse(document.getElementById('exposure-config').textContent);
}

// "zoom/lat/lon" from the address's hash, as on the main map.
export function parseView(hash) {
  const parts = hash.replace(/^#/, '').split('/').map(Number);
  if (parts.length !== 3 || !parts.every(Number.isFinite)) return null;
  const [zoom, lat, lon] = parts;
  if (lat < -90 || lat > 90 || lon < -180 || lon > 180 || zoom < 0 || zoom > 22) return null;
  return { zoom: Math.round(zoom), lat, lon };
}

export function format(template, values) {
  return template.replace(/%\((\w+)\)s/g, (whole, key) => (key in values ? values[key] : whole));
}

function toRadians(degrees) {
  return (degrees * Math.PI) / 180;
}

// Area in m² of a ring of LatLngs on a sphere (the formula Leaflet.draw
// uses): enough for a running figure while drawing; the server measures.
export function ringArea(latlngs) {
  let area = 0;
  for (let i = 0; i < latlngs.length; i += 1) {
    const a = latlngs[i];
    const b = latlngs[(i + 1) % latlngs.length];
    area += toRadians(b.lng - a.lng) * (2 + Math.sin(toRadians(a.lat)) + Math.sin(toRadians(b.lat)));
  }
  return Math.abs((area * EARTH_RADIUS * EARTH_RADIUS) / 2);
}

// GeoJSON for the drawn points: a LineString, or a closed Polygon.
export function drawnGeometry(mode, latlngs) {
  const positions = latlngs.map((point) => {
    const wrapped = point.wrap();
    return [Number(wrapped.lng.toFixed(7)), Number(wrapped.lat.toFixed(7))];
  });
  if (mode === 'area') return { type: 'Polygon', coordinates: [[...positions, positions[0]]] };
  return { type: 'LineString', coordinates: positions };
}

class Drawing {
  constructor(map, config, form) {
    this.map = map;
    this.config = config;
    this.form = form;
    this.points = [];
    this.mode = 'route';
    this.layer = L.layerGroup().addTo(map);
    this.status = document.getElementById('draw-status');
    this.buttons = {
      centre: document.getElementById('draw-centre'),
      undo: document.getElementById('draw-undo'),
      clear: document.getElementById('draw-clear'),
      finish: document.getElementById('draw-finish'),
    };
  }

  start(onClear) {
    this.onClear = onClear;
    const map = this.map;
    map.doubleClickZoom.disable();
    map.getContainer().classList.add('drawing');
    map.on('click', (event) => this.add(event.latlng));
    map.on('dblclick', () => this.finish());
    this.buttons.centre.addEventListener('click', () => this.add(map.getCenter()));
    this.buttons.undo.addEventListener('click', () => this.undo());
    this.buttons.clear.addEventListener('click', () => this.clear());
    this.buttons.finish.addEventListener('click', () => this.finish());
    for (const input of document.querySelectorAll('input[name="draw-mode"]')) {
      input.addEventListener('change', () => {
        this.mode = input.value;
        this.redraw();
      });
      if (input.checked) this.mode = input.value;
    }
    // A file chosen after a drawing is what the reader means to analyse.
    this.form.querySelector('#id_file').addEventListener('change', () => {
      this.form.querySelector('#id_geojson').value = '';
    });
    document.getElementById('exposure-draw').hidden = false;
    this.redraw();
  }

  add(latlng) {
    const last = this.points[this.points.length - 1];
    if (last) {
      const pixels = this.map.latLngToContainerPoint(last);
      if (pixels.distanceTo(this.map.latLngToContainerPoint(latlng)) < SAME_POINT_PIXELS) return;
    }
    this.points.push(latlng);
    this.redraw();
  }

  undo() {
    this.points.pop();
    this.redraw();
  }

  clear() {
    this.points = [];
    if (this.onClear) this.onClear();
    this.onClear = null;
    this.redraw();
  }

  needed() {
    return this.mode === 'area' ? 3 : 2;
  }

  finish() {
    const strings = this.config.strings;
    if (this.points.length < this.needed()) {
      this.say(this.mode === 'area' ? strings.need_area : strings.need_route);
      return;
    }
    const geometry = drawnGeometry(this.mode, this.points);
    this.form.querySelector('#id_geojson').value = JSON.stringify(geometry);
    this.form.querySelector('#id_file').value = '';
    for (const button of Object.values(this.buttons)) button.disabled = true;
    this.say(strings.analysing);
    this.form.submit();
  }

  redraw() {
    const { map, points } = this;
    this.layer.clearLayers();
    const style = { color: COLOURS.drawing, weight: 3, dashArray: '6 5', interactive: false };
    if (points.length > 1) {
      const shape =
        this.mode === 'area'
          ? L.polygon(points, { ...style, fillOpacity: 0.1 })
          : L.polyline(points, style);
      this.layer.addLayer(shape);
    }
    const vertex = {
      radius: 4, color: COLOURS.drawing, weight: 2, fillColor: '#ffffff', fillOpacity: 1,
      interactive: false,
    };
    for (const point of points) this.layer.addLayer(L.circleMarker(point, vertex));
    map.getContainer().dataset.points = String(points.length);
    this.buttons.undo.disabled = points.length === 0;
    this.buttons.clear.disabled = points.length === 0 && !this.onClear;
    this.buttons.finish.disabled = points.length < this.needed();
    this.say(this.describe());
  }

  describe() {
    const strings = this.config.strings;
    const count = this.points.length;
    if (!count) return strings.no_points;
    const parts = [count === 1 ? strings.one_point : format(strings.points, { count })];
    if (count > 1 && this.mode === 'route') {
      parts.push(format(strings.route_length, { length: this.length() }));
    }
    if (count > 2 && this.mode === 'area') {
      const area = measureText(this.config, ringArea(this.points), 'area');
      parts.push(format(strings.area_size, { area }));
    }
    return `${parts.join(' · ')}. ${count >= this.needed() ? strings.finish_hint : ''}`.trim();
  }

  length() {
    let metres = 0;
    for (let i = 1; i < this.points.length; i += 1) {
      metres += this.map.distance(this.points[i - 1], this.points[i]);
    }
    return measureText(this.config, metres, 'length');
  }

  say(text) {
    this.status.textContent = text;
  }
}

function measureText(config, value, kind) {
  const language = document.documentElement.lang || undefined;
  const number = (amount, digits) =>
    new Intl.NumberFormat(language, { maximumFractionDigits: digits }).format(amount);
  const units = config.strings;
  if (kind === 'area') {
    return value >= 100000
      ? format(units.square_kilometres, { value: number(value / 1e6, 2) })
      : format(units.square_metres, { value: number(value, 0) });
  }
  return value >= 1000
    ? format(units.kilometres, { value: number(value / 1000, 2) })
    : format(units.metres, { value: number(value, 0) });
}

// The answer in the page: the analysed shape, the parts in view, the cones
// and the cameras. Returns the layer holding them, or null.
function drawResult(map, config) {
  const result = config.result;
  if (!result) return null;
  const group = L.featureGroup().addTo(map);
  const canvas = L.canvas({ padding: 0.3 });
  const area = result.measure === 'area';
  for (const camera of result.cameras) {
    const [lon, lat] = camera.location;
    for (const polygon of conePolygons(lat, lon, camera.directions, camera.view)) {
      L.polygon(polygon, { ...CONE_STYLE, renderer: canvas }).addTo(group);
    }
  }
  const shape = L.geoJSON(result.geometry, {
    style: { color: COLOURS.route, weight: area ? 2 : 4, fill: false, interactive: false },
  }).addTo(group);
  L.geoJSON(result.covered_geometry, {
    style: area ? COVERED_AREA_STYLE : COVERED_ROUTE_STYLE,
  }).addTo(group);
  const link = (camera) => {
    const anchor = document.createElement('a');
    anchor.href = camera.url;
    anchor.textContent = format(config.strings.details, { id: camera.id });
    return anchor;
  };
  for (const camera of result.cameras) {
    const colour = kindStyle(camera.kind).color;
    L.circleMarker([camera.location[1], camera.location[0]], {
      radius: 6, color: colour, weight: 2, fillColor: colour, fillOpacity: 1,
    }).bindPopup(() => link(camera)).addTo(group);
  }
  for (const camera of result.direction_unknown) {
    L.circleMarker([camera.location[1], camera.location[0]], {
      radius: 5, color: '#4b5563', weight: 2, dashArray: '3 2', fillColor: '#ffffff', fillOpacity: 1,
    }).bindPopup(() => link(camera)).addTo(group);
  }
  map.fitBounds(shape.getBounds().pad(0.1), { maxZoom: 18, animate: false });
  map.getContainer().dataset.cameras = String(result.cameras.length);
  return group;
}

// A cross marking the centre of the map, where "Add the centre" adds a point.
function centreMark(map) {
  const mark = document.createElement('div');
  mark.className = 'map-centre';
  mark.setAttribute('aria-hidden', 'true');
  mark.innerHTML =
    '<svg viewBox="0 0 22 22" width="22" height="22" focusable="false">' +
    '<path d="M11 0v8M11 14v8M0 11h8M14 11h8" stroke="#ffffff" stroke-width="4"/>' +
    `<path d="M11 0v8M11 14v8M0 11h8M14 11h8" stroke="${COLOURS.drawing}" stroke-width="2"/></svg>`;
  map.getContainer().appendChild(mark);
}

window.sightlineExposureMap = function sightlineExposureMap(map) {
  const config = readConfig();
  const view = parseView(window.location.hash);
  const [lat, lon, zoom] = config.view;
  map.setView(view ? [view.lat, view.lon] : [lat, lon], view ? view.zoom : zoom, { animate: false });
  // Under the overlays (400): the analysed route and its cameras stay on top.
  addExistingCameras(map, { zIndex: 350 });
  placeSearchFor('exposure-search', map);
  const answer = drawResult(map, config);
  centreMark(map);
  const drawing = new Drawing(map, config, document.getElementById('exposure-form'));
  drawing.start(answer ? () => map.removeLayer(answer) : null);
  map.getContainer().dataset.ready = 'true';
};
