// The camera list's place search: choosing a place lists the cameras around
// it (?bbox=, or ?area= for one of the registry's areas), keeping the filters.

import { placeSearch, resultBounds } from './place-search.js';

const root = document.getElementById('list-search');
if (root) {
  placeSearch(root, (result) => {
    const params = new URLSearchParams(window.location.search);
    for (const name of ['bbox', 'area', 'page']) params.delete(name);
    const area = result.kind === 'area' && result.url ? new URL(result.url).pathname.split('/')[2] : '';
    if (area) {
      params.set('area', area);
    } else {
      params.set('bbox', resultBounds(result).map((value) => value.toFixed(5)).join(','));
    }
    window.location.assign(`${window.location.pathname}?${params}`);
  });
}
