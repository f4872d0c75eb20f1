/**
 * The one entry point: main(env, argv) → exit code. Finds the command, applies az's argument rules, runs it,
 * formats the result, and is the only place that turns errors into `ERROR: ...` lines and exit codes.
 */
import * as path from 'node:path';
import { Chalk } from 'chalk';
import { AksWgError, ArgumentParseError, InternalError } from '../errors.js';
import type { Env } from '../platform/env.js';
import { resolveArgs, scanArgv } from './args.js';
import { PRINTED, type OutputFormat } from '../commands/command.js';
import { applyQuery, compileQuery, formatResult, OUTPUT_FORMATS, renderFittedTable } from './output.js';
import { allFlags, buildProgram, CommanderError, type Parsed } from './program.js';
import { COMMANDS, GROUPS, loadSpecs, VERSION, type CommandEntry } from './registry.js';
import { colorEnabled, makeUi } from './ui.js';

const notRecognized = (word: string) => new ArgumentParseError(`'${word}' is misspelled or not recognized by the system.`);

/** The leaf command named by the leading words of argv, and how many words that took. */
function findCommand(argv: readonly string[]): { entry?: CommandEntry; depth: number } {
  const group = GROUPS.find((g) => g.name === argv[0]);
  if (!group) return { depth: 0 };
  for (const entry of COMMANDS) {
    const rest = entry.path.slice(1);
    if (entry.path[0] === group.name && rest.every((w, i) => argv[1 + i] === w)) return { entry, depth: entry.path.length };
  }
  return { depth: 1 };
}

/** kubectl's flags that take a value when they come before the verb (`kubectl -n kube-system exec ...`). */
const KUBECTL_VALUE_FLAGS = new Set(['-n', '--namespace', '--context', '-o', '--output', '-l', '--selector']);

/** kubectl takes flags before its verb: move them after it, so `kubectl -n NS get pods` is `kubectl get -n NS pods`. */
export function kubectlVerbFirst(argv: readonly string[]): readonly string[] {
  if (argv[0] !== 'kubectl') return argv;
  const verbs = new Set(COMMANDS.filter((e) => e.path[0] === 'kubectl').map((e) => e.path[1]));
  const before: string[] = [];
  let i = 1;
  while (i < argv.length && argv[i]!.startsWith('-') && argv[i] !== '--' && !verbs.has(argv[i]!)) {
    const token = argv[i++]!;
    before.push(token);
    if (KUBECTL_VALUE_FLAGS.has(token) && i < argv.length && !verbs.has(argv[i]!)) before.push(argv[i++]!);
  }
  if (before.length === 0 || i >= argv.length || !verbs.has(argv[i]!)) return argv;
  return ['kubectl', argv[i]!, ...before, ...argv.slice(i + 1)];
}

export async function main(env: Env, givenArgv: readonly string[]): Promise<number> {
  const argv = kubectlVerbFirst(givenArgv);
  const dashdash = argv.indexOf('--');
  const flagsPart = dashdash >= 0 ? argv.slice(0, dashdash) : argv;
  const debug = flagsPart.includes('--debug');
  const onlyShowErrors = flagsPart.includes('--only-show-errors');
  const started = env.clock.now();
  try {
    return await dispatch(env, argv, onlyShowErrors);
  } catch (e) {
    return argv[0] === 'kubectl' ? reportKubectl(env, e, argv, debug) : report(env, e, debug);
  } finally {
    // az's --verbose: how long the command took, on stderr
    if ((flagsPart.includes('--verbose') || debug) && argv[0] !== 'kubectl') {
      env.stderr.write(`INFO: Command ran in ${((env.clock.now() - started) / 1000).toFixed(3)} seconds\n`);
    }
  }
}

