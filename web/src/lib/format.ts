// How numbers and times read on the dashboard: fixed, short, and "–" for what is not known.

export const NONE = '–';

export function rate(perSecond: number | null | undefined): string {
  if (perSecond === null || perSecond === undefined) return NONE;
  return perSecond >= 100 ? perSecond.toFixed(0) : perSecond.toFixed(1);
}

export function ms(value: number | null | undefined): string {
  if (value === null || value === undefined) return NONE;
  if (value < 1) return `${(value * 1000).toFixed(0)} µs`;
  return value < 100 ? `${value.toFixed(2)} ms` : `${value.toFixed(0)} ms`;
}

export function percent(share: number | null | undefined): string {
  if (share === null || share === undefined) return NONE;
  return `${(share * 100).toFixed(share > 0 && share < 0.01 ? 2 : 1)}%`;
}

export function when(iso: string | number | null | undefined): string {
  if (iso === null || iso === undefined) return NONE;
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? String(iso) : d.toLocaleString();
}

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}
