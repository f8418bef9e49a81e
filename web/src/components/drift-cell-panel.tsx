// The panel a selected heatmap cell opens: fetched once (a window's histograms never change), closed with its button
// or Escape, focus moved to its heading so keyboard and screen-reader users land on what opened.

import { useEffect, useRef } from 'preact/hooks';
import { api, seg } from '../lib/api-client.js';
import type { WindowFeature } from '../lib/monitoring-types.js';
import { when } from '../lib/format.js';
import { usePoll } from '../lib/use-poll.js';
import type { CellRef } from './drift-heatmap.js';
import { CellStatistics, HistogramPair } from './drift-histograms.js';
import { ErrorBox } from './error-box.js';
import { FindingsList } from './findings-table.js';

export function DriftCellPanel({ endpoint, cell, onClose }: { endpoint: string; cell: CellRef; onClose: () => void }) {
  const heading = useRef<HTMLHeadingElement>(null);
  const detail = usePoll(
    (signal) => api.get<WindowFeature>(`/api/v1/endpoints/${seg(endpoint)}/monitor/windows/${cell.windowId}/features/${encodeURIComponent(cell.feature)}`, signal),
    0,
    [endpoint, cell.windowId, cell.feature],
  );
  useEffect(() => heading.current?.focus(), [cell.windowId, cell.feature]);
  const d = detail.data;
  return (
    <section
      class="cell-panel card"
      aria-labelledby="cell-panel-title"
      data-feature={cell.feature}
      data-window={cell.windowId}
      onKeyDown={(e) => { if (e.key === 'Escape') onClose(); }}
    >
      <div class="cell-panel-head">
        <h3 id="cell-panel-title" ref={heading} tabIndex={-1}>{cell.feature} in window #{cell.windowId}</h3>
        <button type="button" onClick={onClose} aria-label="Close the cell's histograms">Close</button>
      </div>
      {detail.error ? <ErrorBox error={detail.error} retry={detail.refresh} /> : null}
      {!d && !detail.error ? <p class="muted">Loading the histograms…</p> : null}
      {d ? (
        <>
          <p class="sub">{when(d.start)} to {when(d.end)}, {d.rows} rows, compared with the baseline of {d.baselineModel}.</p>
          <div class="cell-panel-body">
            <HistogramPair cell={d} />
            <div>
              <CellStatistics cell={d} />
              {d.findings.length > 0 ? <FindingsList findings={d.findings} /> : null}
            </div>
          </div>
        </>
      ) : null}
    </section>
  );
}