async function dispatch(env: Env, argv: readonly string[], onlyShowErrors: boolean): Promise<number> {
  let parsed: Parsed | undefined;
  const { entry, depth } = findCommand(argv);
  const dashdash = argv.indexOf('--');
  const wantsHelp = (dashdash >= 0 ? argv.slice(0, dashdash) : argv).some((a) => a === '-h' || a === '--help');
  if (!entry) {
    const word = argv[depth];
    // No command word: `aks-wg`, `aks-wg cluster`, `--help`, `--version` → commander prints help/version, exit 0.
    if (word !== undefined && !word.startsWith('-')) throw notRecognized(word);
    if (argv.length === depth || wantsHelp || argv[0] === '--version') {
      if (argv[0] === '--version' && depth === 0) return parseWithCommander(buildProgram(env, GROUPS, [], VERSION, () => {}), ['--version']);
      // Help lists commands with their summaries: load the group's (or every) command for it.
      const specs = await loadSpecs((e) => depth === 0 || e.path[0] === argv[0]);
      const program = buildProgram(env, GROUPS, specs, VERSION, () => {});
      const target = depth === 0 ? program : program.commands.find((c) => c.name() === argv[0])!;
      target.outputHelp();
      return 0;
    }
    throw new ArgumentParseError(`unrecognized arguments: ${argv.slice(depth).join(' ')}`);
  }
  const spec = await entry.load();
  const program = buildProgram(env, GROUPS, [spec], VERSION, (p) => (parsed = p));
  const rest = argv.slice(depth);
  const flags = allFlags(spec);
  const scanned = scanArgv(flags, rest, (spec.positionals?.length ?? 0) > 0);
  if (wantsHelp) return parseWithCommander(program, [...spec.path, '--help']);
  await parseWithCommander(program, [...spec.path, ...scanned.known]);
  if (!parsed) throw new InternalError(`command ${spec.path.join(' ')} did not parse`);
  const prog = `aks-wg ${spec.path.join(' ')}`;
  const { args, positionals } = resolveArgs({ ...spec, flags }, prog, parsed.raw, parsed.operands, scanned);
  const query = args['query'] as string | undefined;
  if (query !== undefined) await compileQuery(query);

  const ui = makeUi(env, { onlyShowErrors });
  const ctx = { env, args, positionals, ui, path: spec.path.join(' ') };
  let result = await spec.run(ctx);
  // live changes: a running lab (aks-wg lab up) follows its cluster's model
  if (env.fs.existsSync(path.join(env.home, 'lab')) && (await import('../commands/lab/follow.js')).LIVE_CHANGE_COMMANDS.has(ctx.path)) {
    await (await import('../commands/lab/follow.js')).followLabs(ctx);
  }
  if (result !== undefined && result !== PRINTED && spec.output !== false) {
    const exitResult = result;
    const asked = args['output'] as string;
    if (spec.output?.tableText && query === undefined && (asked === 'table' || asked === 'wide')) {
      const columns = env.stdout.isTTY && env.stdout.columns ? env.stdout.columns : undefined;
      env.stdout.write(spec.output.tableText(result, { columns, chalk: ui.chalk, wide: asked === 'wide', fit: (rows, opts) => renderFittedTable(rows, { ...opts, columns }) }));
      return spec.exitCode?.(exitResult, ctx) ?? 0;
    }
    if (query !== undefined) result = await applyQuery(result, query);
    // a command's own format (text, wide, hubble) that reaches here means a queried result: az prints it as JSON
    const format = OUTPUT_FORMATS.includes(asked as OutputFormat) ? (asked as OutputFormat) : asked === 'wide' ? 'table' : 'json';
    const text = await formatResult(result, format, {
      chalk: ui.chalk,
      table: spec.output?.table,
      queried: query !== undefined,
    });
    env.stdout.write(text);
    return spec.exitCode?.(exitResult, ctx) ?? 0;
  }
  return spec.exitCode?.(result, ctx) ?? 0;
}

/** Run commander; its own exits (help, version) become 0 and its parse errors become az-style usage errors (2). */
async function parseWithCommander(program: ReturnType<typeof buildProgram>, words: string[]): Promise<number> {
  try {
    await program.parseAsync(words, { from: 'user' });
    return 0;
  } catch (e) {
    if (!(e instanceof CommanderError)) throw e;
    if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return 0;
    const missing = /option '(?:-(\w), )?--([\w-]+)/.exec(e.message);
    if (e.code === 'commander.optionMissingArgument' && missing) {
      const name = missing[1] ? `--${missing[2]}/-${missing[1]}` : `--${missing[2]}`;
      throw new ArgumentParseError(`argument ${name}: expected one argument`);
    }
    const operand = /missing required argument '([^']+)'/.exec(e.message);
    if (e.code === 'commander.missingArgument' && operand) throw new ArgumentParseError(`the following arguments are required: ${operand[1]}`);
    throw new ArgumentParseError(e.message.replace(/^error: /, ''));
  }
}

function report(env: Env, e: unknown, debug: boolean): number {
  const err = e instanceof AksWgError ? e : new InternalError(e instanceof Error ? e.message : String(e));
  const lines = err.render().split('\n');
  // red on a terminal, as az's
  const red = new Chalk({ level: colorEnabled(env, 'stderr') ? 1 : 0 }).red;
  env.stderr.write(`${red(`ERROR: ${lines[0]}`)}\n${lines.slice(1).map((l) => `${red(l)}\n`).join('')}`);
  if (debug && e instanceof Error && e.stack) env.stderr.write(`${e.stack}\n`);
  return err.exitCode;
}

/** kubectl's error style for the kubectl group: `error: ...` (and a hint to the help after a usage error). */
function reportKubectl(env: Env, e: unknown, argv: readonly string[], debug: boolean): number {
  const err = e instanceof AksWgError ? e : new InternalError(e instanceof Error ? e.message : String(e));
  const verb = argv[1] !== undefined && !argv[1].startsWith('-') ? argv[1] : undefined;
  let message = err.render().replace(/^error: /, '');
  if (err instanceof ArgumentParseError && /is misspelled or not recognized/.test(message) && verb !== undefined) {
    message = `unknown command "${verb}" for "kubectl"`;
  }
  const printer = /'([^']*)' is not a valid value for '(?:-o|--output)'\. Allowed values: (.*)\.$/.exec(message);
  if (printer) message = `unable to match a printer suitable for the output format "${printer[1]}", allowed formats are: ${printer[2]!.split(', ').join(',')}`;
  env.stderr.write(`error: ${message}\n`);
  if (err instanceof ArgumentParseError) env.stderr.write(`See 'aks-wg kubectl${verb && COMMANDS.some((c) => c.path[0] === 'kubectl' && c.path[1] === verb) ? ` ${verb}` : ''} --help' for usage.\n`);
  if (debug && e instanceof Error && e.stack) env.stderr.write(`${e.stack}\n`);
  return err.exitCode;
}
