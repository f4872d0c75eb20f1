/**
 * `traffic inspect --view matrix`: a node × node coverage matrix for the terminal. Each cell is the share of that
 * (source node, destination node) pair's pod-to-pod flows that were encrypted; the diagonal is same-node traffic,
 * which never leaves the node. With more nodes than fit the width, nodes are grouped (by pool, then in runs of
 * consecutive nodes) and a cell aggregates every pair of its two groups. Colour through the run's chalk; the symbols
 * alone carry the meaning, so the matrix reads the same with colour off.
 */
import { plural } from '../plural.js';
import type { ChalkInstance } from 'chalk';

export interface MatrixNode {
  readonly name: string;
  readonly pool: string;
}

/** One pod-to-pod flow (both ends pods on known nodes). */
export interface MatrixFlow {
  readonly sourceNode: string;
  readonly destinationNode: string;
  readonly encrypted: boolean;
}

export const MATRIX_SYMBOLS = { all: '#', some: '+', none: '-', local: '~', empty: '.' } as const;

interface Group {
  label: string;
  detail: string;
  members: string[];
}

/** Split nodes into at most `max` groups: whole pools when they fit, else runs of consecutive nodes of a pool. */
export function groupNodes(nodes: readonly MatrixNode[], max: number): Group[] {
  if (nodes.length <= max) return nodes.map((n) => ({ label: n.name, detail: `(${n.pool})`, members: [n.name] }));
  const pools = new Map<string, string[]>();
  for (const n of nodes) {
    const list = pools.get(n.pool);
    if (list) list.push(n.name);
    else pools.set(n.pool, [n.name]);
  }
  // Give each pool a share of the groups proportional to its size (at least one).
  const poolNames = [...pools.keys()];
  if (poolNames.length > max) {
    // More pools than columns: consecutive pools share a group.
    const per = Math.ceil(poolNames.length / max);
    const out: Group[] = [];
    for (let i = 0; i < poolNames.length; i += per) {
      const names = poolNames.slice(i, i + per);
      const members = names.flatMap((p) => pools.get(p)!);
      const label = names.length <= 2 ? names.join('+') : `${names[0]}..${names[names.length - 1]}`;
      out.push({ label, detail: `(${plural(names.length, 'pool')}, ${plural(members.length, 'node')})`, members });
    }
    return out;
  }
  let budget = max - poolNames.length;
  const shares = new Map(poolNames.map((p) => [p, 1]));
  const total = nodes.length;
  for (const p of poolNames) {
    const extra = Math.min(budget, Math.floor(((max - poolNames.length) * pools.get(p)!.length) / total));
    shares.set(p, 1 + extra);
    budget -= extra;
  }
  const out: Group[] = [];
  for (const p of poolNames) {
    const members = pools.get(p)!;
    const k = Math.min(shares.get(p)!, members.length);
    const size = Math.ceil(members.length / k);
    for (let i = 0; i < members.length; i += size) {
      const run = members.slice(i, i + size);
      const label = run.length === members.length ? p : `${p}[${i}-${i + run.length - 1}]`;
      out.push({ label, detail: `(${run.length} node${run.length === 1 ? '' : 's'})`, members: run });
    }
  }
  return out;
}

/**
 * Render the matrix.
 * @param width the terminal width to fit (default 80).
 */
