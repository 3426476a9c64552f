// The "Embed this map" snippets: a Copy button (with script only: without
// it the code is selected by hand), and on the map page the snippet follows
// the filters and the view the reader has when they open it.
(function () {
  'use strict';

  function follow(snippet, field) {
    var code = field.value;
    var match = code.match(/src="([^"]*)"/);
    if (!match) return;
    var source = new URL(match[1].replace(/&amp;/g, '&'));
    source.search = window.location.search;
    source.hash = window.location.hash;
    field.value = code.replace(match[1], source.toString().replace(/&/g, '&amp;'));
  }

  document.querySelectorAll('.embed-snippet').forEach(function (snippet) {
    var button = snippet.querySelector('.embed-copy');
    var field = document.getElementById(button.getAttribute('data-copies'));
    var status = snippet.querySelector('.embed-copied');
    if (snippet.hasAttribute('data-follow-location')) {
      snippet.addEventListener('toggle', function () {
        if (snippet.open) follow(snippet, field);
      });
    }
    button.hidden = false;
    button.addEventListener('click', function () {
      field.select();
      var done = function () { status.textContent = status.getAttribute('data-copied'); };
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(field.value).then(done, function () { document.execCommand('copy'); done(); });
      } else {
        document.execCommand('copy');
        done();
      }
    });
  });
})();
