// A vendor's or operator's small map: its cameras as circles on one canvas
// (a few thousand at most; the page links to the main map beyond that).
// Each circle opens a popup linking to the camera's page; the list linked
// beside the map holds the same cameras for keyboards and screen readers.
(function () {
  'use strict';

  function popup(feature, points) {
    var link = document.createElement('a');
    link.href = points.cameraUrl.replace('{id}', String(feature.id));
    var kind = points.kinds[feature.properties.kind] || points.kinds[''];
    link.textContent = kind + ' #' + feature.id;
    return link;
  }

  window.sightlineOrganisationMap = function (map) {
    var points = JSON.parse(document.getElementById('organisation-map-data').textContent);
    var renderer = L.canvas({ padding: 0.3 });
    var layer = L.geoJSON(points, {
      pointToLayer: function (feature, latlng) {
        var style = window.sightlineCameraStyle(feature.properties.kind, feature.properties.status, 5);
        style.renderer = renderer;
        return L.circleMarker(latlng, style);
      },
      onEachFeature: function (feature, marker) {
        marker.bindPopup(function () { return popup(feature, points); });
      },
    }).addTo(map);
    if (layer.getLayers().length) {
      map.fitBounds(layer.getBounds().pad(0.1), { maxZoom: 17, animate: false });
    }
  };
})();
