// Country codes (ISO 3166-1 alpha-2) written as the country's name in the
// page's language, by the browser's own Intl data: no list to ship. Without
// JavaScript, or in a browser without Intl.DisplayNames, the code stays.
(function () {
  'use strict';

  if (typeof Intl === 'undefined' || typeof Intl.DisplayNames !== 'function') return;
  var names;
  try {
    names = new Intl.DisplayNames([document.documentElement.lang || 'en'], { type: 'region' });
  } catch (error) {
    return;
  }
  var elements = document.querySelectorAll('[data-country]');
  for (var i = 0; i < elements.length; i += 1) {
    var code = elements[i].getAttribute('data-country');
    var name;
    try {
      name = names.of(code);
    } catch (error) {
      continue;
    }
    if (name && name !== code) {
      elements[i].textContent = name + ' (' + code + ')';
    }
  }
})();
