// The page saying how far a report's PDF has got checks again every few
// seconds (its data-refresh-seconds) without reloading itself, which would
// take a reader's place and focus away every time: it asks for the same
// address and loads it only once the answer is no longer 202 Accepted,
// that is the PDF itself (a download: the page stays) or the page saying
// that it failed.
(() => {
  const status = document.querySelector("[data-refresh-seconds]");
  if (!status) return;
  const delay = Number(status.dataset.refreshSeconds) * 1000;
  const check = async () => {
    try {
      const response = await fetch(window.location.pathname, {
        method: "HEAD",
        cache: "no-store",
      });
      if (response.status !== 202) {
        window.location.assign(window.location.pathname);
        return;
      }
    } catch {
      // The server out of reach for a moment: asked again at the next turn.
    }
    window.setTimeout(check, delay);
  };
  window.setTimeout(check, delay);
})();
