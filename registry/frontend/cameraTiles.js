// The cameras layer: Sightline's vector tiles (/tiles/cameras/{z}/{x}/{y}.mvt)
// fetched, decoded and drawn on one canvas per tile. Nothing but the visible
// tiles ever reaches the browser: at low zooms they hold counts per grid cell
// (the `clusters` layer), at street zooms the cameras themselves.
//
// The features of each loaded tile are kept so that clicks, the count in
// view and the cones can be answered without another request.
//
// The server counts clusters per cell of each tile on its own, so two
// bubbles from neighbouring cells (or tiles) can be closer than their radii.
// Here the bubbles of all the tiles shown are merged wherever their circles
// would touch (mergeClusters: counts summed, at their weighted centre), and
// each merged bubble is drawn by the tile it falls in: no two overlap.

import { VectorTile } from '@mapbox/vector-tile';
import { PbfReader } from 'pbf';

import { clusterSymbol, drawCamera, drawCluster } from './symbols.js';

const L = window.L;
const CAMERA_RADIUS = 6;
// Canvases reach this far past their tile, so that a symbol near a tile's
// edge is drawn whole (tiles overlap with transparent margins).
const PADDING = 32;
const HIT_SLOP = 4;
// Pixels kept free between two bubbles.
const CLUSTER_GAP = 2;

// Bubbles ({x, y, count, radius}) merged until no two circles come closer
// than `gap`: the largest absorb their neighbours, the merged bubble sits
// at the count-weighted centre and is sized for its new count, and the
// passes repeat because a grown bubble may reach another.
export function mergeClusters(bubbles, radiusOf, gap = CLUSTER_GAP) {
  let current = bubbles.map((bubble) => ({ ...bubble, members: bubble.members || [bubble] }));
  for (let changed = true; changed; ) {
    changed = false;
    current.sort((a, b) => b.count - a.count);
    const kept = [];
    for (const bubble of current) {
      const into = kept.find((other) => {
        const reach = other.radius + bubble.radius + gap;
        const dx = other.x - bubble.x;
        const dy = other.y - bubble.y;
        return dx * dx + dy * dy < reach * reach;
      });
      if (!into) {
        kept.push(bubble);
        continue;
      }
      const count = into.count + bubble.count;
      into.x = (into.x * into.count + bubble.x * bubble.count) / count;
      into.y = (into.y * into.count + bubble.y * bubble.count) / count;
      into.count = count;
      into.radius = radiusOf(count);
      into.members = into.members.concat(bubble.members);
      changed = true;
    }
    current = kept;
  }
  return current;
}

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
    this._loaded = new Map(); // tile key -> {coords, items, canvas, ratio}
    this._requests = new Map(); // tile key -> AbortController
    this._bubbles = null; // merged clusters of the zoom shown, once computed
    this._redrawFrame = null;
    this.on('tileunload', (event) => this._forget(event.coords));
    // Drawn as tiles arrive (once a frame), and at once when all have.
    this.on('load', () => {
      if (this._redrawFrame !== null) window.cancelAnimationFrame(this._redrawFrame);
      this._redrawFrame = null;
      this._redraw();
    });
  },

  _radiusOf(count) {
    return clusterSymbol(count, this.options.language).radius;
  },

  setQuery(query) {
    if (query === this._query) return;
    this._query = query;
    this._loaded.clear();
    this._bubbles = null;
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
        for (const item of items) {
          if (item.type === 'cluster') item.radius = this._radiusOf(item.count);
        }
        this._loaded.set(key, { coords, items, canvas, ratio });
        this._changed();
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

  // The loaded tiles changed: the merged bubbles must be worked out again
  // and every tile redrawn (a bubble may have moved to another tile).
  _changed() {
    this._bubbles = null;
    if (this._redrawFrame === null) {
      this._redrawFrame = window.requestAnimationFrame(() => {
        this._redrawFrame = null;
        this._redraw();
      });
    }
  },

  // The clusters of the zoom shown, merged wherever they would overlap;
  // each with the key of the loaded tile that draws it.
  bubbles() {
    const zoom = this._tileZoom;
    if (this._bubbles && this._bubblesZoom === zoom) return this._bubbles;
    this._bubblesZoom = zoom;
    const size = this.getTileSize().x;
    const clusters = [];
    for (const [key, { coords, items }] of this._loaded) {
      if (coords.z !== zoom) continue;
      for (const item of items) {
        if (item.type !== 'cluster') continue;
        clusters.push({ x: item.globalX, y: item.globalY, count: item.count, radius: item.radius, key });
      }
    }
    this._bubbles = mergeClusters(clusters, (count) => this._radiusOf(count)).map((bubble) => {
      const heaviest = bubble.members.reduce((a, b) => (b.count > a.count ? b : a));
      const home = this._tileCoordsToKey({ x: Math.floor(bubble.x / size), y: Math.floor(bubble.y / size), z: zoom });
      const symbol = clusterSymbol(bubble.count, this.options.language);
      return {
        type: 'cluster',
        count: bubble.count,
        radius: bubble.radius,
        label: symbol.text,
        font: symbol.font,
        globalX: bubble.x,
        globalY: bubble.y,
        merged: bubble.members.length,
        key: this._loaded.has(home) ? home : heaviest.key,
      };
    });
    return this._bubbles;
  },

  _redraw() {
    if (!this._map) return;
    const zoom = this._tileZoom;
    const size = this.getTileSize().x;
    const byTile = new Map();
    for (const bubble of this.bubbles()) {
      if (!byTile.has(bubble.key)) byTile.set(bubble.key, []);
      byTile.get(bubble.key).push(bubble);
    }
    for (const [key, { coords, items, canvas, ratio }] of this._loaded) {
      if (coords.z !== zoom) continue;
      const ctx = canvas.getContext('2d');
      ctx.setTransform(1, 0, 0, 1, 0, 0);
      ctx.clearRect(0, 0, canvas.width, canvas.height);
      ctx.setTransform(ratio, 0, 0, ratio, PADDING * ratio, PADDING * ratio);
      for (const item of items) {
        if (item.type === 'camera') drawCamera(ctx, item.camera, item.x, item.y, CAMERA_RADIUS);
      }
      for (const bubble of byTile.get(key) || []) {
        const x = bubble.globalX - coords.x * size;
        const y = bubble.globalY - coords.y * size;
        drawCluster(ctx, bubble.count, x, y, this.options.language);
      }
    }
  },

  _forget(coords) {
    const key = this._tileCoordsToKey(coords);
    const request = this._requests.get(key);
    if (request) request.abort();
    this._requests.delete(key);
    if (this._loaded.delete(key)) this._changed();
  },

  // Loaded features at the zoom now shown, with their position as a LatLng.
  // Clusters are the merged bubbles, as drawn.
  *items() {
    if (!this._map) return;
    const zoom = this._tileZoom;
    for (const { coords, items } of this._loaded.values()) {
      if (coords.z !== zoom) continue;
      for (const item of items) if (item.type === 'camera') yield item;
    }
    yield* this.bubbles();
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
