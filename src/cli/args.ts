/**
 * az's argument rules, applied the same way for every command (argparse semantics as knack uses them):
 * - an unknown option, and any operand nobody takes, is an "unrecognized argument" — reported all together, after
 *   the other checks, as argparse's parse_args does;
 * - enum values match case-insensitively and are stored in canonical casing;
 * - ints must parse; required flags are listed together in definition order.
 * Order of failures, as argparse: invalid values first (in command-line order), then missing required flags, then
 * unrecognized arguments. All of them exit 2.
 * One rule for values, as az's: a value that does not parse as its type (`--port abc`, `--duration 10x`) is an
 * argument error (exit 2); a value that parses but lies outside what the command accepts (`--port 70000`,
 * `--sample 0`, a duration over 100 years) is a validation error (exit 1), checked after every parse error and
 * echoing the value as the user typed it.
 */
import { durationArgument, durationSyntaxError } from '../commands/common.js';
import { isDurationText } from '../cluster/duration.js';
import { ArgumentParseError, ValidationError } from '../errors.js';
import { destOf, displayName, type CommandSpec, type FlagSpec } from '../commands/command.js';

export interface ScannedArgv {
  /** The tokens for commander: known flags with their values, and operands. */
  readonly known: string[];
  /** Unknown options and what followed them, in order. */
  readonly unrecognized: string[];
  /** Flags in the order they appeared, with the spelling used ('-o' or '--output'). */
  readonly seen: { flag: FlagSpec; spelling: string }[];
}

function findFlag(flags: readonly FlagSpec[], token: string): { flag: FlagSpec; inline?: string } | undefined {
  if (token.startsWith('--')) {
    const eq = token.indexOf('=');
    const name = eq >= 0 ? token.slice(2, eq) : token.slice(2);
    const flag = flags.find((f) => f.long === name || (f.aliases?.includes(name) ?? false));
    return flag && (eq >= 0 ? { flag, inline: token.slice(eq + 1) } : { flag });
  }
  if (token.length >= 2 && token[0] === '-') {
    const flag = flags.find((f) => f.short === token[1]);
    if (!flag) return undefined;
    // `-o=name` as `-o name` (argparse and kubectl's pflag both split a short option at '=')
    return token.length > 2 ? { flag, inline: token[2] === '=' && flag.kind !== 'switch' ? token.slice(3) : token.slice(2) } : { flag };
  }
  return undefined;
}

/** The switches of a cluster of one-letter switches (`-it`), or undefined when `token` is not one. */
function switchGroup(flags: readonly FlagSpec[], token: string): FlagSpec[] | undefined {
  if (!/^-[A-Za-z]{2,}$/.test(token)) return undefined;
  const group: FlagSpec[] = [];
  for (const c of token.slice(1)) {
    const flag = flags.find((f) => f.short === c);
    if (!flag || flag.kind !== 'switch') return undefined;
    group.push(flag);
  }
  return group;
}

const looksLikeOption = (t: string): boolean => t.length > 1 && t.startsWith('-') && !/^-\d/.test(t);

/** Split a leaf command's argv into what commander may parse and what no flag of the command accepts. */
export function scanArgv(flags: readonly FlagSpec[], argv: readonly string[], takesOperands: boolean): ScannedArgv {
  const known: string[] = [];
  const unrecognized: string[] = [];
  const seen: { flag: FlagSpec; spelling: string }[] = [];
  let afterUnknown = false;
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i]!;
    if (token === '--') {
      known.push(...argv.slice(i));
      break;
    }
    if (looksLikeOption(token)) {
      const group = switchGroup(flags, token);
      if (group) {
        // `-it` is `-i -t`, as argparse and kubectl read a cluster of one-letter switches
        for (const flag of group) {
          seen.push({ flag, spelling: `-${flag.short}` });
          known.push(`-${flag.short}`);
        }
        afterUnknown = false;
        continue;
      }
      const hit = findFlag(flags, token);
      // A switch takes no value: `--yes=x` or `-yx` is not one of ours.
      if (!hit || (hit.flag.kind === 'switch' && hit.inline !== undefined)) {
        unrecognized.push(token);
        afterUnknown = true;
        continue;
      }
      afterUnknown = false;
      seen.push({ flag: hit.flag, spelling: token.startsWith('--') ? `--${hit.flag.long}` : `-${hit.flag.short}` });
      // an alias reaches commander under the flag's own name
      known.push(token.startsWith('--') ? `--${hit.flag.long}${hit.inline !== undefined ? `=${hit.inline}` : ''}` : `-${hit.flag.short}${hit.inline ?? ''}`);
      if (hit.flag.kind !== 'switch' && hit.inline === undefined && i + 1 < argv.length) known.push(argv[++i]!);
      continue;
    }
    // An operand: argparse gives the values after an unknown option to nobody when the command takes no operands.
    if (afterUnknown && !takesOperands) unrecognized.push(token);
    else known.push(token);
  }
  return { known, unrecognized, seen };
}

