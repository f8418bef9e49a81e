// Reads Prometheus text from /metrics into numbers, for assertions.

export async function scrape(base: string): Promise<(name: string, labels?: Record<string, string>) => number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const samples = text.split('\n').filter((l) => l && !l.startsWith('#'));
  return (name, labels = {}) => {
    let total = 0;
    for (const line of samples) {
      const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$/.exec(line);
      if (!m || m[1] !== name) continue;
      const have = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
      if (Object.entries(labels).every(([k, v]) => have[k] === v)) total += Number(m[3]);
    }
    return total;
  };
}
