// A gate's verdict as a badge: passing / failing / not measurable, with a mark besides the colour.

export function GateVerdict({ passed }: { passed: boolean | null | undefined }) {
  if (passed === true) return <span class="badge badge-good" data-verdict="passing"><span aria-hidden="true">✓</span> passing</span>;
  if (passed === false) return <span class="badge badge-bad" data-verdict="failing"><span aria-hidden="true">✕</span> failing</span>;
  return <span class="badge badge-muted" data-verdict="pending"><span aria-hidden="true">◌</span> not measurable yet</span>;
}
