// The traffic split of a rollout step as one bar: a segment per variant sized by its weight, each labelled with its
// name and share, the candidate hatched so the two read apart in greyscale.

export interface WeightsBarProps {
  weights: Record<string, number>;
  /** The candidate's variant name: drawn hatched. */
  candidate: string;
}

export function WeightsBar({ weights, candidate }: WeightsBarProps) {
  // Shadows carry weight 0: they get copies, not traffic, so they take no room in the split.
  const entries = Object.entries(weights).filter(([, w]) => w > 0);
  const total = entries.reduce((sum, [, w]) => sum + w, 0);
  if (total <= 0) return <p class="muted">No live traffic weights.</p>;
  const shares = entries.map(([name, w]) => ({ name, share: (w / total) * 100 }));
  const label = shares.map((s) => `${s.name} ${s.share.toFixed(0)}%`).join(', ');
  return (
    <div class="weights">
    <div class="weights-bar" role="img" aria-label={`Traffic: ${label}`} data-weights={label}>
      {shares.map((s) => (
        <div
          key={s.name}
          class={`weights-segment${s.name === candidate ? ' weights-candidate' : ''}`}
          style={{ flexGrow: s.share, flexBasis: 0 }}
          title={`${s.name}: ${s.share.toFixed(1)}%`}
        >
          {s.share >= 8 ? <span>{s.name} {s.share.toFixed(0)}%</span> : null}
        </div>
      ))}
    </div>
    <p class="weights-legend" aria-hidden="true">
      {shares.map((s) => (
        <span key={s.name}><span class={`weights-swatch${s.name === candidate ? ' weights-candidate' : ''}`} /> {s.name} {s.share.toFixed(1)}%{s.name === candidate ? ' (candidate)' : ''}</span>
      ))}
    </p>
    </div>
  );
}
