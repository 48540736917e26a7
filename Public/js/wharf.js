// Wharf's only script: progressive enhancement. Every page works without it.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  // Buttons and forms marked data-confirm ask before doing something destructive.
  document.addEventListener("submit", (event) => {
    const form = event.target;
    const message = form.getAttribute("data-confirm");
    if (message && !window.confirm(message)) event.preventDefault();
  });
});
