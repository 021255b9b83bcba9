// inductor/scheduler/fusion: greedy fusion of scheduler nodes into kernels, in program order. A node joins
// an earlier kernel when its loops fit (same ranges; a pointwise over outer+inner ranges joins a reduction's
// inner loops; a reduction over a pointwise kernel's ranges splits them into outer and inner), when every
// value it reads from that kernel is read at exactly the index it was written (else it would see another
// iteration's value), and when everything it depends on runs before the kernel. Kernels sharing buffers
// are preferred (vertical fusion); otherwise independent loops over the same ranges merge (horizontal).
// In: scheduler nodes in program order. Out: schedule items (fused groups and extern calls) in order.

import { ExternSchedulerNode, FusedGroup, SchedulerNode, type Placement, type ScheduleItem } from "./nodes.js";

const eq = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((s, i) => s === b[i]);

/** How n would sit in g, and g's loops afterwards; null when the loops do not fit. */
function fit(g: FusedGroup, n: SchedulerNode): { outer: readonly number[]; inner: readonly number[]; place: Placement; regroup: boolean } | null {
  const full = [...g.outer, ...g.inner];
  if (n.kind === "pointwise") {
    if (eq(n.ranges, g.outer)) return { outer: g.outer, inner: g.inner, place: "outer", regroup: false };
    if (g.inner.length && eq(n.ranges, full)) return { outer: g.outer, inner: g.inner, place: "inner", regroup: false };
    return null;
  }
  // a group holding a reduction (even one over no elements, e.g. the sum of a 0-d tensor) has fixed
  // reduction loops: another reduction joins only over exactly the same ones
  if (g.inner.length || g.hasReduction()) return eq(n.ranges, g.outer) && eq(n.rranges, g.inner) ? { outer: g.outer, inner: g.inner, place: "outer", regroup: false } : null;
  // g is pointwise-only over g.outer
  if (eq(n.ranges, g.outer)) return { outer: g.outer, inner: n.rranges, place: "outer", regroup: false };
  if (n.rranges.length && eq([...n.ranges, ...n.rranges], g.outer)) return { outer: n.ranges, inner: n.rranges, place: "outer", regroup: true };
  return null;
}

/** Every read of a buffer written inside g must be at the index that buffer was written. */
function readsAligned(g: FusedGroup, n: SchedulerNode, nAccess: ReturnType<SchedulerNode["access"]>): boolean {
  const writers = new Map(g.nodes.map((m) => [m.name, m]));
  for (const r of nAccess.reads) {
    const m = writers.get(r.name);
    if (!m) continue;
    if (g.accessOf(m).write.key !== r.index.key) return false;
  }
  return true;
}

export interface FusionOptions {
  /** Fusion disabled: one kernel per node (debugging, tests). */
  enabled: boolean;
}

/** Fuse nodes (given in program order) into kernels. */
export function fuse(nodes: readonly (SchedulerNode | ExternSchedulerNode)[], opts: FusionOptions): ScheduleItem[] {
  const items: ScheduleItem[] = [];
  const itemOf = new Map<string, number>(); // buffer written -> index of the item that writes it
  const lastAccess = new Map<string, number>(); // buffer -> last item index reading or writing it

  const depsOf = (n: SchedulerNode | ExternSchedulerNode): Set<number> => {
    const deps = new Set<number>();
    for (const r of n.readNames()) { const i = itemOf.get(r); if (i !== undefined) deps.add(i); }
    for (const w of n.writeNames()) { const i = lastAccess.get(w); if (i !== undefined) deps.add(i); } // WAR / WAW
    return deps;
  };
  const record = (n: SchedulerNode | ExternSchedulerNode, at: number) => {
    for (const r of n.readNames()) lastAccess.set(r, Math.max(lastAccess.get(r) ?? -1, at));
    for (const w of n.writeNames()) { itemOf.set(w, at); lastAccess.set(w, Math.max(lastAccess.get(w) ?? -1, at)); }
  };

  for (const n of nodes) {
    if (n instanceof ExternSchedulerNode) {
      items.push(n);
      record(n, items.length - 1);
      continue;
    }
    const deps = depsOf(n);
    let chosen: { at: number; f: NonNullable<ReturnType<typeof fit>> } | null = null;
    if (opts.enabled) {
      const candidates: { at: number; f: NonNullable<ReturnType<typeof fit>>; shared: boolean }[] = [];
      for (let at = items.length - 1; at >= 0; at--) {
        const g = items[at];
        if (!(g instanceof FusedGroup)) continue;
        // everything n depends on must be in g or run before g
        if ([...deps].some((d) => d > at)) continue;
        const f = fit(g, n);
        if (!f) continue;
        const trial = trialGroup(g, f);
        const acc = n.kind === "reduction" ? n.access(f.outer, f.inner) : f.place === "inner" ? n.access(f.outer, f.inner) : n.access(f.outer, []);
        if (!readsAligned(trial, n, acc)) continue;
        if (!trial.nodes.every((m) => readsAligned(trial, m, trial.accessOf(m)))) continue;
        candidates.push({ at, f, shared: deps.has(at) });
      }
      const best = candidates.find((c) => c.shared) ?? candidates[0];
      if (best) chosen = { at: best.at, f: best.f };
    }
    if (chosen) {
      const g = items[chosen.at] as FusedGroup;
      applyFit(g, chosen.f);
      g.nodes.push(n);
      g.placement.set(n, chosen.f.place);
      record(n, chosen.at);
    } else {
      const g = new FusedGroup(n.ranges, n.rranges, n.order);
      g.nodes.push(n);
      g.placement.set(n, "outer");
      items.push(g);
      record(n, items.length - 1);
    }
  }
  return items;
}

/** g as it would be with the new loops (a copy when the loops change). */
function trialGroup(g: FusedGroup, f: NonNullable<ReturnType<typeof fit>>): FusedGroup {
  if (!f.regroup && eq(f.inner, g.inner)) return g;
  const t = new FusedGroup(f.outer, f.inner, g.order);
  for (const m of g.nodes) { t.nodes.push(m); t.placement.set(m, f.regroup ? "inner" : g.placement.get(m)!); }
  return t;
}

function applyFit(g: FusedGroup, f: NonNullable<ReturnType<typeof fit>>): void {
  if (f.regroup) for (const m of g.nodes) g.placement.set(m, "inner");
  g.outer = f.outer;
  g.inner = f.inner;
}
