/**
 * az's output formats (knack): json/jsonc with sorted keys and 2-space indent, yaml/yamlc, table (a per-command
 * transformer, else knack's automatic table over scalar fields), tsv, none. --query (JMESPath) is applied first;
 * as in az, a query replaces the table transformer.
 */
import type { ChalkInstance } from 'chalk';
import { ArgumentParseError } from '../errors.js';
import type { OutputFormat } from '../commands/command.js';

export const OUTPUT_FORMATS: readonly OutputFormat[] = ['json', 'jsonc', 'yaml', 'yamlc', 'table', 'tsv', 'none'];

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Search = (data: unknown, expression: string) => unknown;

let jmespath: { search: Search; compile: (e: string) => unknown } | undefined;
async function loadJmespath() {
  if (!jmespath) jmespath = ((await import('jmespath')) as unknown as { default: typeof jmespath }).default;
  return jmespath!;
}

/**
 * Check a --query expression before anything runs (az validates it as an argument type).
 * @throws ArgumentParseError `argument --query: invalid jmespath_type value: '<expr>'`
 */
export async function compileQuery(expression: string): Promise<void> {
  const j = await loadJmespath();
  try {
    j.compile(expression);
  } catch {
    throw new ArgumentParseError(`argument --query: invalid jmespath_type value: '${expression}'`);
  }
}

export async function applyQuery(data: unknown, expression: string): Promise<unknown> {
  const j = await loadJmespath();
  try {
    return j.search(data, expression);
  } catch (e) {
    throw new ArgumentParseError(`argument --query: invalid jmespath_type value: '${expression}'`);
  }
}

/** A deep copy with object keys sorted at every level (Python's sort_keys=True) and undefined dropped. */
export function sortKeysDeep(value: unknown): Json {
  if (Array.isArray(value)) return value.map((v) => (v === undefined ? null : sortKeysDeep(v)));
  if (value !== null && typeof value === 'object') {
    const out: { [k: string]: Json } = {};
    for (const k of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[k];
      if (v !== undefined) out[k] = sortKeysDeep(v);
    }
    return out;
  }
  if (typeof value === 'bigint') return value.toString();
  return (value ?? null) as Json;
}

export function toJson(value: unknown): string {
  return JSON.stringify(sortKeysDeep(value), null, 2) + '\n';
}

/** JSON with colours for keys, strings, numbers and literals (az's jsonc). */
export function toJsonc(value: unknown, chalk: ChalkInstance): string {
  const text = toJson(value);
  if (chalk.level === 0) return text;
  return text.replace(
    /("(?:[^"\\]|\\.)*")(\s*:)?|\b(true|false|null)\b|(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)/g,
    (m, str: string | undefined, colon: string | undefined, lit: string | undefined, num: string | undefined) => {
      if (str !== undefined) return colon ? chalk.blue(str) + colon : chalk.green(str);
      if (lit !== undefined) return chalk.magenta(lit);
      if (num !== undefined) return chalk.cyan(num);
      return m;
    },
  );
}

