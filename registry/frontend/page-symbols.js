// How the pages' small maps (camera, vendor and operator pages) style a
// camera as a Leaflet circle marker, from the main map's palette: the colour
// of its kind, filled when verified, hollow and dashed when only reported,
// grey when removed.

import { kindStyle, REMOVED_COLOR } from './symbols.js';

window.sightlineCameraStyle = function sightlineCameraStyle(kind, status, radius) {
  const colour = status === 'removed' ? REMOVED_COLOR : kindStyle(kind).color;
  const filled = status === 'verified' || status === 'removed';
  return {
    radius,
    color: colour,
    weight: 2,
    opacity: 1,
    fillColor: filled ? colour : '#ffffff',
    fillOpacity: 1,
    dashArray: status === 'reported' ? '3 2' : null,
  };
};
