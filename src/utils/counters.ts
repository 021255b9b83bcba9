// utils/counters: the global counters object shaped like torch._dynamo.utils.counters
// (counters.frames.total, counters.inductor.pattern_matcher_count, ...). In: increments. Out: readable counts.

export type CounterGroup = Record<string, number>;

const groups = new Map<string, CounterGroup>();

function group(name: string): CounterGroup {
  let g = groups.get(name);
  if (!g) {
    g = new Proxy({} as CounterGroup, { get: (t, k) => (typeof k === "string" ? (t[k] ?? 0) : undefined) });
    groups.set(name, g);
  }
  return g;
}

/** `counters.inductor.pattern_matcher_count` reads 0 until incremented; `counters.clear()` resets all. */
export const counters: Record<string, CounterGroup> & { clear(): void; snapshot(): Record<string, Record<string, number>> } = new Proxy(
  {} as Record<string, CounterGroup> & { clear(): void; snapshot(): Record<string, Record<string, number>> },
  {
    get(_t, k) {
      if (k === "clear") return () => { for (const g of groups.values()) for (const key of Object.keys(g)) delete g[key]; };
      if (k === "snapshot") return () => Object.fromEntries([...groups].map(([n, g]) => [n, { ...g }]).filter(([, g]) => Object.keys(g as object).length));
      if (typeof k !== "string") return undefined;
      return group(k);
    },
  },
);

export function bump(groupName: string, key: string, by = 1): void {
  const g = group(groupName);
  g[key] = (g[key] ?? 0) + by;
}
