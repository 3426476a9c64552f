// /submit/ with JavaScript: the page works without this script (latitude,
// longitude and directions typed in the form). Here:
// - a map (django-leaflet creates it with the configured base tiles and
//   calls window.sightlineSubmitMap): tap to place the camera, drag the pin,
//   or "use my location"; the form's latitude and longitude follow;
// - directions drawn as handles around the camera, dragged to turn them,
//   added and removed with buttons; the form's directions field follows,
//   and typing in that field moves the handles;
// - a chosen photo is sent to /api/v1/photo-position/ (which stores
//   nothing) and, if it knows where it was taken, its position and compass
//   heading are offered before the server strips every metadata;
// - the cameras already on the map are drawn (existingCameras.js): tapping
//   one opens its popup, which offers to confirm it is still there rather
//   than report it again, or to place the new camera there all the same;
// - the place search box moves the map;
// - the proof of work is solved in the background (proof-of-work.js).

import { addExistingCameras, answerClick, pointerOverFeatures } from './existingCameras.js';
import { placeSearchFor } from './place-search.js';
import { focusErrorSummary, protectForm } from './proof-of-work.js';

const L = window.L;
// Distance of a direction's handle from the camera, in screen pixels.
const HANDLE_PIXELS = 84;
// A camera already recorded this close to the pin is pointed out.
const NEAR_METRES = 25;
// Width of the wedge drawn for each direction, in degrees.
const WEDGE_DEGREES = 60;
const STREET_ZOOM = 18;
const COMPASS = {
  N: 0, NNE: 22.5, NE: 45, ENE: 67.5, E: 90, ESE: 112.5, SE: 135, SSE: 157.5,
  S: 180, SSW: 202.5, SW: 225, WSW: 247.5, W: 270, WNW: 292.5, NW: 315, NNW: 337.5,
};

const config = JSON.parse(document.getElementById('submit-config').textContent);
const messages = config.messages;
const form = document.getElementById('submit-form');
const latitudeInput = form.elements.latitude;
const longitudeInput = form.elements.longitude;
const directionsInput = form.elements.directions;
const mapStatus = document.getElementById('map-status');
const photoStatus = document.getElementById('photo-status');

// The map panel is shown before django-leaflet builds the map in it (this
// script runs first), so that Leaflet measures a visible box.
document.getElementById('submit-map-panel').hidden = false;
document.getElementById('direction-tools').hidden = false;

export function format(template, values) {
  return template.replace(/%\((\w+)\)s/g, (whole, key) => (key in values ? values[key] : whole));
}

export function roundDegrees(value) {
  return Math.round(value * 10) / 10;
}

export function bearing(dx, dy) {
  const degrees = (Math.atan2(dx, -dy) * 180) / Math.PI;
  return roundDegrees((degrees + 360) % 360) % 360;
}

// The form's directions as numbers; what cannot be read is left out (the
// server names it when the form is sent).
export function parseDirections(text) {
  return text
    .split(/[\s,;]+/)
    .filter(Boolean)
    .map((part) => {
      const word = part.replace(/°$/, '').toUpperCase();
      if (word in COMPASS) return COMPASS[word];
      const value = Number(word);
      return Number.isFinite(value) && value >= 0 && value < 360 ? value : null;
    })
    .filter((value) => value !== null);
}

function degreesText(value) {
  return String(roundDegrees(value));
}

function readPosition() {
  const lat = parseFloat(latitudeInput.value);
  const lon = parseFloat(longitudeInput.value);
  if (!Number.isFinite(lat) || !Number.isFinite(lon)) return null;
  if (lat < -90 || lat > 90 || lon < -180 || lon > 180) return null;
  return L.latLng(lat, lon);
}

function csrfToken() {
  const input = form.querySelector('input[name="csrfmiddlewaretoken"]');
  return input ? input.value : '';
}

// ------------------------------------------------------------------ map

// Under the map: a camera already recorded next to the pin.
function nearNotice() {
  let notice = document.getElementById('existing-near');
  if (!notice) {
    notice = document.createElement('p');
    notice.id = 'existing-near';
    notice.className = 'existing-near';
    notice.setAttribute('role', 'status');
    notice.hidden = true;
    mapStatus.after(notice);
  }
  return notice;
}

