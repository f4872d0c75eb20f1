/**
 * What the kubectl commands share: kubectl's flags (`-n` is the namespace here, `--context`), the cluster the
 * context points at, kubectl-style errors printed without az's `ERROR: ` prefix (exit 1), and kubectl's printers
 * (tabwriter columns, 4-space JSON, YAML), all with sorted keys as kubectl prints unstructured objects.
 */
import type { CommandContext, CommandSpec, FlagSpec } from '../command.js';
import { resolveContext, type ContextRef } from '../../repo/context.js';
import type { ClusterDoc } from '../../cluster/doc.js';
import { KubeError } from '../../cluster/manifest.js';
import { loadCluster, openStore } from '../../repo/cluster.js';
import { ResourceNotFoundError } from '../../errors.js';
import type { Store } from '../../state/store.js';

export { CONTEXT_FLAG } from '../common.js';
export const NAMESPACE_FLAG: FlagSpec = { long: 'namespace', short: 'n', kind: 'string', help: 'The namespace (kubectl\'s -n). Default: default.' };

/** A kubectl command failed: its message is already on stderr. */
export const FAILED = Symbol('kubectl failed');

/** Wrap a kubectl command: KubeErrors print as kubectl prints them and exit 1. */
export function kubectlCommand(spec: CommandSpec): CommandSpec {
  return {
    ...spec,
    output: false,
    async run(ctx: CommandContext) {
      try {
        return await spec.run(ctx);
      } catch (e) {
        if (!(e instanceof KubeError)) throw e;
        if (e.message) ctx.env.stderr.write(`${e.message}\n`);
        return FAILED;
      }
    },
    exitCode: (result) => (result === FAILED ? 1 : 0),
  };
}

export interface Target {
  readonly store: Store;
  readonly ref: ContextRef;
  readonly doc: ClusterDoc;
}

/** The cluster the command's context names. @throws KubeError (no context, unknown context, cluster gone) */
export function openTarget(ctx: CommandContext): Target {
  const store = openStore(ctx.env);
  const flag = ctx.args['context'];
  const ref = resolveContext(store, typeof flag === 'string' ? flag : undefined);
  try {
    return { store, ref, doc: loadCluster(store, ref.resourceGroup, ref.cluster) };
  } catch (e) {
    if (!(e instanceof ResourceNotFoundError)) throw e;
    throw new KubeError(`error: the context's cluster ${ref.resourceGroup}/${ref.cluster} does not exist (run 'aks-wg cluster get-credentials' for another cluster)`);
  }
}

/** kubectl's table: tabwriter with padding 3 and minimum width 6; the last column is not padded. */
export function formatColumns(rows: readonly (readonly string[])[]): string {
  if (rows.length === 0) return '';
  const n = rows[0]!.length;
  const widths = new Array<number>(n).fill(0);
  for (const r of rows) for (let i = 0; i < n - 1; i++) widths[i] = Math.max(widths[i]!, r[i]!.length);
  for (let i = 0; i < n - 1; i++) widths[i] = Math.max(widths[i]! + 3, 6);
  const out: string[] = new Array(rows.length);
  for (let k = 0; k < rows.length; k++) {
    const r = rows[k]!;
    let line = '';
    for (let i = 0; i < n - 1; i++) line += r[i]!.padEnd(widths[i]!);
    out[k] = line + r[n - 1]!;
  }
  return out.join('\n') + '\n';
}

/** `value` with object keys sorted at every level; objects already in order are reused, not copied. */
function sortDeep(value: unknown): unknown {
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const v = sortDeep(value[i]);
      if (v !== value[i]) (out ??= value.slice())[i] = v;
    }
    return out ?? value;
  }
  if (value !== null && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    const keys = Object.keys(o);
    let changed = false;
    const vals = new Array<unknown>(keys.length);
    for (let i = 0; i < keys.length; i++) {
      const v = o[keys[i]!];
      vals[i] = v === undefined ? v : sortDeep(v);
      if (vals[i] !== v || v === undefined || (i > 0 && keys[i - 1]! > keys[i]!)) changed = true;
    }
    if (!changed) return value;
    const order = keys.map((k, i) => i).sort((x, y) => (keys[x]! < keys[y]! ? -1 : keys[x]! > keys[y]! ? 1 : 0));
    const out: Record<string, unknown> = {};
    for (const i of order) if (vals[i] !== undefined) out[keys[i]!] = vals[i];
    return out;
  }
  return value;
}

/** kubectl -o json: keys sorted, 4-space indent. */
export function kubeJson(value: unknown): string {
  return `${JSON.stringify(sortDeep(value), null, 4)}\n`;
}

/** kubectl -o yaml: keys sorted, block style, sequences not indented; YAML 1.1 quoting as go-yaml's (timestamps, yes/on). */
export async function kubeYaml(value: unknown): Promise<string> {
  const { stringify } = await import('yaml');
  return stringify(sortDeep(value), { indentSeq: false, lineWidth: 0, version: '1.1' });
}

/** Write a `v1 List` as kubectl -o json prints it, in batches (a 150,000-pod list never becomes one string). */
export function writeJsonList(out: { write(s: string): unknown }, items: Iterable<unknown>): void {
  // JSON.stringify({items: batch}, null, 4) indents items exactly as they sit in the List; keep only the items.
  const HEAD = '{\n    "items": [\n';
  const TAIL = '\n    ]\n}';
  let batch: unknown[] = [];
  let first = true;
  const flush = (): void => {
    if (batch.length === 0) return;
    const text = JSON.stringify({ items: batch }, null, 4);
    out.write(`${first ? '\n' : ',\n'}${text.slice(HEAD.length, text.length - TAIL.length)}`);
    first = false;
    batch = [];
  };
  out.write('{\n    "apiVersion": "v1",\n    "items": [');
  for (const item of items) {
    batch.push(sortDeep(item));
    if (batch.length >= 256) flush();
  }
  flush();
  out.write(`${first ? ']' : '\n    ]'},\n    "kind": "List",\n    "metadata": {\n        "resourceVersion": ""\n    }\n}\n`);
}

/** Write a `v1 List` as kubectl -o yaml prints it, item by item. */
export async function writeYamlList(out: { write(s: string): unknown }, items: Iterable<unknown>): Promise<void> {
  const { stringify } = await import('yaml');
  let batch: string[] = [];
  let first = true;
  out.write('apiVersion: v1\nitems:');
  for (const item of items) {
    const text = stringify(sortDeep(item), { indentSeq: false, lineWidth: 0, version: '1.1' }).replace(/\n$/, '');
    batch.push(`${first ? '\n' : '\n'}- ${text.replace(/\n/g, '\n  ')}`);
    first = false;
    if (batch.length >= 512) {
      out.write(batch.join(''));
      batch = [];
    }
  }
  out.write(`${batch.join('')}${first ? ' []' : ''}\nkind: List\nmetadata:\n  resourceVersion: ""\n`);
}