/** Canonical value of an enum flag, or undefined when it is not one of the choices (case-insensitive). */
export function matchChoice(choices: readonly string[], value: string): string | undefined {
  const lower = value.toLowerCase();
  return choices.find((c) => c.toLowerCase() === lower);
}

/**
 * Apply the rules to commander's raw option values and operands; returns args keyed by dest.
 * @throws ArgumentParseError with az's exact message.
 */
export function resolveArgs(
  spec: CommandSpec,
  prog: string,
  raw: Record<string, unknown>,
  operands: readonly string[],
  scanned: ScannedArgv,
): { args: Record<string, string | number | boolean | undefined>; positionals: string[] } {
  const flags = spec.flags;
  const args: Record<string, string | number | boolean | undefined> = {};
  // 1. Values, in command-line order.
  const checked = new Set<FlagSpec>();
  for (const { flag, spelling } of scanned.seen) {
    if (checked.has(flag)) continue;
    checked.add(flag);
    const value = raw[commanderKey(flag)];
    if (flag.kind === 'enum' && typeof value === 'string' && !matchChoice(flag.choices ?? [], value)) {
      const allowed = [...(flag.choices ?? [])].sort().join(', ');
      throw new ArgumentParseError(`${prog}: '${value}' is not a valid value for '${spelling}'. Allowed values: ${allowed}.`);
    }
    if (flag.kind === 'int' && typeof value === 'string' && !/^[+-]?\d+$/.test(value.trim())) {
      throw new ArgumentParseError(`argument ${displayName(flag)}: invalid int value: '${value}'`);
    }
    if (flag.kind === 'duration' && typeof value === 'string' && !isDurationText(value)) throw durationSyntaxError(displayName(flag), value);
  }
  for (const flag of flags) {
    const value = raw[commanderKey(flag)];
    let v: string | number | boolean | undefined;
    // commander stores `--no-wait` as wait=false (default true); either way a given switch is `true`, absent `undefined`.
    if (flag.kind === 'switch') v = (flag.long.startsWith('no-') ? value === false : value === true) ? true : undefined;
    else if (typeof value === 'string') {
      v =
        flag.kind === 'enum'
          ? matchChoice(flag.choices ?? [], value)
          : flag.kind === 'int'
            ? Number.parseInt(value, 10)
            : flag.kind === 'duration'
              ? undefined // converted in step 4, after every parse error
              : value;
    } else v = flag.default;
    args[destOf(flag)] = v;
  }
  // 2. Required flags, all missing ones together.
  const missing = flags.filter((f) => f.required && args[destOf(f)] === undefined).map(displayName);
  const positionalSpecs = spec.positionals ?? [];
  const missingPos = positionalSpecs.filter((p, i) => p.required && operands[i] === undefined).map((p) => p.name);
  if (missing.length + missingPos.length > 0) {
    throw new ArgumentParseError(`the following arguments are required: ${[...missingPos, ...missing].join(', ')}`);
  }
  // 3. Unrecognized arguments: unknown flags and operands nobody takes.
  const takes = positionalSpecs.some((p) => p.variadic) ? Infinity : positionalSpecs.length;
  const extra = [...scanned.unrecognized, ...operands.slice(takes)];
  if (extra.length > 0) throw new ArgumentParseError(`unrecognized arguments: ${extra.join(' ')}`);
  // 4. Values that parsed but are out of range (exit 1), in command-line order.
  for (const { flag } of scanned.seen) {
    const typed = raw[commanderKey(flag)];
    if (typeof typed !== 'string') continue;
    if (flag.kind === 'duration') args[destOf(flag)] = durationArgument(`--${flag.long}`, typed);
    if (flag.kind === 'int' && flag.range) {
      const [min, max] = flag.range;
      const n = args[destOf(flag)] as number;
      if (n < min || n > max) throw new ValidationError(`--${flag.long} must be from ${min} to ${max}, got ${typed.trim()}`);
    }
    // a count, port or size past 2^53 cannot be held exactly: out of range for every flag, echoed as typed
    if (flag.kind === 'int' && !Number.isSafeInteger(args[destOf(flag)])) {
      throw new ValidationError(`argument ${displayName(flag)}: ${typed.trim()} is out of range`);
    }
  }
  return { args, positionals: operands.slice(0, takes) };
}

/** The key commander stores an option under. */
export function commanderKey(flag: FlagSpec): string {
  const name = flag.long.startsWith('no-') ? flag.long.slice(3) : flag.long;
  return name.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}
