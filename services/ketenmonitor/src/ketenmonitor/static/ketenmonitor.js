// The ketenmonitor's only script. Three jobs:
// 1. Line charts: each [data-lijngrafiek] element draws the table it names as a line chart with
//    uPlot (served from npm beside this script): a point per row of the table, at its row
//    header; a line per column whose header has [data-reeks] (named by its value, or else by
//    the header's text); a cell's value is its
//    [data-waarde], and a cell without one (a hidden count, "afgeschermd", or "–") is a gap,
//    never a number; a table without a value gets no chart. The chart is hidden from screen
//    readers, which read the table.
// 2. Live: on every message of the server-sent-events stream (/v1/stream) the page fetches
//    itself again and swaps its figures ([data-live]) in place, without reloading, and says so
//    in a polite live region for screen readers.
// 3. The werkgroep's actions: forms marked [data-api-action] are posted as JSON to the alerts
//    API; on success the page reloads to show the new state and audit, else the problem's
//    detail is shown in the form's alert region.
"use strict";

// dark enough for 3:1 against white (WCAG 1.4.11), and told apart by their dashes too
const LINES = [
  { stroke: "#00466e", dash: [] },
  { stroke: "#b3470b", dash: [8, 4] },
  { stroke: "#2d6a1f", dash: [2, 3] },
  { stroke: "#6b2c91", dash: [12, 4, 2, 4] },
];
const CHART_HEIGHT = 260;

function lineChartData(table) {
  const columns = [...table.tHead.rows[0].cells];
  const series = columns.filter((cell) => cell.hasAttribute("data-reeks"));
  const rows = [...table.tBodies[0].rows].filter((row) => row.cells[0].scope === "row");
  const labels = rows.map((row) => row.cells[0].textContent.trim());
  const values = series.map((header) => {
    const column = columns.indexOf(header);
    return rows.map((row) => {
      const value = row.cells[column].dataset.waarde;
      return value === undefined ? null : Number(value);
    });
  });
  const names = series.map((header) => header.dataset.reeks || header.textContent.trim());
  return { labels, names, values };
}

function drawLineCharts(within) {
  if (!window.uPlot) return; // without npm ci's assets: the tables alone
  for (const place of within.querySelectorAll("[data-lijngrafiek]")) {
    const table = document.getElementById(place.dataset.lijngrafiek);
    if (!table) continue;
    const { labels, names, values } = lineChartData(table);
    // nothing to plot (no rows, or every count hidden): the table alone says it
    if (!values.flat().some((value) => value !== null)) continue;
    const step = Math.max(1, Math.ceil(labels.length / 8)); // at most 8 labels on the x-axis
    const dutch = (value) => value.toLocaleString("nl-NL");
    place.replaceChildren();
    new window.uPlot(
      {
        width: Math.max(place.clientWidth, 320),
        height: CHART_HEIGHT,
        scales: {
          x: { time: false, range: [-0.25, labels.length - 0.75] },
          y: { range: (chart, min, max) => [0, Math.max(max ?? 0, 1) * 1.1] },
        },
        axes: [
          {
            splits: () => labels.map((_, index) => index).filter((index) => index % step === 0),
            values: (chart, splits) => splits.map((index) => labels[index] ?? ""),
          },
          { values: (chart, splits) => splits.map(dutch) },
        ],
        legend: { live: false },
        cursor: { show: false },
        series: [
          {},
          ...names.map((name, index) => ({
            label: name,
            width: 2,
            points: { show: true, size: 6 },
            ...LINES[index % LINES.length],
          })),
        ],
      },
      [labels.map((_, index) => index), ...values],
      place,
    );
  }
}

drawLineCharts(document);

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
      drawLineCharts(region);
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
