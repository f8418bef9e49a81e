// Series styles that tell lines apart in greyscale too: each differs in lightness and in dash pattern, not hue alone.

export interface LineStyle {
  stroke: string;
  dash: number[];
  width: number;
}

const STYLES: LineStyle[] = [
  { stroke: '#1d3f6e', dash: [], width: 2 },
  { stroke: '#c2650a', dash: [7, 4], width: 2 },
  { stroke: '#5b6b7a', dash: [2, 3], width: 2 },
  { stroke: '#6b1f1f', dash: [10, 3, 2, 3], width: 2 },
  { stroke: '#2f7a4a', dash: [4, 2], width: 1.5 },
];

export function lineStyle(index: number): LineStyle {
  return STYLES[index % STYLES.length]!;
}
