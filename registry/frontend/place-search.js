// A search box for places (GET /api/v1/places/?q=...): the WAI-ARIA
// combobox pattern (an input with role=combobox controlling a listbox;
// aria-expanded, aria-activedescendant; Up/Down move, Enter chooses, Escape
// closes) with the number of answers announced in a live region.
//
// placeSearch(root, onChoose): root is the markup of
// registry/includes/place_search.html; onChoose(result) gets the API's result.

const DEBOUNCE_MS = 150;

export function placeSearch(root, onChoose) {
  const input = root.querySelector('[role="combobox"]');
  const list = document.getElementById(input.getAttribute('aria-controls'));
  const status = root.querySelector('[data-place-search-status]');
  const strings = JSON.parse(root.dataset.strings);
  const api = root.dataset.api;
  let results = [];
  let active = -1;
  let timer = null;
  let latest = 0;

  const optionId = (index) => `${list.id}-${index}`;

  function close() {
    list.hidden = true;
    input.setAttribute('aria-expanded', 'false');
    input.removeAttribute('aria-activedescendant');
    active = -1;
  }

  function highlight(index) {
    active = index;
    for (const [i, option] of Array.from(list.children).entries()) {
      option.setAttribute('aria-selected', i === index ? 'true' : 'false');
    }
    if (index < 0) {
      input.removeAttribute('aria-activedescendant');
    } else {
      input.setAttribute('aria-activedescendant', optionId(index));
      list.children[index].scrollIntoView({ block: 'nearest' });
    }
  }

  function show(found) {
    results = found;
    list.replaceChildren();
    for (const [index, result] of found.entries()) {
      const option = document.createElement('li');
      option.id = optionId(index);
      option.setAttribute('role', 'option');
      option.setAttribute('aria-selected', 'false');
      option.className = 'place-option';
      option.textContent = result.label;
      const kind = strings.kinds[result.kind];
      if (kind) {
        const small = document.createElement('span');
        small.className = 'place-kind';
        small.textContent = ` (${kind})`;
        option.append(small);
      }
      // mousedown, not click: the input keeps the focus.
      option.addEventListener('mousedown', (event) => {
        event.preventDefault();
        choose(index);
      });
      list.append(option);
    }
    const open = found.length > 0;
    list.hidden = !open;
    input.setAttribute('aria-expanded', open ? 'true' : 'false');
    active = -1;
    input.removeAttribute('aria-activedescendant');
    if (!open) status.textContent = strings.none;
    else if (found.length === 1) status.textContent = strings.found_one;
    else status.textContent = strings.found.replace('%(count)s', String(found.length));
  }

  function choose(index) {
    const result = results[index];
    if (!result) return;
    input.value = result.label;
    close();
    status.textContent = strings.chosen.replace('%(label)s', result.label);
    onChoose(result);
  }

  async function lookUp(text) {
    const ticket = ++latest;
    const url = `${api}?${new URLSearchParams({ q: text, limit: '8' })}`;
    try {
      const response = await fetch(url, { headers: { Accept: 'application/json' } });
      if (!response.ok) throw new Error(String(response.status));
      const body = await response.json();
      if (ticket === latest) show(body.results);
    } catch (error) {
      if (ticket === latest) {
        show([]);
        status.textContent = strings.failed;
      }
    }
  }

  input.addEventListener('input', () => {
    clearTimeout(timer);
    const text = input.value.trim();
    if (!text) {
      latest += 1;
      results = [];
      list.replaceChildren();
      close();
      return;
    }
    timer = setTimeout(() => lookUp(text.slice(0, 100)), DEBOUNCE_MS);
  });

  input.addEventListener('keydown', (event) => {
    const open = !list.hidden && results.length > 0;
    if (event.key === 'ArrowDown') {
      event.preventDefault();
      if (!open && results.length) {
        list.hidden = false;
        input.setAttribute('aria-expanded', 'true');
      }
      if (results.length) highlight((active + 1) % results.length);
    } else if (event.key === 'ArrowUp') {
      event.preventDefault();
      if (open) highlight(active <= 0 ? results.length - 1 : active - 1);
    } else if (event.key === 'Enter') {
      if (open) {
        event.preventDefault();
        choose(active < 0 ? 0 : active);
      }
    } else if (event.key === 'Escape') {
      if (open) {
        event.preventDefault();
        close();
      } else {
        input.value = '';
      }
    }
  });

  input.addEventListener('blur', () => close());
  root.hidden = false;
}

// A box of [minlon, minlat, maxlon, maxlat] around a result: its own, else
// one sized by what it is.
export function resultBounds(result) {
  if (result.bbox) return result.bbox;
  const [lon, lat] = result.position;
  let half = 0.01;
  if (result.kind === 'place') half = result.population > 1000000 ? 0.15 : 0.05;
  return [lon - half, lat - half, lon + half, lat + half];
}

// Moves `map` to a chosen result: flies there, or jumps for those who asked
// for less motion.
export function showResult(map, result) {
  const [west, south, east, north] = resultBounds(result);
  const bounds = [[south, west], [north, east]];
  const options = { maxZoom: result.kind === 'place' ? 13 : 17 };
  if (window.matchMedia('(prefers-reduced-motion: reduce)').matches) map.fitBounds(bounds, options);
  else map.flyToBounds(bounds, { ...options, duration: 1 });
  map.getContainer().dataset.place = result.label;
}

// The place search box `id` of the page, if it has one, moving `map`.
export function placeSearchFor(id, map) {
  const root = document.getElementById(id);
  if (root) placeSearch(root, (result) => showResult(map, result));
}
