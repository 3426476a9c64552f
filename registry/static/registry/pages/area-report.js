// An area report's small map: the area's boundary and the cameras in and
// around it, drawn from the camera tiles as on the main map (build/
// existing-cameras.js), each opening a popup that links to the camera's
// page; without that script, the area's own cameras when there are few
// enough, as circles on one canvas. The tables of the report hold the same facts
// without the map. Also shows the report's print button, which needs script.
(function () {
  'use strict';

  var BOUNDARY_STYLE = {
    color: '#0b5cad',
    weight: 2,
    opacity: 1,
    fillColor: '#0b5cad',
    fillOpacity: 0.06,
    className: 'area-boundary',
    interactive: false,
  };

  function popup(feature, cameras) {
    var link = document.createElement('a');
    link.href = cameras.cameraUrl.replace('{id}', String(feature.id));
    var kind = cameras.kinds[feature.properties.kind] || cameras.kinds[''];
    link.textContent = kind + ' #' + feature.id;
    return link;
  }

  function drawCameras(map, cameras) {
    var renderer = L.canvas({ padding: 0.3 });
    L.geoJSON(cameras, {
      pointToLayer: function (feature, latlng) {
        var style = window.sightlineCameraStyle(feature.properties.kind, feature.properties.status, 5);
        style.renderer = renderer;
        return L.circleMarker(latlng, style);
      },
      onEachFeature: function (feature, marker) {
        marker.bindPopup(function () { return popup(feature, cameras); });
      },
    }).addTo(map);
  }

  window.sightlineAreaMap = function (map) {
    var data = JSON.parse(document.getElementById('area-map-data').textContent);
    var boundary = L.geoJSON(data.boundary, { style: BOUNDARY_STYLE }).addTo(map);
    var tiles = window.sightlineExistingCameras && window.sightlineExistingCameras(map);
    if (!tiles && data.cameras) {
      drawCameras(map, data.cameras);
    }
    map.fitBounds(boundary.getBounds(), { padding: [8, 8], maxZoom: 18, animate: false });
    map.getContainer().dataset.boundaryDrawn = 'true';
  };

  var printButton = document.querySelector('.print-button');
  if (printButton) {
    printButton.hidden = false;
    printButton.addEventListener('click', function () { window.print(); });
  }
})();
