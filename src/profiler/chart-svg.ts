// The profile chart as a standalone SVG: throughput against p99 per point, the Pareto front, the SLO and the pick.

import type { ProfileReport } from '../core/profile-report.js';

const W = 720;
const H = 440;
const M = { left: 70, right: 20, top: 30, bottom: 50 };

function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function niceMax(v: number): number {
  if (!(v > 0)) return 1;
  const e = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * e >= v) return m * e;
  return 10 * e;
}

/** Every element carries a class (point, front, slo, recommended) so tests and stylesheets can find it. */
export function profileChartSvg(report: ProfileReport): string {
  const pts = report.points;
  const xMax = niceMax(Math.max(report.settings.sloP99Ms, ...pts.map((p) => p.p99Ms)) * 1.05);
  const yMax = niceMax(Math.max(1, ...pts.map((p) => p.throughput)) * 1.05);
  const x = (ms: number): number => M.left + (ms / xMax) * (W - M.left - M.right);
  const y = (rps: number): number => H - M.bottom - (rps / yMax) * (H - M.top - M.bottom);
  const n = (v: number): string => v.toFixed(1);
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`);
  parts.push(`<title>${esc(`${report.model}: throughput vs p99 on ${report.host.cores} cores`)}</title>`);
  parts.push(`<rect x="0" y="0" width="${W}" height="${H}" fill="white"/>`);
  // Axes and ticks.
  parts.push(`<line class="axis" x1="${M.left}" y1="${H - M.bottom}" x2="${W - M.right}" y2="${H - M.bottom}" stroke="black"/>`);
  parts.push(`<line class="axis" x1="${M.left}" y1="${M.top}" x2="${M.left}" y2="${H - M.bottom}" stroke="black"/>`);
  for (let i = 0; i <= 5; i++) {
    const xv = (xMax * i) / 5;
    const yv = (yMax * i) / 5;
    parts.push(`<text x="${n(x(xv))}" y="${H - M.bottom + 16}" text-anchor="middle">${esc(String(+xv.toPrecision(3)))}</text>`);
    parts.push(`<text x="${M.left - 6}" y="${n(y(yv) + 4)}" text-anchor="end">${esc(String(+yv.toPrecision(3)))}</text>`);
  }
  parts.push(`<text x="${(W + M.left) / 2}" y="${H - 12}" text-anchor="middle">p99 latency (ms)</text>`);
  parts.push(`<text x="16" y="${H / 2}" text-anchor="middle" transform="rotate(-90 16 ${H / 2})">throughput (inferences/s)</text>`);
  // SLO line.
  const sx = n(x(report.settings.sloP99Ms));
  parts.push(`<line class="slo" x1="${sx}" y1="${M.top}" x2="${sx}" y2="${H - M.bottom}" stroke="#c00" stroke-dasharray="6 4"/>`);
  parts.push(`<text class="slo" x="${sx}" y="${M.top - 8}" text-anchor="middle" fill="#c00">SLO p99 ${esc(String(report.settings.sloP99Ms))} ms</text>`);
  // Front as a polyline, then every point.
  const front = report.pareto.map((i) => pts[i]!);
  if (front.length > 0) {
    parts.push(`<polyline class="front" fill="none" stroke="#06c" stroke-width="2" points="${front.map((p) => `${n(x(p.p99Ms))},${n(y(p.throughput))}`).join(' ')}"/>`);
  }
  const onFront = new Set(report.pareto);
  pts.forEach((p, i) => {
    const label = `${p.config.instances}i×${p.config.intraOpThreads}t${p.config.busyIntraOpThreads ? `/${p.config.busyIntraOpThreads}` : ''} b${p.config.maxBatchSize} d${p.config.maxQueueDelayMicros}µs c${p.concurrency}: ${p.throughput.toFixed(0)}/s p99 ${p.p99Ms.toFixed(2)} ms`;
    const cls = onFront.has(i) ? 'point front-point' : 'point';
    parts.push(`<circle class="${cls}" cx="${n(x(p.p99Ms))}" cy="${n(y(p.throughput))}" r="${onFront.has(i) ? 5 : 3}" fill="${onFront.has(i) ? '#06c' : '#999'}"><title>${esc(label)}</title></circle>`);
  });
  const pick = report.recommended ?? report.closest;
  if (pick) {
    const px = n(x(pick.point.p99Ms));
    const py = n(y(pick.point.throughput));
    parts.push(`<circle class="recommended" cx="${px}" cy="${py}" r="10" fill="none" stroke="#0a0" stroke-width="3"/>`);
    parts.push(`<text class="recommended" x="${px}" y="${n(y(pick.point.throughput) - 14)}" text-anchor="middle" fill="#0a0">${report.recommended ? 'recommended' : 'closest (SLO not met)'}</text>`);
  }
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
