/**
 * Wires command specs into a commander tree: it parses the known flags and prints help. The rules that make errors
 * look like az's live in args.ts; this file only wires.
 */
import { Command, CommanderError, Option } from 'commander';
import type { Env } from '../platform/env.js';
import type { CommandSpec, FlagSpec } from '../commands/command.js';
import { OUTPUT_FORMATS } from './output.js';

export interface Group {
  readonly name: string;
  readonly summary: string;
}

/** Flags every command takes (az's global arguments); `-o` and `--query` only where the command formats output. */
export function globalFlags(spec: CommandSpec): FlagSpec[] {
  const flags: FlagSpec[] = [];
  if (spec.output !== false) {
    const out = spec.output ?? {};
    flags.push(
      {
        long: 'output',
        short: 'o',
        kind: 'enum',
        choices: [...OUTPUT_FORMATS, ...(out.extraFormats ?? [])],
        default: out.default ?? 'json',
        help: 'Output format.',
      },
      { long: 'query', kind: 'string', help: 'JMESPath query string. See http://jmespath.org/ for more information and examples.' },
    );
  }
  flags.push(
    { long: 'only-show-errors', kind: 'switch', help: 'Only show errors, suppressing warnings.' },
    { long: 'verbose', kind: 'switch', help: 'Increase logging verbosity.' },
    { long: 'debug', kind: 'switch', help: 'Increase logging verbosity to show all debug logs.' },
  );
  return flags;
}

export function allFlags(spec: CommandSpec): FlagSpec[] {
  return [...spec.flags, ...globalFlags(spec)];
}

function toOption(flag: FlagSpec): Option {
  const names = `${flag.short ? `-${flag.short}, ` : ''}--${flag.long}`;
  const placeholder = flag.kind === 'switch' ? '' : flag.kind === 'enum' ? ' <value>' : ` <${flag.long.split('-').pop()}>`;
  let help = flag.help;
  if (flag.choices) help += ` Allowed values: ${flag.choices.join(', ')}.`;
  if (flag.default !== undefined) help += ` Default: ${flag.default}.`;
  if (flag.required) help += ' Required.';
  return new Option(names + placeholder, help);
}

export interface Parsed {
  spec: CommandSpec;
  raw: Record<string, unknown>;
  operands: string[];
}

/** Build the program; the leaf actions report what they parsed through `onParsed`. */
export function buildProgram(
  env: Env,
  groups: readonly Group[],
  specs: readonly CommandSpec[],
  version: string,
  onParsed: (p: Parsed) => void,
): Command {
  const out = {
    writeOut: (s: string) => void env.stdout.write(s),
    writeErr: () => {},
    getOutHelpWidth: () => 100,
    getErrHelpWidth: () => 100,
  };
  const program = new Command('aks-wg')
    .description('Try and verify WireGuard in-transit encryption on Azure Kubernetes Service, on a laptop.')
    .version(version, '--version', 'Show the version.')
    .exitOverride()
    .configureOutput(out)
    .helpOption('-h, --help', 'Show this help message and exit.')
    .helpCommand(false)
    .configureHelp({ subcommandTerm: (cmd) => cmd.name() });
  for (const group of groups) {
    const g = program
      .command(group.name)
      .description(group.summary)
      .helpCommand(false)
      .configureHelp({ subcommandTerm: (cmd) => cmd.name() });
    for (const spec of specs.filter((s) => s.path[0] === group.name)) {
      // a one-word command (`version`, `completion`) is its group's command itself
      const c = spec.path.length === 1 ? g : g.command(spec.path.slice(1).join(' ')).description(spec.summary);
      c.allowExcessArguments(true);
      for (const flag of allFlags(spec)) c.addOption(toOption(flag));
      // Operands beyond the spec are collected so args.ts can report them as az does ("unrecognized arguments").
      const operands = spec.positionals?.map((p) => (p.required ? `<${p.name}>` : `[${p.name}]`)).join(' ') ?? '';
      c.arguments(`${operands} [extra...]`.trim()).usage(`[options]${operands ? ` ${operands}` : ''}`);
      if (spec.examples?.length) c.addHelpText('after', `\nExamples:\n${spec.examples.map((e) => `  ${e}`).join('\n')}\n`);
      c.action((...params: unknown[]) => {
        const cmd = params[params.length - 1] as Command;
        onParsed({ spec, raw: cmd.opts(), operands: [...cmd.args] });
      });
    }
  }
  return program;
}

export { CommanderError };
