// The drift heatmap: features (and, apart, the model's outputs) by monitor window, each cell a button coloured on one
// sequential scale, cells with a drift finding outlined and marked ▲; arrow keys move between cells (one tab stop).

import { Fragment } from 'preact';
import { useRef, useState } from 'preact/hooks';
import { colourOf, formatStat, intensity, isDark, type DriftMetric } from '../lib/drift-scale.js';
import type { DriftHeatmap, HeatmapCell, HeatmapWindow } from '../lib/monitoring-types.js';
import { DriftLegend } from './drift-legend.js';

export interface CellRef {
  windowId: number;
  feature: string;
}

interface Row {
  name: string;
  output: boolean;
  cells: (HeatmapCell | null)[];
}

const clock = (ms: number): string => new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });

export function cellLabel(row: Row, w: HeatmapWindow, cell: HeatmapCell | null): string {
  const where = `${row.output ? 'output' : 'feature'} ${row.name}, window ${w.id} (${clock(w.start)} to ${clock(w.end)})`;
  if (!cell) return `${where}: no value in this window`;
  const test = cell.test === 'chi2' ? 'chi-squared' : cell.test === 'ks' ? 'KS' : null;
  const p = test ? `${test} p-value ${formatStat(cell.pValue)}` : 'not tested (too few rows)';
  return `${where}: ${p}, PSI ${formatStat(cell.psi)}, ${cell.drifted ? 'drifted: past the alert threshold' : 'no drift'}`;
}

export interface DriftHeatmapProps {
  heatmap: DriftHeatmap;
  selected: CellRef | null;
  onSelect: (cell: CellRef) => void;
}

export function DriftHeatmapGrid({ heatmap, selected, onSelect }: DriftHeatmapProps) {
  const [metric, setMetric] = useState<DriftMetric>('pValue');
  const [focus, setFocus] = useState<{ r: number; c: number }>({ r: 0, c: Math.max(0, heatmap.windows.length - 1) });
  const buttons = useRef(new Map<string, HTMLButtonElement>());
  const rows: Row[] = [
    ...heatmap.features.map((name, i) => ({ name, output: false, cells: heatmap.cells[i] ?? [] })),
    ...heatmap.outputs.map((name, i) => ({ name, output: true, cells: heatmap.outputCells[i] ?? [] })),
  ];
  const columns = heatmap.windows.length;
  const at = { r: Math.min(focus.r, rows.length - 1), c: Math.min(focus.c, columns - 1) };

  const move = (e: KeyboardEvent, r: number, c: number): void => {
    const next = { r, c };
    if (e.key === 'ArrowRight') next.c = Math.min(columns - 1, c + 1);
    else if (e.key === 'ArrowLeft') next.c = Math.max(0, c - 1);
    else if (e.key === 'ArrowDown') next.r = Math.min(rows.length - 1, r + 1);
    else if (e.key === 'ArrowUp') next.r = Math.max(0, r - 1);
    else if (e.key === 'Home') next.c = 0;
    else if (e.key === 'End') next.c = columns - 1;
    else return;
    e.preventDefault();
    setFocus(next);
    buttons.current.get(`${next.r}:${next.c}`)?.focus();
  };

  const cellButton = (row: Row, r: number, w: HeatmapWindow, c: number) => {
    const cell = row.cells[c] ?? null;
    const position = intensity(cell, metric);
    const isSelected = selected?.windowId === w.id && selected.feature === row.name;
    const style = position === null ? undefined : { background: colourOf(position), color: isDark(position) ? '#fff' : '#17202a' };
    return (
      <td key={w.id}>
        <button
          type="button"
          ref={(el) => { if (el) buttons.current.set(`${r}:${c}`, el); else buttons.current.delete(`${r}:${c}`); }}
          class={`heat-cell${cell?.drifted ? ' drifted' : ''}${position === null ? ' untested' : ''}`}
          style={style}
          tabIndex={r === at.r && c === at.c ? 0 : -1}
          aria-label={cellLabel(row, w, cell)}
          aria-pressed={isSelected}
          data-feature={row.name}
          data-window={w.id}
          data-drifted={cell?.drifted ? 'true' : 'false'}
          disabled={!cell}
          onClick={() => { setFocus({ r, c }); onSelect({ windowId: w.id, feature: row.name }); }}
          onKeyDown={(e) => move(e, r, c)}
        >
          <span aria-hidden="true">{cell?.drifted ? '▲' : position === null && cell ? '·' : ''}</span>
        </button>
      </td>
    );
  };

  return (
    <figure class="drift-heatmap" aria-labelledby="heatmap-title">
      <figcaption id="heatmap-title">
        Drift per feature and window, oldest window left. Colour: {metric === 'pValue' ? 'test p-value (darker = smaller p, stronger evidence of drift)' : 'PSI (darker = larger shift)'}.
        {' '}Select a cell for its histograms.
      </figcaption>
      <fieldset class="heatmap-metric">
        <legend>Colour by</legend>
        <label><input type="radio" name="heatmap-metric" checked={metric === 'pValue'} onChange={() => setMetric('pValue')} /> p-value (KS / chi-squared)</label>
        <label><input type="radio" name="heatmap-metric" checked={metric === 'psi'} onChange={() => setMetric('psi')} /> PSI</label>
      </fieldset>
      <DriftLegend heatmap={heatmap} metric={metric} />
      <div class="heatmap-scroll">
        <table class="heatmap-table" aria-label="Drift heatmap: rows are features and outputs, columns are windows; arrow keys move between cells">
          <thead>
            <tr>
              <th scope="col">Feature</th>
              {heatmap.windows.map((w) => (
                <th scope="col" key={w.id} class={w.drifted ? 'window-drifted' : undefined} title={`${w.rows} rows, baseline ${w.baseline}, per-test level ${formatStat(w.alphaPerTest)}`}>
                  #{w.id}<br /><span class="muted">{clock(w.end)}</span>{w.drifted ? <><br /><span aria-label="drifted">▲</span></> : null}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((row, r) => (
              <Fragment key={`${row.output ? 'o' : 'f'}:${row.name}`}>
                {row.output && (r === 0 || !rows[r - 1]!.output)
                  ? <tr class="heatmap-section"><th scope="rowgroup" colSpan={columns + 1}>Prediction drift (model outputs)</th></tr>
                  : null}
                <tr>
                  <th scope="row">{row.name}</th>
                  {heatmap.windows.map((w, c) => cellButton(row, r, w, c))}
                </tr>
              </Fragment>
            ))}
          </tbody>
        </table>
      </div>
    </figure>
  );
}
