// What a camera's popup says (the main map and the smaller maps drawing
// the camera tiles): its kind, status, vendor, operator, facing and last
// confirmation, with a link to its page.

export function escapeHtml(text) {
  const element = document.createElement('span');
  element.textContent = text == null ? '' : String(text);
  return element.innerHTML;
}

export function popupHtml(camera, config) {
  const labels = config.labels;
  const strings = labels.strings;
  const rows = [
    [strings.status, labels.statuses[camera.status] || camera.status],
    [strings.vendor, camera.vendor || strings.unknown],
    [strings.operator, camera.operator || strings.unknown],
  ];
  if (camera.camera_type) rows.push([strings.camera_type, labels.camera_types[camera.camera_type]]);
  if (camera.directions.length) {
    rows.push([strings.directions, camera.directions.map((d) => `${Math.round(d)}°`).join(', ')]);
  }
  rows.push([strings.last_confirmed, camera.last_confirmed || strings.never]);
  const notes = [];
  if (camera.restricted) notes.push(`<p class="popup-warning">${escapeHtml(strings.restricted)}</p>`);
  if (camera.stale) notes.push(`<p class="popup-note">${escapeHtml(strings.stale)}</p>`);
  const url = config.cameraUrl.replace('{id}', encodeURIComponent(camera.id));
  return `
    <h2 class="popup-title">${escapeHtml(labels.kinds[camera.kind] || strings.device)}</h2>
    <dl class="popup-facts">${rows
      .map(([term, value]) => `<dt>${escapeHtml(term)}</dt><dd>${escapeHtml(value)}</dd>`)
      .join('')}</dl>
    ${notes.join('')}
    <p><a class="popup-link" href="${url}">${escapeHtml(strings.details)}</a></p>`;
}
