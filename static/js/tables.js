// Wide tables sit in a .table-wrap that scrolls sideways on a narrow screen. Such a scroll area must be
// reachable by keyboard (WCAG 2.1.1; axe: scrollable-region-focusable): each wrapper becomes a focusable,
// named region, named by its table's caption. Wrappers that already carry their own attributes are left alone.
(function () {
  "use strict";
  var wraps = document.querySelectorAll(".table-wrap:not([tabindex])");
  for (var i = 0; i < wraps.length; i++) {
    var wrap = wraps[i];
    var caption = wrap.querySelector("caption");
    wrap.setAttribute("tabindex", "0");
    wrap.setAttribute("role", "region");
    if (caption) {
      if (!caption.id) caption.id = "table-caption-" + (i + 1);
      wrap.setAttribute("aria-labelledby", caption.id);
    } else {
      wrap.setAttribute("aria-label", "Tabel");
    }
  }
})();