export async function toYaml(value: unknown, chalk?: ChalkInstance): Promise<string> {
  const { stringify } = await import('yaml');
  const text = stringify(sortKeysDeep(value), { indentSeq: false, lineWidth: 0 });
  if (!chalk || chalk.level === 0) return text;
  return text.replace(/^(\s*(?:- )?)([^\s:#-][^:\n]*)(:)(?=\s|$)/gm, (_, pre: string, key: string, colon: string) => pre + chalk.blue(key) + colon);
}

const TABLE_SKIP_KEYS = new Set(['id', 'type', 'etag']);

function scalarText(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  return String(v);
}

/** knack's automatic table: one row per item, columns from scalar fields, first letter capitalised. */
export function autoRows(data: unknown): Record<string, unknown>[] {
  const items = Array.isArray(data) ? data : [data];
  return items.map((item) => {
    if (item === null || typeof item !== 'object' || Array.isArray(item)) return { Result: item };
    const row: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(item as Record<string, unknown>)) {
      if (TABLE_SKIP_KEYS.has(k) || v === null || v === undefined || typeof v === 'object') continue;
      row[k.charAt(0).toUpperCase() + k.slice(1)] = v;
    }
    return row;
  });
}

/** Render rows as tabulate's "simple" format: header, dashes, rows; two spaces between columns; numbers right-aligned. */
export function renderTable(rows: readonly Record<string, unknown>[]): string {
  return renderFittedTable(rows, {});
}

/** knack's tsv: one line per item; dict values in key order, lists as their length, nested dicts empty. */
export function toTsv(data: unknown): string {
  const cell = (v: unknown): string => {
    if (v === null || v === undefined) return '';
    if (Array.isArray(v)) return String(v.length);
    if (typeof v === 'object') return '';
    if (typeof v === 'boolean') return v ? 'true' : 'false';
    return String(v);
  };
  const row = (item: unknown): string => {
    if (Array.isArray(item)) return item.map(cell).join('\t');
    if (item !== null && typeof item === 'object') {
      const o = item as Record<string, unknown>;
      return Object.keys(o)
        .sort()
        .map((k) => cell(o[k]))
        .join('\t');
    }
    return cell(item);
  };
  const items = Array.isArray(data) ? data : [data];
  return items.map((i) => row(i) + '\n').join('');
}

/** Format a (queried) result. `table` is the command's transformer, used only when no query was given. */
export async function formatResult(
  result: unknown,
  format: OutputFormat,
  opts: { chalk: ChalkInstance; table?: (r: unknown) => unknown; queried: boolean },
): Promise<string> {
  switch (format) {
    case 'none':
      return '';
    case 'json':
      return toJson(result);
    case 'jsonc':
      return toJsonc(result, opts.chalk);
    case 'yaml':
      return toYaml(result);
    case 'yamlc':
      return toYaml(result, opts.chalk);
    case 'tsv':
      return toTsv(result);
    case 'table': {
      const shaped = !opts.queried && opts.table ? opts.table(result) : result;
      return renderTable(autoRows(shaped));
    }
  }
}

export interface FittedTableOptions {
  /** The width to fit (a terminal's columns); undefined: no limit. */
  readonly columns?: number;
  /** Columns that may be cut (with '…') to fit: the widest of them is cut first. */
  readonly shrink?: readonly string[];
  /** Styles a cell after it is padded (so colour codes never count in the widths). */
  readonly style?: (column: string, value: string, row: Readonly<Record<string, unknown>>) => ((text: string) => string) | undefined;
}

/** The shortest a cut column gets. */
const MIN_CUT_WIDTH = 8;

/**
 * renderTable's layout, fitted to a width: the `shrink` columns are cut with '…' (never below 8 characters), the
 * widest first, until a line fits; cells are styled after padding.
 */
export function renderFittedTable(rows: readonly Record<string, unknown>[], opts: FittedTableOptions): string {
  if (rows.length === 0) return '';
  const columns: string[] = [];
  for (const row of rows) for (const k of Object.keys(row)) if (!columns.includes(k)) columns.push(k);
  const numeric = columns.map((c) => rows.every((r) => r[c] === undefined || r[c] === null || typeof r[c] === 'number'));
  const cells = rows.map((r) => columns.map((c) => scalarText(r[c])));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((row) => row[i]!.length)));
  const total = () => widths.reduce((a, b) => a + b, 0) + 2 * (columns.length - 1);
  if (opts.columns !== undefined && opts.columns > 0) {
    // cut the widest of the shrinkable columns, one character at a time, until the table fits or none can give more
    const shrinkable = (opts.shrink ?? []).map((n) => columns.indexOf(n)).filter((i) => i >= 0);
    const floor = (_i: number) => MIN_CUT_WIDTH; // a header may be cut too ('Destina…')
    while (total() > opts.columns) {
      const candidates = shrinkable.filter((i) => widths[i]! > floor(i));
      if (candidates.length === 0) break;
      const widest = candidates.reduce((a, b) => (widths[b]! > widths[a]! ? b : a));
      widths[widest]!--;
    }
  }
  const cut = (v: string, w: number) => (v.length > w ? `${v.slice(0, w - 1)}…` : v);
  const line = (values: readonly string[], row?: Readonly<Record<string, unknown>>) =>
    values
      .map((v, i) => {
        const w = widths[i]!;
        const text = cut(v, w);
        const padded = numeric[i] ? text.padStart(w) : i === values.length - 1 ? text : text.padEnd(w);
        const style = row ? opts.style?.(columns[i]!, v, row) : undefined;
        return style ? style(padded) : padded;
      })
      .join('  ')
      .trimEnd();
  return [line(columns), line(widths.map((w) => '-'.repeat(w))), ...cells.map((c, k) => line(c, rows[k]))].join('\n') + '\n';
}
