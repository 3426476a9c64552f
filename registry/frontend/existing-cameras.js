// The existing cameras on the pages whose maps are plain scripts (an area's
// report, a moderation item): window.sightlineExistingCameras(map) draws
// them (existingCameras.js), a click on one opens its popup with a link to
// its page, and on a cluster zooms in. Returns whether it drew them.
// options.clicks: false leaves clicks to the page (it draws with them).
// options.zIndex: their pane's, 450 (over the overlays) unless the page's
// own drawing must stay on top.

import { addExistingCameras, answerClick, pointerOverFeatures } from './existingCameras.js';

window.sightlineExistingCameras = function sightlineExistingCameras(map, options = {}) {
  const existing = addExistingCameras(map, options);
  if (!existing) return false;
  // A map whose clicks draw (the watch page) shows the cameras only.
  if (options.clicks === false) return true;
  map.on('click', (event) => answerClick(map, existing, event.latlng));
  pointerOverFeatures(map, existing);
  return true;
};
