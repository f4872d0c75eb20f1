/**
 * The declarative shape of a command, in the spirit of az's `_params.py`: a flag table (names, kinds, choices,
 * defaults) plus a run function, and what a run gets (the environment and the people-facing output). cli/program.ts
 * turns these into commander commands; cli/args.ts applies az's argument rules (choices matched case-insensitively,
 * ints, required flags, unrecognized arguments) so every command reports usage errors the same way.
 */
import type { ChalkInstance } from 'chalk';
import type { Env } from '../platform/env.js';

/** People-facing output on stderr, as cli/ui.ts gives it to a command. */
export interface Spinner {
  succeed(): void;
  fail(): void;
  text(text: string): void;
}

export interface Ui {
  readonly chalk: ChalkInstance;
  readonly stdoutIsTTY: boolean;
  readonly stderrIsTTY: boolean;
  /** `WARNING: ...` on stderr (suppressed by --only-show-errors). */
  warn(message: string): void;
  /** `ERROR: ...` on stderr (red on a terminal) for a failure the command reports itself before its exit code. */
  error(message: string): void;
  /** A line of progress or information on stderr (suppressed by --only-show-errors). */
  info(message: string): void;
  /** Run work under an ora spinner on a terminal; plain when not a terminal. */
  spin<T>(text: string, work: (s: Spinner) => Promise<T> | T): Promise<T>;
  /** Ask y/n on a terminal; resolves false on anything but y/yes. */
  confirm(question: string): Promise<boolean>;
}

/** 'duration' values (90s, 10m, 1h30m) reach run() as whole milliseconds. */
export type FlagKind = 'string' | 'int' | 'switch' | 'enum' | 'duration';

export interface FlagSpec {
  /** The long name without dashes, as az spells it: 'resource-group'. */
  readonly long: string;
  /** One-letter alias without the dash: 'g'. */
  readonly short?: string;
  /** Other long names accepted for the flag, without dashes ('vm-size'); parsed as `long`, reported as `long`. */
  readonly aliases?: readonly string[];
  readonly kind: FlagKind;
  /** Allowed values in canonical casing (kind 'enum'). */
  readonly choices?: readonly string[];
  readonly required?: boolean;
  /** Applied when the flag is absent. Never give update flags a default: absent must stay `undefined`. */
  readonly default?: string | number;
  /** Kind 'int': the values the command accepts; outside them is a validation error (exit 1) echoing the value as typed. */
  readonly range?: readonly [min: number, max: number];
  readonly help: string;
  /** The key in `args` (default: camelCase of `long`). */
  readonly dest?: string;
}

export interface PositionalSpec {
  readonly name: string;
  readonly required: boolean;
  readonly variadic?: boolean;
}

/** What a command's run() gets: the parsed arguments and the world. */
export interface CommandContext {
  readonly env: Env;
  /** Flag values by dest: strings, numbers, `true` for switches; `undefined` when not given (and no default). */
  readonly args: Readonly<Record<string, string | number | boolean | undefined>>;
  /** Positional operands, in order (a variadic one collects the rest). */
  readonly positionals: readonly string[];
  readonly ui: Ui;
  /** The command path as typed, e.g. 'cluster create'. */
  readonly path: string;
}

export type OutputFormat = 'json' | 'jsonc' | 'yaml' | 'yamlc' | 'table' | 'tsv' | 'none';

export interface OutputSpec {
  /** The default -o for this command (az's is json): one of OUTPUT_FORMATS or of extraFormats. */
  readonly default?: OutputFormat | 'text';
  /** az's table transformer: turns the (un-queried) result into rows for `-o table`. */
  readonly table?: (result: unknown) => unknown;
  /**
   * The command's own `-o table` text (and `-o wide` when listed in extraFormats), used when no --query is given:
   * fitted to the terminal's width, coloured on a terminal, with lines after the table (a summary).
   */
  readonly tableText?: (result: unknown, term: TableTerm) => string;
  /** Extra formats this command prints itself (e.g. 'wide' for kubectl get, 'hubble' for traffic inspect). */
  readonly extraFormats?: readonly string[];
}

/** Where a table is printed: the terminal's width (undefined when not a terminal), colours, and `-o wide`. */
export interface TableTerm {
  readonly columns: number | undefined;
  readonly chalk: ChalkInstance;
  readonly wide: boolean;
  /** Lay rows out as az's table, fitted to `columns`: the `shrink` columns cut with '…', cells styled after padding. */
  fit(
    rows: readonly Record<string, unknown>[],
    opts: { shrink?: readonly string[]; style?: (column: string, value: string, row: Readonly<Record<string, unknown>>) => ((text: string) => string) | undefined },
  ): string;
}

/** A result that the command has already written itself (text outputs such as `wg show`). */
export const PRINTED = Symbol('printed');

export interface CommandSpec {
  /** ['cluster', 'create'] */
  readonly path: readonly string[];
  readonly summary: string;
  readonly flags: readonly FlagSpec[];
  readonly positionals?: readonly PositionalSpec[];
  /** Commands like `kubectl` and `wg` take their own output flags, or none. */
  readonly output?: OutputSpec | false;
  readonly examples?: readonly string[];
  /**
   * Do the work. Return the result object to print (formatted by -o/--query), `undefined` to print nothing, or
   * PRINTED when run() wrote stdout itself. Throw an AksWgError to fail.
   */
  run(ctx: CommandContext): Promise<unknown> | unknown;
  /** Exit code when run() succeeds (default 0); a gate like --fail-on-unencrypted sets it per result. */
  exitCode?(result: unknown, ctx: CommandContext): number;
}

/** camelCase of a flag name: 'resource-group' → 'resourceGroup'. */
export function destOf(flag: FlagSpec): string {
  return flag.dest ?? flag.long.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** az's display name of a flag: '--resource-group/-g'. */
export function displayName(flag: FlagSpec): string {
  return flag.short ? `--${flag.long}/-${flag.short}` : `--${flag.long}`;
}
