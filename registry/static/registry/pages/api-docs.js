// Swagger UI renders some of its selects (a parameter's values, a response's
// examples) with no label, which a screen reader announces as "list box"
// and nothing more: each gets the name its row gives it, as it is drawn. Its
// code blocks scroll sideways, so each is made reachable by keyboard.
(() => {
  const root = document.getElementById("swagger-ui");
  if (!root) return;
  const nameOf = (select) => {
    const parameter = select.closest("tr[data-param-name]");
    if (parameter) {
      const place = parameter.dataset.paramIn ? ` (${parameter.dataset.paramIn})` : "";
      return `${parameter.dataset.paramName}${place}`;
    }
    const response = select.closest("tr[data-code]");
    if (response) return `Examples of the ${response.dataset.code} response`;
    return select.closest(".examples-select") ? "Examples" : "";
  };
  const label = () => {
    for (const select of root.querySelectorAll("select:not([aria-label])")) {
      if (select.labels.length || select.hasAttribute("aria-labelledby")) continue;
      const name = nameOf(select);
      if (name) select.setAttribute("aria-label", name);
    }
    for (const code of root.querySelectorAll(".highlight-code pre:not([tabindex])")) {
      code.tabIndex = 0;
    }
  };
  new MutationObserver(label).observe(root, { childList: true, subtree: true });
})();
