// A state as a badge: a word and a shape as well as a colour, so it reads in greyscale and to screen readers.

const LOOK: Record<string, { mark: string; tone: string }> = {
  ready: { mark: '●', tone: 'good' },
  running: { mark: '▶', tone: 'info' },
  succeeded: { mark: '✓', tone: 'good' },
  delivered: { mark: '✓', tone: 'good' },
  loading: { mark: '◌', tone: 'info' },
  paused: { mark: '❚❚', tone: 'warn' },
  pending: { mark: '◌', tone: 'info' },
  warning: { mark: '▲', tone: 'warn' },
  failed: { mark: '✕', tone: 'bad' },
  critical: { mark: '✕', tone: 'bad' },
  rolled_back: { mark: '↺', tone: 'warn' },
  aborted: { mark: '■', tone: 'warn' },
  on: { mark: '●', tone: 'good' },
  off: { mark: '○', tone: 'muted' },
  shadow: { mark: '◐', tone: 'muted' },
};

export function StatusBadge({ status }: { status: string }) {
  const look = LOOK[status] ?? { mark: '•', tone: 'muted' };
  return (
    <span class={`badge badge-${look.tone}`}>
      <span aria-hidden="true">{look.mark}</span> {status.replace('_', ' ')}
    </span>
  );
}
