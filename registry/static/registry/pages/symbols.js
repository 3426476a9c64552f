// How the pages' small maps draw a camera, matching the main map
// (registry/frontend/symbols.js): the colour of its kind, filled when
// verified, hollow when only reported, grey when removed.
(function () {
  'use strict';

  var KIND_COLOURS = {
    camera: '#1f5fa8',
    ALPR: '#b3261e',
    gunshot_detector: '#7a3db8',
    microphone: '#7a3db8',
    guard: '#0f7b6c',
    radar: '#8a5a00',
    bluetooth_detector: '#4b5563',
  };
  var UNKNOWN_KIND_COLOUR = '#374151';
  var REMOVED_COLOUR = '#6b7280';

  window.sightlineCameraStyle = function (kind, status, radius) {
    var colour = status === 'removed' ? REMOVED_COLOUR : KIND_COLOURS[kind] || UNKNOWN_KIND_COLOUR;
    var verified = status === 'verified' || status === 'removed';
    return {
      radius: radius,
      color: colour,
      weight: 2,
      opacity: 1,
      fillColor: verified ? colour : '#ffffff',
      fillOpacity: 1,
      dashArray: status === 'reported' ? '3 2' : null,
    };
  };
})();
