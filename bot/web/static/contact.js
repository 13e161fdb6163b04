// The contact page's "Open the assistant" button: it presses the chat widget's launcher
// (the Help button), so the widget keeps its own state. A separate file: the page's CSP
// allows no inline script.
(function () {
  "use strict";
  function wire() {
    const button = document.querySelector("[data-open-chat]");
    const launcher = document.querySelector(".hb-launcher");
    if (!button || !launcher) return false;
    button.hidden = false;
    button.addEventListener("click", () => {
      if (!launcher.hidden) launcher.click();
      const input = document.querySelector(".hb-panel textarea, .hb-panel input");
      if (input) input.focus();
    });
    return true;
  }
  // widget.js builds the launcher after DOMContentLoaded; wait for it briefly.
  document.addEventListener("DOMContentLoaded", () => {
    let tries = 0;
    const timer = setInterval(() => {
      if (wire() || ++tries > 40) clearInterval(timer);
    }, 50);
  });
})();
