// Traffic that gives the Monitoring page something to show: a "sugar" endpoint serving diabetes:1 with capture on and
// 100-row windows, calm windows then windows with shifted features, ground truth posted as feedback, and a webhook
// that cannot be reached (its attempts and retries show on the alerts). Used by `npm run screenshots`.

import { call } from '../http.js';
import { baselineStd, DIABETES, deploy, golden, inferRows, setLoop, shiftRows, waitFor } from '../loop-harness.js';

export const MONITORED = 'sugar';
export const SHIFTED_FEATURES = ['bmi', 'bp', 's5'];

export async function monitoredTraffic(url: string, windows: { calm: number; shifted: number }): Promise<void> {
  const data = golden(DIABETES, 'target');
  const std = baselineStd(DIABETES);
  await deploy(url, MONITORED, 'diabetes:1', { instances: 1 });
  await setLoop(url, MONITORED, 'capture', { enabled: true, sampleRate: 1 });
  // Port 9 (discard) on loopback refuses: each alert's delivery records the refusal and its next retry.
  await setLoop(url, MONITORED, 'monitor', { enabled: true, windowRows: 100, webhook: { url: 'http://127.0.0.1:9/slipway-alerts', minSeverity: 'warning' } });
  let cursor = 0;
  const total = windows.calm + windows.shifted;
  for (let w = 0; w < total; w++) {
    const rows = Array.from({ length: 100 }, () => cursor++ % data.rows.length);
    const sent = w < windows.calm ? rows.map((i) => data.rows[i]!) : shiftRows(rows.map((i) => data.rows[i]!), data.features, SHIFTED_FEATURES, std);
    // One row a request, each with an id, so that every prediction can be given its true value.
    const feedback: { request_id: string; value: number }[] = [];
    for (let k = 0; k < sent.length; k++) {
      const id = `mon-${w}-${k}`;
      const r = await inferRows(url, MONITORED, [sent[k]!], 'value', id);
      if (r.status !== 200) throw new Error(`inference on ${MONITORED} answered ${r.status}`);
      feedback.push({ request_id: id, value: data.targets[rows[k]!]! });
    }
    await waitFor(`window ${w + 1} of ${MONITORED}`, async () => {
      const h = await call<{ windows: unknown[] }>(`${url}/api/v1/endpoints/${MONITORED}/monitor/heatmap`);
      return h.status === 200 && h.body.windows.length > w;
    });
    const posted = await call(`${url}/api/v1/endpoints/${MONITORED}/feedback`, 'POST', { feedback });
    if (posted.status !== 200) throw new Error(`feedback answered ${posted.status}: ${JSON.stringify(posted.body)}`);
  }
}
