// Field-of-view cones as geographic shapes (lists of [lat, lon]), so that
// they keep their true size while zooming. The numbers (view angles, ranges)
// come from the server (registry/cones.py) through the page's configuration:
// the camera page and the map draw the same cones.

const EARTH_RADIUS = 6371008.8; // metres, mean radius
const ARC_STEP = 6; // degrees between points of a cone's arc

function toRadians(degrees) {
  return (degrees * Math.PI) / 180;
}

// The point `metres` away from (lat, lon) on bearing `bearing` (degrees).
export function destination(lat, lon, bearing, metres) {
  const angular = metres / EARTH_RADIUS;
  const theta = toRadians(bearing);
  const phi1 = toRadians(lat);
  const lambda1 = toRadians(lon);
  const phi2 = Math.asin(
    Math.sin(phi1) * Math.cos(angular) + Math.cos(phi1) * Math.sin(angular) * Math.cos(theta),
  );
  const lambda2 =
    lambda1 +
    Math.atan2(
      Math.sin(theta) * Math.sin(angular) * Math.cos(phi1),
      Math.cos(angular) - Math.sin(phi1) * Math.sin(phi2),
    );
  return [(phi2 * 180) / Math.PI, (((lambda2 * 180) / Math.PI + 540) % 360) - 180];
}

function arc(lat, lon, from, to, metres) {
  const points = [];
  const steps = Math.max(2, Math.ceil((to - from) / ARC_STEP));
  for (let i = 0; i <= steps; i += 1) {
    points.push(destination(lat, lon, from + ((to - from) * i) / steps, metres));
  }
  return points;
}

// Polygons (each a list of [lat, lon]) covering what `camera` can see:
// a wedge per direction, or a circle for a dome or panning camera with no
// direction. `shape` is registry/cones.py's answer for this camera:
// {angle, range, circle}.
export function conePolygons(lat, lon, directions, shape) {
  if (!shape || !(shape.range > 0)) return [];
  if (!directions.length) {
    return shape.circle ? [arc(lat, lon, 0, 360, shape.range)] : [];
  }
  if (shape.angle >= 360) return [arc(lat, lon, 0, 360, shape.range)];
  return directions.map((direction) => [
    [lat, lon],
    ...arc(lat, lon, direction - shape.angle / 2, direction + shape.angle / 2, shape.range),
  ]);
}

// {angle, range, circle} for a camera from the defaults table the server
// sends (registry/cones.py's numbers): the view angle by camera type, the
// ground range from height and tilt where both are known, else by kind.
export function coneShape(camera, table) {
  const angle = table.angles[camera.camera_type] ?? table.angle_default;
  let range = table.ranges[camera.kind] ?? table.range_default;
  if (camera.height > 0 && camera.tilt > 0) {
    const ground = camera.height / Math.tan(toRadians(camera.tilt));
    range = Math.min(table.range_max, Math.max(table.range_min, ground));
  }
  return { angle, range, circle: table.circle_types.includes(camera.camera_type) };
}