class SubmitMap {
  constructor(map) {
    this.map = map;
    this.pin = null;
    this.directions = parseDirections(directionsInput.value);
    this.handles = L.layerGroup().addTo(map);
    this.wedges = L.layerGroup().addTo(map);
    this.existing = addExistingCameras(map);
    map.on('click', (event) => {
      const extra = (body, camera) => this.alreadyThere(body, camera, event.latlng);
      if (this.existing && answerClick(map, this.existing, event.latlng, extra)) return;
      this.place(event.latlng, { announce: true });
    });
    if (this.existing) {
      pointerOverFeatures(map, this.existing);
      // Tiles arriving after the pin was placed (a photo's position, typed
      // coordinates) may hold a camera next to it.
      this.existing.layer.on('load', () => this.pointOutNear());
    }
    map.on('zoomend viewreset', () => this.drawDirections());
    const position = readPosition();
    if (position) {
      map.setView(position, STREET_ZOOM, { animate: false });
      this.place(position, { write: false });
    } else {
      const view = config.default;
      map.setView([view.latitude, view.longitude], view.zoom, { animate: false });
    }
    this.renderList();
  }

  // The popup of a camera already on the map, on this page: it says so,
  // and offers to confirm it rather than report it again.
  alreadyThere(body, camera, latlng) {
    const { config } = this.existing;
    const strings = config.labels.strings;
    const title = body.querySelector('.popup-title');
    title.textContent = format(strings.already, { kind: title.textContent });
    const details = body.querySelector('.popup-link').parentElement;
    if (camera.status !== 'removed') {
      const confirm = document.createElement('a');
      confirm.className = 'popup-link popup-confirm';
      confirm.href = config.stillThereUrl.replace('{id}', encodeURIComponent(camera.id));
      confirm.textContent = strings.still_there;
      const paragraph = document.createElement('p');
      paragraph.append(confirm);
      details.before(paragraph);
    }
    const another = document.createElement('button');
    another.type = 'button';
    another.className = 'button popup-another';
    another.textContent = strings.another;
    another.addEventListener('click', () => {
      this.map.closePopup();
      this.place(latlng, { announce: true });
    });
    const paragraph = document.createElement('p');
    paragraph.append(another);
    body.append(paragraph);
  }

  place(latlng, { write = true, announce = false } = {}) {
    if (!this.pin) {
      this.pin = L.marker(latlng, {
        draggable: true,
        autoPan: true,
        keyboard: false,
        icon: L.divIcon({
          className: 'camera-pin',
          html: '<span class="camera-pin-dot"></span>',
          iconSize: [44, 44],
          iconAnchor: [22, 22],
        }),
      }).addTo(this.map);
      this.pin.on('drag', () => this.drawDirections());
      this.pin.on('dragend', () => {
        this.writePosition(this.pin.getLatLng());
        this.announcePlace();
        this.pointOutNear();
      });
    } else {
      this.pin.setLatLng(latlng);
    }
    if (write) this.writePosition(latlng);
    if (announce) this.announcePlace();
    this.pointOutNear();
    this.drawDirections();
    this.map.getContainer().dataset.placed = 'true';
  }

  // The nearest camera in place already drawn within NEAR_METRES of the pin
  // (cameras are drawn one by one from street zooms), pointed out under the
  // map with a link to confirm it.
  pointOutNear() {
    const notice = nearNotice();
    if (!this.existing || !this.pin) {
      notice.hidden = true;
      return;
    }
    const { layer, config } = this.existing;
    const here = this.pin.getLatLng();
    let nearest = null;
    let nearestMetres = NEAR_METRES;
    for (const item of layer.items()) {
      if (item.type !== 'camera' || item.camera.status === 'removed') continue;
      const metres = this.map.distance(here, layer.latLngOf(item));
      if (metres <= nearestMetres) {
        nearest = item.camera;
        nearestMetres = metres;
      }
    }
    if (!nearest) {
      notice.hidden = true;
      notice.replaceChildren();
      return;
    }
    const text = document.createElement('span');
    text.textContent = `${format(messages.near, {
      metres: Math.round(nearestMetres),
      kind: config.labels.kinds[nearest.kind] || config.labels.strings.device,
      id: nearest.id,
    })} `;
    const link = document.createElement('a');
    link.href = config.stillThereUrl.replace('{id}', encodeURIComponent(nearest.id));
    link.textContent = config.labels.strings.still_there;
    notice.replaceChildren(text, link);
    notice.hidden = false;
    notice.dataset.camera = String(nearest.id);
  }

  announcePlace() {
    const latlng = this.pin.getLatLng();
    mapStatus.textContent = format(messages.placed, {
      latitude: latlng.lat.toFixed(6),
      longitude: latlng.lng.toFixed(6),
    });
  }

