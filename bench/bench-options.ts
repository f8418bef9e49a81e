// Command-line options of `npm run bench` (--quick, --only a,b, --out name) and the measurement durations they imply.

export const SECTIONS = ['tabular', 'resnet', 'overload', 'capture', 'python', 'cluster'] as const;
export type SectionName = (typeof SECTIONS)[number];

export interface Durations {
  /** Raw onnxruntime windows, tabular model (ms). */
  tabularRawWarmupMs: number;
  tabularRawMs: number;
  /** Raw onnxruntime windows, ResNet (ms). */
  resnetRawWarmupMs: number;
  resnetRawMs: number;
  /** Closed-loop served windows (s). */
  loadWarmupSec: number;
  loadSec: number;
  /** Short runtime-config probe (s). */
  probeSec: number;
  /** Open-loop overload window (s). */
  overloadWarmupSec: number;
  overloadSec: number;
}

export interface BenchOptions {
  quick: boolean;
  only: SectionName[];
  durations: Durations;
  /** Name of the result files in bench/results/ (`<out>.md`, `<out>.json`); `latest` unless --out names a run to keep. */
  out: string;
}

const FULL: Durations = {
  tabularRawWarmupMs: 1000,
  tabularRawMs: 5000,
  resnetRawWarmupMs: 1500,
  resnetRawMs: 7000,
  loadWarmupSec: 2,
  loadSec: 8,
  probeSec: 3,
  overloadWarmupSec: 1,
  overloadSec: 10,
};

const QUICK: Durations = {
  tabularRawWarmupMs: 300,
  tabularRawMs: 1000,
  resnetRawWarmupMs: 500,
  resnetRawMs: 1500,
  loadWarmupSec: 1,
  loadSec: 2,
  probeSec: 1,
  overloadWarmupSec: 1,
  overloadSec: 3,
};

const USAGE = `usage: tsx bench/run.ts [--quick] [--only ${SECTIONS.join('|')}[,...]] [--out NAME]`;

export function parseOptions(argv: string[]): BenchOptions {
  let quick = false;
  let only: SectionName[] = [...SECTIONS];
  let out = 'latest';
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--quick') quick = true;
    else if (arg === '--only' || arg.startsWith('--only=')) {
      const value = arg === '--only' ? argv[++i] : arg.slice('--only='.length);
      const names = (value ?? '').split(/[,|]/).filter(Boolean);
      const unknown = names.filter((n) => !(SECTIONS as readonly string[]).includes(n));
      if (names.length === 0 || unknown.length) throw new Error(`--only: unknown section(s) ${JSON.stringify(unknown)}\n${USAGE}`);
      only = SECTIONS.filter((s) => names.includes(s));
    } else if (arg === '--out' || arg.startsWith('--out=')) {
      const value = arg === '--out' ? argv[++i] : arg.slice('--out='.length);
      // A file name in bench/results/, never a path out of it.
      if (!value || !/^[\w.-]+$/.test(value) || value.startsWith('.')) throw new Error(`--out: expected a file name (letters, digits, . _ -), got ${JSON.stringify(value)}\n${USAGE}`);
      out = value;
    } else if (arg === '--help' || arg === '-h') {
      console.log(USAGE);
      process.exit(0);
    } else throw new Error(`unknown argument "${arg}"\n${USAGE}`);
  }
  return { quick, only, durations: quick ? QUICK : FULL, out };
}
