// The existing cameras on the pages whose maps are plain scripts (an area's
// report, a moderation item): window.sightlineExistingCameras(map) draws
// them (existingCameras.js), a click on one opens its popup with a link to
// its page, and on a cluster zooms in. Returns whether it drew them.

import { addExistingCameras, answerClick, pointerOverFeatures } from './existingCameras.js';

window.sightlineExistingCameras = function sightlineExistingCameras(map) {
  const existing = addExistingCameras(map, { zIndex: 350 });
  if (!existing) return false;
  map.on('click', (event) => answerClick(map, existing, event.latlng));
  pointerOverFeatures(map, existing);
  return true;
};
