// Per-epoch charts drawn with the vendored Chart.js (window.Chart, loaded by a classic <script> tag).
import { chartGroups, seriesValue } from "./format.js";

const COLORS = ["#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2"];

export class ChartBoard {
  constructor(container) {
    this.container = container;
    this.charts = new Map();
  }

  _make(group) {
    const box = document.createElement("div");
    box.className = "chart-card";
    box.innerHTML = `<h3 class="muted chart-title"></h3><div class="chart"><canvas></canvas></div>`;
    box.querySelector("h3").textContent = group.title;
    const canvas = box.querySelector("canvas");
    canvas.id = `chart-${group.id}`;
    canvas.setAttribute("role", "img");
    canvas.setAttribute("aria-label", group.title);
    this.container.appendChild(box);
    const chart = new window.Chart(canvas, {
      type: "line",
      data: { labels: [], datasets: group.series.map((s, i) => ({
        label: s.label, data: [], borderColor: COLORS[i % COLORS.length], backgroundColor: COLORS[i % COLORS.length],
        pointRadius: 2, borderWidth: 2, tension: 0.15, spanGaps: true })) },
      options: {
        animation: false, responsive: true, maintainAspectRatio: false,
        interaction: { mode: "index", intersect: false },
        scales: { x: { title: { display: true, text: "epoch" } }, y: { beginAtZero: true } },
        plugins: { legend: { display: group.series.length > 1, labels: { boxWidth: 12 } } },
      },
    });
    this.charts.set(group.id, { chart, group });
  }

  update(rows) {
    for (const group of chartGroups(rows)) {
      if (!this.charts.has(group.id)) this._make(group);
    }
    const labels = rows.map((r) => r.epoch);
    for (const { chart, group } of this.charts.values()) {
      chart.data.labels = labels;
      group.series.forEach((s, i) => { chart.data.datasets[i].data = rows.map((r) => seriesValue(r, s.key)); });
      chart.update("none");
    }
  }

  reset() {
    for (const { chart } of this.charts.values()) chart.destroy();
    this.charts.clear();
    this.container.replaceChildren();
  }
}
