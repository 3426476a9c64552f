// Sightline's proof of work in the browser (the ALTCHA scheme with SHA-256;
// registry/proof_of_work.py describes it): fetch a challenge from Sightline,
// find the number whose hash matches with the browser's own SubtleCrypto,
// and send it, base64 JSON, in the form's hidden `altcha` field. No third
// party is involved and nothing about the visitor is sent.
//
// A form marked data-proof-of-work is checked this way before it is sent,
// unless the visitor is signed in (data-signed-in). Where the browser cannot
// do it (no SubtleCrypto outside HTTPS, a network error), the form goes
// without it and the server treats it as it treats a browser without
// JavaScript.

// Digests computed concurrently between two checks for the answer.
const BATCH = 500;
// A solution this close to its challenge's expiry is solved anew.
const EXPIRY_MARGIN_MS = 30000;
const encoder = new TextEncoder();

function hexBytes(hex) {
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i += 1) {
    bytes[i] = parseInt(hex.substr(i * 2, 2), 16);
  }
  return bytes;
}

function sameBytes(buffer, target) {
  const bytes = new Uint8Array(buffer);
  if (bytes.length !== target.length) return false;
  for (let i = 0; i < bytes.length; i += 1) {
    if (bytes[i] !== target[i]) return false;
  }
  return true;
}

// The number n in 0..maxnumber whose SHA-256(salt + n) is the challenge,
// or null when the browser has no SubtleCrypto or no number fits.
export async function solve(challenge) {
  const subtle = window.crypto && window.crypto.subtle;
  if (!subtle) return null;
  const target = hexBytes(challenge.challenge);
  for (let start = 0; start <= challenge.maxnumber; start += BATCH) {
    const end = Math.min(start + BATCH - 1, challenge.maxnumber);
    const digests = [];
    for (let n = start; n <= end; n += 1) {
      digests.push(subtle.digest('SHA-256', encoder.encode(`${challenge.salt}${n}`)));
    }
    // eslint-disable-next-line no-await-in-loop
    const results = await Promise.all(digests);
    for (let i = 0; i < results.length; i += 1) {
      if (sameBytes(results[i], target)) return start + i;
    }
  }
  return null;
}

export function encode(challenge, number) {
  const solution = {
    algorithm: challenge.algorithm,
    challenge: challenge.challenge,
    number,
    salt: challenge.salt,
    signature: challenge.signature,
  };
  // Only hex digits, digits and ASCII punctuation: btoa takes it as it is.
  return window.btoa(JSON.stringify(solution));
}

function expiresAt(salt) {
  const match = /[?&]expires=(\d+)/.exec(salt);
  return match ? Number(match[1]) * 1000 : Infinity;
}

export async function fetchAndSolve(url) {
  const response = await fetch(url, {
    credentials: 'same-origin',
    cache: 'no-store',
    headers: { Accept: 'application/json' },
  });
  if (!response.ok) throw new Error(`challenge: HTTP ${response.status}`);
  const challenge = await response.json();
  const number = await solve(challenge);
  if (number === null) throw new Error('no solution');
  return { payload: encode(challenge, number), expires: expiresAt(challenge.salt) };
}

function statusFor(form) {
  const inside = form.querySelector('[data-proof-status]');
  if (inside) return inside;
  const around = form.closest('section, main');
  return around ? around.querySelector('[data-proof-status]') : null;
}

function announce(element, text) {
  if (element && text) element.textContent = text;
}

// Solves the proof before the form is sent; with `early`, starts at once so
// that it is ready by the time the visitor has filled the form in.
export function protectForm(form, { early = false } = {}) {
  if (form.hasAttribute('data-signed-in')) return;
  const input = form.querySelector('input[name="altcha"]');
  if (!input) return;
  const status = statusFor(form);
  let pending = null;
  const start = () => {
    if (!pending) {
      pending = fetchAndSolve(form.dataset.challengeUrl).catch((error) => {
        pending = null;
        throw error;
      });
    }
    return pending;
  };
  if (early) start().catch(() => {});

  // Coming back to the page from the history: that proof may have been used.
  window.addEventListener('pageshow', (event) => {
    if (!event.persisted) return;
    input.value = '';
    pending = null;
    delete form.dataset.sending;
    form.removeAttribute('aria-busy');
  });

  form.addEventListener('submit', async (event) => {
    if (input.value) return;
    event.preventDefault();
    if (form.dataset.sending) return;
    form.dataset.sending = 'yes';
    form.setAttribute('aria-busy', 'true');
    announce(status, form.dataset.checking);
    try {
      let solution = await start();
      if (solution.expires - Date.now() < EXPIRY_MARGIN_MS) {
        pending = null;
        solution = await start();
      }
      input.value = solution.payload;
      announce(status, form.dataset.done);
    } catch (error) {
      announce(status, form.dataset.failed);
    }
    HTMLFormElement.prototype.submit.call(form);
  });
}

export function focusErrorSummary() {
  const summary = document.getElementById('error-summary');
  if (summary) summary.focus();
}
