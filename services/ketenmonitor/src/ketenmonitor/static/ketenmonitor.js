// The ketenmonitor's only script. Two jobs:
// 1. Live: on every message of the server-sent-events stream (/v1/stream) the page fetches
//    itself again and swaps its figures ([data-live]) in place, without reloading, and says so
//    in a polite live region for screen readers.
// 2. The werkgroep's actions: forms marked [data-api-action] are posted as JSON to the alerts
//    API; on success the page reloads to show the new state and audit, else the problem's
//    detail is shown in the form's alert region.
"use strict";

(function live() {
  const region = document.querySelector("[data-live]");
  if (!region || !window.EventSource) return;
  const status = document.getElementById("live-status");
  const stream = new EventSource("/v1/stream");
  let pending = null;
  let refreshing = false;

  async function refresh() {
    if (refreshing) return void (pending = setTimeout(refresh, 250));
    refreshing = true;
    try {
      const response = await fetch(window.location.href, { headers: { Accept: "text/html" } });
      if (!response.ok) return;
      const page = new DOMParser().parseFromString(await response.text(), "text/html");
      const fresh = page.querySelector("[data-live]");
      if (!fresh) return;
      region.innerHTML = fresh.innerHTML;
      region.dataset.refreshed = String(Number(region.dataset.refreshed || 0) + 1);
      const time = new Date().toLocaleTimeString("nl-NL");
      if (status) status.textContent = `Bijgewerkt om ${time}.`;
    } finally {
      refreshing = false;
    }
  }

  function soon() {
    // a burst of messages (a batch per partition) becomes one refresh
    clearTimeout(pending);
    pending = setTimeout(refresh, 300);
  }

  for (const name of ["figures-changed", "alert-raised", "alert-resolved"]) {
    stream.addEventListener(name, soon);
  }
  stream.addEventListener("open", () => document.documentElement.setAttribute("data-live-open", ""));
})();

(function actions() {
  for (const form of document.querySelectorAll("form[data-api-action]")) {
    form.addEventListener("submit", async (submitted) => {
      submitted.preventDefault();
      const error = document.getElementById("actie-fout");
      const body = {};
      for (const [name, value] of new FormData(form)) {
        if (String(value).trim() !== "") body[name] = value;
      }
      const response = await fetch(form.action, {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: JSON.stringify(body),
      });
      if (response.ok) {
        window.location.reload();
        return;
      }
      let detail = `De actie is niet gelukt (${response.status}).`;
      try {
        detail = (await response.json()).detail || detail;
      } catch (unreadable) {
        // not problem+json: keep the general message
      }
      if (error) error.textContent = detail;
    });
  }
})();