  writePosition(latlng) {
    const wrapped = latlng.wrap();
    latitudeInput.value = wrapped.lat.toFixed(6);
    longitudeInput.value = wrapped.lng.toFixed(6);
  }

  goTo(latlng) {
    this.map.setView(latlng, Math.max(this.map.getZoom(), STREET_ZOOM), { animate: false });
    this.place(latlng);
  }

  // ------------------------------------------------------------ directions

  setDirections(directions, { write = true } = {}) {
    this.directions = directions;
    if (write) directionsInput.value = directions.map(degreesText).join(', ');
    this.drawDirections();
    this.renderList();
  }

  addDirection(value) {
    const direction = roundDegrees(value) % 360;
    if (this.directions.some((existing) => Math.abs(existing - direction) < 0.05)) return;
    this.setDirections([...this.directions, direction]);
  }

  nextDirection() {
    if (!this.directions.length) return 0;
    return (this.directions[this.directions.length - 1] + 90) % 360;
  }

  handlePoint(centre, direction) {
    const radians = (direction * Math.PI) / 180;
    return centre.add(L.point(Math.sin(radians), -Math.cos(radians)).multiplyBy(HANDLE_PIXELS));
  }

  wedge(centre, direction) {
    const points = [centre];
    for (let step = -WEDGE_DEGREES / 2; step <= WEDGE_DEGREES / 2; step += 7.5) {
      points.push(this.handlePoint(centre, direction + step));
    }
    return points.map((point) => this.map.layerPointToLatLng(point));
  }

  drawDirections() {
    this.handles.clearLayers();
    this.wedges.clearLayers();
    const container = this.map.getContainer();
    container.dataset.directions = String(this.directions.length);
    if (!this.pin) return;
    const centre = this.map.latLngToLayerPoint(this.pin.getLatLng());
    this.directions.forEach((direction, index) => {
      const wedge = L.polygon(this.wedge(centre, direction), {
        color: '#1f5fa8', weight: 1, fillOpacity: 0.2, interactive: false,
      }).addTo(this.wedges);
      const handle = L.marker(this.map.layerPointToLatLng(this.handlePoint(centre, direction)), {
        draggable: true,
        keyboard: false,
        title: format(messages.handleLabel, { heading: degreesText(direction) }),
        icon: L.divIcon({
          className: 'direction-handle',
          html: '<span class="direction-arrow">↑</span>',
          iconSize: [44, 44],
          iconAnchor: [22, 22],
        }),
      }).addTo(this.handles);
      handle.getElement().dataset.direction = String(index);
      // Set through the DOM: the Content-Security-Policy refuses style attributes in markup.
      handle.getElement().querySelector('.direction-arrow').style.transform = `rotate(${direction}deg)`;
      handle.on('drag', () => {
        const point = this.map.latLngToLayerPoint(handle.getLatLng());
        const turned = bearing(point.x - centre.x, point.y - centre.y);
        this.directions[index] = turned;
        wedge.setLatLngs(this.wedge(centre, turned));
        directionsInput.value = this.directions.map(degreesText).join(', ');
      });
      handle.on('dragend', () => this.setDirections(this.directions));
    });
  }

  renderList() {
    const list = document.getElementById('direction-list');
    list.replaceChildren(
      ...this.directions.map((direction, index) => {
        const item = document.createElement('li');
        const label = document.createElement('span');
        label.textContent = `${degreesText(direction)}°`;
        const remove = document.createElement('button');
        remove.type = 'button';
        remove.className = 'button remove-direction';
        remove.textContent = '✕';
        remove.setAttribute(
          'aria-label',
          format(messages.removeDirection, { heading: degreesText(direction) }),
        );
        remove.addEventListener('click', () => {
          this.setDirections(this.directions.filter((_, other) => other !== index));
          document.getElementById('add-direction').focus();
        });
        item.append(label, remove);
        return item;
      }),
    );
  }
}

let submitMap = null;

window.sightlineSubmitMap = function sightlineSubmitMap(map) {
  submitMap = new SubmitMap(map);
  placeSearchFor('submit-search', map);
  map.getContainer().dataset.ready = 'true';
};

// ------------------------------------------------------------ the form

function onCoordinatesTyped() {
  const position = readPosition();
  if (position && submitMap) {
    submitMap.map.setView(position, Math.max(submitMap.map.getZoom(), 16), { animate: false });
    submitMap.place(position, { write: false });
  }
}

