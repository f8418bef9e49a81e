// A test bench for the live chart (not a dashboard page; no route serves its HTML): drives the endpoint page's chart
// path — SeriesWindow, TimeChart, uPlot setData — with simulated seconds, as fast as it can, so a browser test can
// check that ten minutes of 1 Hz updates leave the heap where it was.

import { render } from 'preact';
import { act } from 'preact/test-utils';
import { TimeChart } from './components/time-chart.js';
import type { EndpointSeries, SeriesPoint } from './lib/api-types.js';
import { SeriesWindow } from './lib/series-window.js';

const buffer = new SeriesWindow(300);
let second = 1_700_000_000;

function point(t: number, i: number): SeriesPoint {
  return {
    t, requests: 50 + (i % 7), errors: { overloaded: 0, deadline: 0, cancelled: 0, invalid: 0, error: i % 13 === 0 ? 1 : 0 },
    p50Ms: 1 + (i % 5) / 10, p99Ms: 4 + (i % 11) / 10, queue: i % 3, batchSize: 1 + (i % 4), agreement: null,
  };
}

function draw(): void {
  const times = buffer.times();
  const lines = buffer.list().map((v) => ({ label: v.variant, values: buffer.column(times, v, (p) => p.requests) }));
  act(() => render(<TimeChart title="lab" unit="req/s" times={times} lines={lines} />, document.getElementById('lab')!));
}

/** `n` simulated seconds, each one poll's reply added and the chart updated; answers the points on screen. */
function run(n: number): number {
  for (let i = 0; i < n; i++) {
    second++;
    const reply: EndpointSeries = {
      endpoint: 'lab', now: second + 1, stepSeconds: 1,
      variants: [{ variant: 'stable', live: true, shadow: false, points: [point(second, i)] }, { variant: 'canary', live: true, shadow: false, points: [point(second, i + 3)] }],
    };
    buffer.add(reply);
    draw();
  }
  return buffer.times().length;
}

(window as unknown as { chartLab: { run: typeof run } }).chartLab = { run };
