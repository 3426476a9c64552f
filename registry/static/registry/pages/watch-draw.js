// The watch page's drawing map: click or tap to place the points of an area
// (a polygon) or a route; the form's GeoJSON fields fill in as one draws,
// so the server reads exactly what a pasted GeoJSON would give. The cameras
// already recorded are drawn underneath (build/existing-cameras.js).
(function () {
  'use strict';

  var DIGITS = 6; // about 10 cm: more than a drawn point means

  function round(value) {
    var factor = Math.pow(10, DIGITS);
    return Math.round(value * factor) / factor;
  }

  window.sightlineWatchMap = function (map) {
    var view = JSON.parse(document.getElementById('watch-map-view').textContent);
    var panel = document.getElementById('watch-draw');
    var polygonField = document.getElementById('id_polygon');
    var routeField = document.getElementById('id_route');
    var status = document.getElementById('watch-points');
    var points = [];
    var shape = null;

    panel.hidden = false;
    map.invalidateSize();
    map.setView([view[0], view[1]], view[2]);
    if (window.sightlineExistingCameras) window.sightlineExistingCameras(map, { zIndex: 350, clicks: false });

    function mode() {
      var checked = panel.querySelector('input[name="draw-mode"]:checked');
      return checked ? checked.value : 'polygon';
    }

    function redraw() {
      if (shape) map.removeLayer(shape);
      shape = null;
      var latlngs = points.map(function (point) { return [point[1], point[0]]; });
      if (mode() === 'polygon') {
        if (latlngs.length) shape = L.polygon(latlngs, { color: '#0b5cad', weight: 3 }).addTo(map);
        polygonField.value = points.length >= 3
          ? JSON.stringify({ type: 'Polygon', coordinates: [points.concat([points[0]])] })
          : '';
        routeField.value = '';
      } else {
        if (latlngs.length) shape = L.polyline(latlngs, { color: '#b3261e', weight: 4 }).addTo(map);
        routeField.value = points.length >= 2
          ? JSON.stringify({ type: 'LineString', coordinates: points })
          : '';
        polygonField.value = '';
      }
      status.textContent = status.getAttribute('data-label') + ' ' + points.length;
      map.getContainer().dataset.points = String(points.length);
    }

    map.on('click', function (event) {
      var at = event.latlng.wrap();
      points.push([round(at.lng), round(at.lat)]);
      redraw();
    });
    document.getElementById('watch-undo').addEventListener('click', function () {
      points.pop();
      redraw();
    });
    document.getElementById('watch-clear').addEventListener('click', function () {
      points = [];
      redraw();
    });
    panel.querySelectorAll('input[name="draw-mode"]').forEach(function (radio) {
      radio.addEventListener('change', redraw);
    });
    redraw();
  };
})();