export function renderMatrix(nodes: readonly MatrixNode[], flows: Iterable<MatrixFlow>, opts: { chalk: ChalkInstance; width?: number; title?: string }): string {
  const width = opts.width ?? 80;
  const c = opts.chalk;
  const CELL = 3;
  // Row labels are group numbers; the names are listed under the matrix.
  const maxGroups = Math.max(1, Math.floor((width - 6) / CELL));
  const groups = groupNodes(nodes, maxGroups);
  const labelWidth = Math.max(3, String(groups.length).length + 1);
  const groupOf = new Map<string, number>();
  groups.forEach((g, i) => g.members.forEach((m) => groupOf.set(m, i)));
  const n = groups.length;
  const total = new Uint32Array(n * n);
  const enc = new Uint32Array(n * n);
  const local = new Uint32Array(n);
  let counted = 0;
  for (const f of flows) {
    const a = groupOf.get(f.sourceNode);
    const b = groupOf.get(f.destinationNode);
    if (a === undefined || b === undefined) continue;
    counted++;
    if (f.sourceNode === f.destinationNode) {
      local[a]!++;
      continue;
    }
    total[a * n + b]!++;
    if (f.encrypted) enc[a * n + b]!++;
  }
  const paint = (sym: string): string => {
    switch (sym) {
      case MATRIX_SYMBOLS.all:
        return c.green(sym);
      case MATRIX_SYMBOLS.some:
        return c.yellow(sym);
      case MATRIX_SYMBOLS.none:
        return c.red(sym);
      case MATRIX_SYMBOLS.local:
        return c.blue(sym);
      default:
        return c.dim(sym);
    }
  };
  const symbol = (a: number, b: number): string => {
    const t = total[a * n + b]!;
    if (t === 0) return a === b && local[a]! > 0 ? MATRIX_SYMBOLS.local : MATRIX_SYMBOLS.empty;
    const e = enc[a * n + b]!;
    return e === t ? MATRIX_SYMBOLS.all : e === 0 ? MATRIX_SYMBOLS.none : MATRIX_SYMBOLS.some;
  };
  const lines: string[] = [];
  lines.push(...wrap('', (opts.title ?? 'Pod-to-pod flows encrypted, by node pair (row: source, column: destination)').split(' '), width, ' '));
  const head = ' '.repeat(labelWidth) + groups.map((_, i) => String(i + 1).padStart(CELL)).join('');
  lines.push(head.length <= width ? head : ' '.repeat(labelWidth) + groups.map((_, i) => String((i + 1) % 100).padStart(CELL)).join(''));
  for (let a = 0; a < n; a++) {
    let row = String(a + 1).padStart(labelWidth - 1) + ' ';
    for (let b = 0; b < n; b++) row += ' '.repeat(CELL - 1) + paint(symbol(a, b));
    lines.push(row);
  }
  lines.push('');
  const legend = [
    `${paint(MATRIX_SYMBOLS.all)} all encrypted`,
    `${paint(MATRIX_SYMBOLS.some)} some encrypted`,
    `${paint(MATRIX_SYMBOLS.none)} none encrypted`,
    `${paint(MATRIX_SYMBOLS.local)} same node (not on the wire)`,
    `${paint(MATRIX_SYMBOLS.empty)} no pod flows`,
  ];
  lines.push(...wrap('Legend: ', legend, width));
  lines.push(`${groups.length === nodes.length ? 'Nodes' : `Nodes, in ${groups.length} groups`} (${counted} pod flow${counted === 1 ? '' : 's'}):`);
  const idx = String(n).length;
  for (let i = 0; i < n; i++) {
    const g = groups[i]!;
    const cross = sumRow(total, enc, n, i);
    const share = cross.total === 0 ? 'no cross-node pod flows' : `${cross.enc}/${cross.total} outgoing encrypted`;
    lines.push(truncate(`  ${String(i + 1).padStart(idx)} ${g.label} ${g.detail} ${share}`, width));
  }
  return lines.join('\n') + '\n';
}

function sumRow(total: Uint32Array, enc: Uint32Array, n: number, a: number): { total: number; enc: number } {
  let t = 0;
  let e = 0;
  for (let b = 0; b < n; b++) {
    if (a === b && n > 1 && total[a * n + b] === 0) continue;
    t += total[a * n + b]!;
    e += enc[a * n + b]!;
  }
  return { total: t, enc: e };
}

// eslint-disable-next-line no-control-regex
const visible = (s: string) => s.replace(/\u001b\[[0-9;]*m/g, '').length;

function wrap(prefix: string, items: string[], width: number, gap = '  '): string[] {
  const out: string[] = [];
  let line = prefix;
  for (const item of items) {
    const sep = line === prefix ? '' : gap;
    if (visible(line) + sep.length + visible(item) > width && line !== prefix) {
      out.push(line);
      line = ' '.repeat(prefix.length) + item;
    } else line += sep + item;
  }
  out.push(line);
  return out;
}

function truncate(s: string, width: number): string {
  return s.length <= width ? s : `${s.slice(0, width - 1)}…`;
}
