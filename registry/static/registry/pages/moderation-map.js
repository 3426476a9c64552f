// The moderation item's small map: the camera under review with its cones
// (drawn by camera-map.js), the public cameras near it, each linking to its
// page, and a proposed new position when an edit suggests one. The cameras
// around are drawn from the camera tiles as on the main map (build/
// existing-cameras.js), so those beyond the listed ones show too; the
// listed ones are drawn as circles only without that script. The table
// beside the map lists the same cameras for keyboards and screen readers.
(function () {
  'use strict';

  var PROPOSED_STYLE = { radius: 9, color: '#7a3db8', weight: 2, dashArray: '4 3', fill: false };

  function popup(camera, data) {
    var link = document.createElement('a');
    link.href = data.cameraUrl.replace('{id}', String(camera.id));
    link.textContent = camera.label;
    return link;
  }

  window.sightlineModerationMap = function (map) {
    // Under the overlays: the camera under review stays on top.
    var tiles = window.sightlineExistingCameras && window.sightlineExistingCameras(map, { zIndex: 350 });
    window.sightlineCameraMap(map);
    var camera = JSON.parse(document.getElementById('camera-map-data').textContent);
    var data = JSON.parse(document.getElementById('moderation-map-data').textContent);
    var bounds = L.latLngBounds([[camera.latitude, camera.longitude]]);
    var cones = L.geoJSON(camera.fieldOfView);
    if (cones.getLayers().length) bounds.extend(cones.getBounds());
    data.nearby.forEach(function (other) {
      var position = L.latLng(other.latitude, other.longitude);
      if (!tiles) {
        var marker = L.circleMarker(position, window.sightlineCameraStyle(other.kind, other.status, 5));
        marker.bindPopup(function () { return popup(other, data); });
        marker.addTo(map);
      }
      bounds.extend(position);
    });
    if (data.proposed) {
      var proposed = L.latLng(data.proposed[1], data.proposed[0]);
      L.circleMarker(proposed, PROPOSED_STYLE).bindTooltip(data.proposedLabel).addTo(map);
      bounds.extend(proposed);
    }
    if (data.nearby.length || data.proposed) {
      map.fitBounds(bounds.pad(0.2), { maxZoom: 19, animate: false });
    }
    map.getContainer().dataset.nearby = String(data.nearby.length);
    map.getContainer().dataset.drawn = 'true';
  };
})();
