// The cameras layer: Sightline's vector tiles (/tiles/cameras/{z}/{x}/{y}.mvt)
// fetched, decoded and drawn on one canvas per tile. Nothing but the visible
// tiles ever reaches the browser: at low zooms they hold counts per grid cell
// (the `clusters` layer), at street zooms the cameras themselves.
//
// The features of each loaded tile are kept so that clicks, the count in
// view and the cones can be answered without another request.

import { VectorTile } from '@mapbox/vector-tile';
import { PbfReader } from 'pbf';

import { clusterRadius, drawCamera, drawCluster } from './symbols.js';

const L = window.L;
const CAMERA_RADIUS = 6;
// Canvases reach this far past their tile, so that a symbol near a tile's
// edge is drawn whole (tiles overlap with transparent margins).
const PADDING = 32;
const HIT_SLOP = 4;

function cameraFrom(properties) {
  const directions = properties.directions
    ? String(properties.directions)
        .split(',')
        .map(Number)
        .filter((value) => Number.isFinite(value))
    : [];
  return {
    id: properties.id,
    kind: properties.kind || '',
    status: properties.status || '',
    stale: properties.stale === true || properties.stale === 'true',
    camera_type: properties.camera_type || '',
    directions,
    height: properties.height ?? null,
    tilt: properties.tilt ?? null,
    vendor: properties.vendor || '',
    operator: properties.operator || '',
    restricted: properties.restricted === true || properties.restricted === 'true',
    last_confirmed: properties.last_confirmed || '',
  };
}

// Features of one tile, in pixels of that tile and in global pixels at its zoom.
function decode(buffer, coords, tileSize) {
  const tile = new VectorTile(new PbfReader(buffer));
  const items = [];
  for (const [name, kind] of [
    ['clusters', 'cluster'],
    ['cameras', 'camera'],
  ]) {
    const layer = tile.layers[name];
    if (!layer) continue;
    const scale = tileSize / layer.extent;
    for (let i = 0; i < layer.length; i += 1) {
      const feature = layer.feature(i);
      const point = feature.loadGeometry()[0][0];
      const x = point.x * scale;
      const y = point.y * scale;
      const item = {
        type: kind,
        x,
        y,
        globalX: coords.x * tileSize + x,
        globalY: coords.y * tileSize + y,
      };
      if (kind === 'cluster') {
        item.count = Number(feature.properties.count) || 0;
        item.radius = clusterRadius(item.count);
      } else {
        item.camera = cameraFrom(feature.properties);
        item.radius = CAMERA_RADIUS;
      }
      items.push(item);
    }
  }
  return items;
}

export const CameraTiles = L.GridLayer.extend({
  options: {
    updateWhenZooming: false,
    keepBuffer: 1,
    maxNativeZoom: 22,
    language: 'en',
  },

  initialize(urlTemplate, query, options) {
    L.GridLayer.prototype.initialize.call(this, options);
    this._urlTemplate = urlTemplate;
    this._query = query;
    this._loaded = new Map(); // tile key -> {coords, items}
    this._requests = new Map(); // tile key -> AbortController
    this.on('tileunload', (event) => this._forget(event.coords));
  },

  setQuery(query) {
    if (query === this._query) return;
    this._query = query;
    this._loaded.clear();
    this.redraw();
  },

  tileUrl(coords) {
    const path = this._urlTemplate
      .replace('{z}', coords.z)
      .replace('{x}', coords.x)
      .replace('{y}', coords.y);
    return this._query ? `${path}?${this._query}` : path;
  },

  createTile(coords, done) {
    const size = this.getTileSize();
    const tile = L.DomUtil.create('div', 'camera-tile');
    const canvas = document.createElement('canvas');
    const ratio = window.devicePixelRatio || 1;
    canvas.width = (size.x + 2 * PADDING) * ratio;
    canvas.height = (size.y + 2 * PADDING) * ratio;
    Object.assign(canvas.style, {
      position: 'absolute',
      left: `${-PADDING}px`,
      top: `${-PADDING}px`,
      width: `${size.x + 2 * PADDING}px`,
      height: `${size.y + 2 * PADDING}px`,
      pointerEvents: 'none',
    });
    tile.appendChild(canvas);

    const key = this._tileCoordsToKey(coords);
    const controller = new AbortController();
    this._requests.set(key, controller);
    fetch(this.tileUrl(coords), { signal: controller.signal, credentials: 'same-origin' })
      .then((response) => {
        if (response.status === 204) return null;
        if (!response.ok) throw new Error(`tile ${key}: HTTP ${response.status}`);
        return response.arrayBuffer();
      })
      .then((buffer) => {
        const items = buffer && buffer.byteLength ? decode(buffer, coords, size.x) : [];
        this._requests.delete(key);
        this._loaded.set(key, { coords, items });
        this._draw(canvas, items, ratio);
        done(null, tile);
        this.fire('tiledata', { coords, items });
      })
      .catch((error) => {
        this._requests.delete(key);
        if (error.name === 'AbortError') return;
        done(error, tile);
      });
    return tile;
  },

  _draw(canvas, items, ratio) {
    const ctx = canvas.getContext('2d');
    ctx.scale(ratio, ratio);
    ctx.translate(PADDING, PADDING);
    for (const item of items) {
      if (item.type === 'cluster') drawCluster(ctx, item.count, item.x, item.y, this.options.language);
      else drawCamera(ctx, item.camera, item.x, item.y, CAMERA_RADIUS);
    }
  },

  _forget(coords) {
    const key = this._tileCoordsToKey(coords);
    const request = this._requests.get(key);
    if (request) request.abort();
    this._requests.delete(key);
    this._loaded.delete(key);
  },

  // Loaded features at the zoom now shown, with their position as a LatLng.
  *items() {
    if (!this._map) return;
    const zoom = this._tileZoom;
    for (const { coords, items } of this._loaded.values()) {
      if (coords.z !== zoom) continue;
      for (const item of items) yield item;
    }
  },

  latLngOf(item) {
    if (!item.latLng) item.latLng = this._map.unproject([item.globalX, item.globalY], this._tileZoom);
    return item.latLng;
  },

  // The nearest feature under a map position, if any.
  hit(latLng) {
    if (!this._map || this._tileZoom === undefined) return null;
    const scale = this._map.getZoomScale(this._map.getZoom(), this._tileZoom);
    const point = this._map.project(latLng, this._tileZoom);
    let best = null;
    let bestDistance = Infinity;
    for (const item of this.items()) {
      const distance = Math.hypot(item.globalX - point.x, item.globalY - point.y) * scale;
      if (distance <= item.radius + HIT_SLOP && distance < bestDistance) {
        best = item;
        bestDistance = distance;
      }
    }
    return best;
  },

  // How many cameras the loaded tiles place inside `bounds`, and how many
  // camera features are drawn one by one.
  countIn(bounds) {
    let total = 0;
    let single = 0;
    let clusters = 0;
    for (const item of this.items()) {
      if (!bounds.contains(this.latLngOf(item))) continue;
      if (item.type === 'cluster') {
        total += item.count;
        clusters += 1;
      } else {
        total += 1;
        single += 1;
      }
    }
    return { total, single, clusters };
  },
});