latitudeInput.addEventListener('change', onCoordinatesTyped);
longitudeInput.addEventListener('change', onCoordinatesTyped);
directionsInput.addEventListener('input', () => {
  if (submitMap) submitMap.setDirections(parseDirections(directionsInput.value), { write: false });
});

document.getElementById('add-direction').addEventListener('click', () => {
  if (!submitMap || !submitMap.pin) {
    mapStatus.textContent = messages.placeFirst;
    return;
  }
  submitMap.addDirection(submitMap.nextDirection());
});

document.getElementById('locate-me').addEventListener('click', () => {
  if (!navigator.geolocation) {
    mapStatus.textContent = messages.locateFailed;
    return;
  }
  mapStatus.textContent = messages.locating;
  navigator.geolocation.getCurrentPosition(
    (position) => {
      const { latitude, longitude, accuracy } = position.coords;
      if (submitMap) submitMap.goTo(L.latLng(latitude, longitude));
      mapStatus.textContent = format(messages.located, { metres: Math.round(accuracy) });
    },
    () => {
      mapStatus.textContent = messages.locateFailed;
    },
    { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 },
  );
});

// ------------------------------------------------------------ photos

const offer = document.getElementById('photo-offer');
const offerText = document.getElementById('photo-offer-text');
const usePosition = document.getElementById('use-photo-position');
const useHeading = document.getElementById('use-photo-heading');
const preview = document.getElementById('photo-preview');
let offered = null;

function showOffer(position) {
  offered = position;
  offer.hidden = false;
  usePosition.hidden = true;
  useHeading.hidden = true;
  if (!position) {
    offerText.textContent = messages.noPosition;
    return;
  }
  const heading = position.heading === null ? null : roundDegrees(position.heading);
  let text = format(messages.photoPosition, {
    latitude: position.latitude.toFixed(6),
    longitude: position.longitude.toFixed(6),
  });
  if (heading !== null) {
    const reference = position.heading_reference === 'M' ? messages.magneticNorth : messages.trueNorth;
    text += ` ${format(messages.photoHeading, { heading: degreesText(heading), reference })}`;
    useHeading.textContent = format(messages.useHeading, { heading: degreesText(heading) });
    useHeading.hidden = false;
  }
  offerText.textContent = text;
  usePosition.textContent = messages.usePosition;
  usePosition.hidden = false;
}

async function readPhoto(file) {
  if (preview.src) URL.revokeObjectURL(preview.src);
  preview.src = URL.createObjectURL(file);
  preview.hidden = false;
  offer.hidden = false;
  offerText.textContent = '';
  usePosition.hidden = true;
  useHeading.hidden = true;
  photoStatus.textContent = messages.reading;
  const body = new FormData();
  body.append('photo', file);
  try {
    const response = await fetch(config.photoPositionUrl, {
      method: 'POST',
      body,
      credentials: 'same-origin',
      headers: { 'X-CSRFToken': csrfToken(), Accept: 'application/json' },
    });
    const answer = await response.json().catch(() => ({}));
    if (response.ok) {
      photoStatus.textContent = '';
      showOffer(answer.position);
    } else if (response.status === 400 && answer.photo) {
      photoStatus.textContent = format(messages.photoRefused, { reason: [].concat(answer.photo).join(' ') });
      offer.hidden = true;
    } else {
      photoStatus.textContent = messages.photoUnchecked;
    }
  } catch (error) {
    photoStatus.textContent = messages.photoUnchecked;
  }
}

['id_photos', 'id_photos_choose'].forEach((id) => {
  const input = document.getElementById(id);
  input.addEventListener('change', () => {
    if (input.files && input.files.length) readPhoto(input.files[0]);
  });
});

usePosition.addEventListener('click', () => {
  if (!offered || !submitMap) return;
  submitMap.goTo(L.latLng(offered.latitude, offered.longitude));
  mapStatus.textContent = messages.positionUsed;
  photoStatus.textContent = messages.positionUsed;
});

useHeading.addEventListener('click', () => {
  if (!offered || offered.heading === null || !submitMap) return;
  if (!submitMap.pin) submitMap.goTo(L.latLng(offered.latitude, offered.longitude));
  const heading = roundDegrees(offered.heading);
  submitMap.addDirection(heading);
  photoStatus.textContent = format(messages.headingUsed, { heading: degreesText(heading) });
});

protectForm(form, { early: true });
focusErrorSummary();
