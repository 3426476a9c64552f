// How each camera and cluster is drawn on a canvas: a shape and colour per
// kind (so kinds differ by more than colour), and a look per status.
// The legend draws with the same functions, so it always matches the map.

export const KIND_STYLES = {
  camera: { shape: 'circle', color: '#1f5fa8' },
  ALPR: { shape: 'square', color: '#b3261e' },
  gunshot_detector: { shape: 'triangle', color: '#7a3db8' },
  microphone: { shape: 'triangle', color: '#7a3db8' },
  guard: { shape: 'diamond', color: '#0f7b6c' },
  radar: { shape: 'hexagon', color: '#8a5a00' },
  bluetooth_detector: { shape: 'hexagon', color: '#4b5563' },
  '': { shape: 'circle', color: '#374151' },
};
export const REMOVED_COLOR = '#6b7280';

export function kindStyle(kind) {
  return KIND_STYLES[kind] || KIND_STYLES[''];
}

function tracePolygon(ctx, x, y, radius, sides, rotation) {
  ctx.beginPath();
  for (let i = 0; i < sides; i += 1) {
    const angle = rotation + (i * 2 * Math.PI) / sides;
    const px = x + radius * Math.cos(angle);
    const py = y + radius * Math.sin(angle);
    if (i === 0) ctx.moveTo(px, py);
    else ctx.lineTo(px, py);
  }
  ctx.closePath();
}

function traceShape(ctx, shape, x, y, r) {
  switch (shape) {
    case 'square':
      ctx.beginPath();
      ctx.rect(x - r * 0.85, y - r * 0.85, r * 1.7, r * 1.7);
      break;
    case 'triangle':
      tracePolygon(ctx, x, y + r * 0.15, r * 1.15, 3, -Math.PI / 2);
      break;
    case 'diamond':
      tracePolygon(ctx, x, y, r * 1.15, 4, 0);
      break;
    case 'hexagon':
      tracePolygon(ctx, x, y, r * 1.05, 6, 0);
      break;
    default:
      ctx.beginPath();
      ctx.arc(x, y, r, 0, 2 * Math.PI);
  }
}

// Short strokes pointing where the camera looks (degrees clockwise from north).
function drawDirections(ctx, x, y, r, directions, color) {
  ctx.save();
  ctx.strokeStyle = color;
  ctx.lineWidth = 2;
  for (const degrees of directions) {
    const radians = (degrees * Math.PI) / 180;
    const dx = Math.sin(radians);
    const dy = -Math.cos(radians);
    ctx.beginPath();
    ctx.moveTo(x + dx * r, y + dy * r);
    ctx.lineTo(x + dx * (r + 7), y + dy * (r + 7));
    ctx.stroke();
  }
  ctx.restore();
}

// camera: {kind, status, stale, directions}
export function drawCamera(ctx, camera, x, y, radius = 6) {
  const style = kindStyle(camera.kind);
  const removed = camera.status === 'removed';
  const color = removed ? REMOVED_COLOR : style.color;
  ctx.save();
  ctx.globalAlpha = camera.stale && !removed ? 0.55 : 1;
  if (camera.directions && camera.directions.length) {
    drawDirections(ctx, x, y, radius, camera.directions, color);
  }
  traceShape(ctx, style.shape, x, y, radius);
  if (camera.status === 'reported') {
    // Unverified: white inside, coloured dashed outline.
    ctx.fillStyle = '#ffffff';
    ctx.fill();
    ctx.setLineDash([3, 2]);
    ctx.lineWidth = 2.5;
    ctx.strokeStyle = color;
    ctx.stroke();
  } else {
    ctx.fillStyle = color;
    ctx.fill();
    ctx.lineWidth = 1.5;
    ctx.strokeStyle = '#ffffff';
    ctx.stroke();
  }
  if (removed) {
    // A cross: gone, kept on record.
    ctx.setLineDash([]);
    ctx.strokeStyle = '#ffffff';
    ctx.lineWidth = 2;
    ctx.beginPath();
    ctx.moveTo(x - radius * 0.55, y - radius * 0.55);
    ctx.lineTo(x + radius * 0.55, y + radius * 0.55);
    ctx.moveTo(x + radius * 0.55, y - radius * 0.55);
    ctx.lineTo(x - radius * 0.55, y + radius * 0.55);
    ctx.stroke();
  }
  if (camera.stale && !removed) {
    // Stale: a grey ring around, besides the faded colour.
    ctx.globalAlpha = 1;
    ctx.setLineDash([]);
    ctx.strokeStyle = '#6b7280';
    ctx.lineWidth = 1;
    traceShape(ctx, style.shape, x, y, radius + 2.5);
    ctx.stroke();
  }
  ctx.restore();
}

export function clusterRadius(count) {
  return Math.min(28, 11 + 4 * Math.log10(Math.max(count, 1)));
}

export function formatCount(count, language) {
  if (count < 10000) return new Intl.NumberFormat(language).format(count);
  return new Intl.NumberFormat(language, { notation: 'compact', maximumFractionDigits: 1 }).format(
    count,
  );
}

// The widest a bubble may be: tiles' canvases reach 32 px past their edge.
export const MAX_CLUSTER_RADIUS = 30;
const LABEL_MARGIN = 4;
let measuring = null;

// A cluster bubble's label, its font and its radius: the radius grows from
// clusterRadius(count) if the label would not fit inside it (a long count,
// or a wordy compact number such as "12,3 mil"), and the font shrinks if
// even the widest bubble is too narrow.
export function clusterSymbol(count, language) {
  const text = formatCount(count, language);
  let radius = clusterRadius(count);
  let size = radius > 16 ? 12 : 11;
  if (!measuring) measuring = document.createElement('canvas').getContext('2d');
  const width = (px) => {
    measuring.font = `600 ${px}px system-ui, sans-serif`;
    return measuring.measureText(text).width;
  };
  radius = Math.max(radius, width(size) / 2 + LABEL_MARGIN);
  while (radius > MAX_CLUSTER_RADIUS && size > 8) {
    size -= 1;
    radius = Math.max(clusterRadius(count), width(size) / 2 + LABEL_MARGIN);
  }
  return { text, radius: Math.min(radius, MAX_CLUSTER_RADIUS), font: `600 ${size}px system-ui, sans-serif` };
}

export function drawCluster(ctx, count, x, y, language) {
  const { text, radius, font } = clusterSymbol(count, language);
  ctx.save();
  ctx.beginPath();
  ctx.arc(x, y, radius, 0, 2 * Math.PI);
  ctx.fillStyle = 'rgba(20, 33, 61, 0.86)';
  ctx.fill();
  ctx.lineWidth = 2;
  ctx.strokeStyle = '#ffffff';
  ctx.stroke();
  ctx.fillStyle = '#ffffff';
  ctx.font = font;
  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';
  ctx.fillText(text, x, y + 0.5);
  ctx.restore();
}

// A small canvas showing one symbol, for the legend.
export function symbolCanvas(draw, size = 26) {
  const ratio = window.devicePixelRatio || 1;
  const canvas = document.createElement('canvas');
  canvas.width = size * ratio;
  canvas.height = size * ratio;
  canvas.style.width = `${size}px`;
  canvas.style.height = `${size}px`;
  canvas.setAttribute('aria-hidden', 'true');
  const ctx = canvas.getContext('2d');
  ctx.scale(ratio, ratio);
  draw(ctx, size / 2, size / 2);
  return canvas;
}
