// The camera page's small map: the camera and its field-of-view cones,
// which the server computed (registry/cones.py) and embedded in the page.
// django-leaflet calls this once the map exists.
(function () {
  'use strict';

  var CONE_STYLE = { color: '#1f5fa8', weight: 1, opacity: 0.7, fillOpacity: 0.18, interactive: false };

  window.sightlineCameraMap = function (map) {
    var data = JSON.parse(document.getElementById('camera-map-data').textContent);
    var position = L.latLng(data.latitude, data.longitude);
    var cones = L.geoJSON(data.fieldOfView, { style: CONE_STYLE }).addTo(map);
    var style = window.sightlineCameraStyle(data.kind, data.status, 7);
    style.interactive = false;
    L.circleMarker(position, style).addTo(map);
    if (cones.getLayers().length) {
      map.fitBounds(cones.getBounds().extend(position).pad(0.25), { maxZoom: 19, animate: false });
    } else {
      map.setView(position, 18, { animate: false });
    }
  };
})();
