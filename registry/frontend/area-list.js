// The areas page's search: an area (or an operator) chosen opens its page;
// a place or a street lists the areas that hold it (?at=lon,lat). With this
// script the box answers as one types, and stands in for the plain form,
// which searches the same names on the server.

import { placeSearch } from './place-search.js';

const root = document.getElementById('area-search');
if (root) {
  placeSearch(root, (result) => {
    if ((result.kind === 'area' || result.kind === 'operator') && result.url) {
      window.location.assign(result.url);
      return;
    }
    let [lon, lat] = result.position || [];
    if (lon === undefined && result.bbox) {
      lon = (result.bbox[0] + result.bbox[2]) / 2;
      lat = (result.bbox[1] + result.bbox[3]) / 2;
    }
    const params = new URLSearchParams({ at: `${lon.toFixed(5)},${lat.toFixed(5)}` });
    window.location.assign(`${window.location.pathname}?${params}`);
  });
  const form = document.getElementById('area-search-form');
  if (form) form.hidden = true;
}
