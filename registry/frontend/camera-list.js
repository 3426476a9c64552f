// The camera list's place search: choosing a place lists the cameras around
// it (?bbox=, or the filter the answer gives: ?area= for one of the
// registry's areas, ?operator= for an operator), keeping the other filters.
// "Cameras near me" asks the browser where it is and lists the cameras
// around it, the nearest first (?near=lon,lat&radius=).

import { placeSearch, resultBounds } from './place-search.js';

const PLACE_PARAMETERS = ['bbox', 'area', 'near', 'radius', 'page', 'sort'];

function go(params) {
  window.location.assign(`${window.location.pathname}?${params}`);
}

const root = document.getElementById('list-search');
if (root) {
  placeSearch(root, (result) => {
    const params = new URLSearchParams(window.location.search);
    for (const name of PLACE_PARAMETERS) params.delete(name);
    const filter = result.filter || {};
    if (Object.keys(filter).length) {
      for (const [name, value] of Object.entries(filter)) params.set(name, value);
    } else {
      params.set('bbox', resultBounds(result).map((value) => value.toFixed(5)).join(','));
    }
    go(params);
  });
}

const nearMe = document.getElementById('near-me');
if (nearMe) {
  const strings = JSON.parse(nearMe.dataset.strings);
  const button = document.getElementById('near-me-button');
  const status = document.getElementById('near-me-status');
  nearMe.hidden = false;
  button.addEventListener('click', () => {
    if (!('geolocation' in navigator)) {
      status.textContent = strings.unsupported;
      return;
    }
    status.textContent = strings.locating;
    button.disabled = true;
    navigator.geolocation.getCurrentPosition(
      (position) => {
        const params = new URLSearchParams(window.location.search);
        for (const name of PLACE_PARAMETERS) params.delete(name);
        // About 10 metres: enough to put the nearest first.
        const { longitude, latitude } = position.coords;
        params.set('near', `${longitude.toFixed(4)},${latitude.toFixed(4)}`);
        params.set('radius', nearMe.dataset.radius);
        go(params);
      },
      (error) => {
        button.disabled = false;
        status.textContent = error.code === error.PERMISSION_DENIED ? strings.denied : strings.unavailable;
      },
      { enableHighAccuracy: false, timeout: 15000, maximumAge: 60000 },
    );
  });
}
