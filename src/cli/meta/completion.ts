/**
 * `aks-wg completion bash|zsh`: a completion script built from the command registry, so it never lags behind the
 * commands: groups, verbs, each command's flags, and the choices of its enum flags. zsh loads the bash function
 * through bashcompinit (as az's completion does).
 */
import { PRINTED, type CommandSpec } from '../../commands/command.js';
import { ArgumentParseError } from '../../errors.js';

const SHELLS = ['bash', 'zsh'];

interface Leaf {
  readonly path: readonly string[];
  readonly flags: readonly { long: string; short?: string; choices?: readonly string[] }[];
}

const words = (list: readonly string[]): string => list.join(' ');

/** The bash completion function for these commands. */
export function bashCompletion(leaves: readonly Leaf[]): string {
  const groups = [...new Set(leaves.map((l) => l.path[0]!))];
  const verbsOf = (g: string) => leaves.filter((l) => l.path[0] === g && l.path.length > 1).map((l) => l.path[1]!);
  const flagWords = (l: Leaf) => words(l.flags.flatMap((f) => [`--${f.long}`, ...(f.short ? [`-${f.short}`] : [])]));
  const prevCases = (l: Leaf) =>
    l.flags
      .filter((f) => f.choices)
      .map((f) => `        ${[`--${f.long}`, ...(f.short ? [`-${f.short}`] : [])].join('|')}) COMPREPLY=($(compgen -W "${words(f.choices!)}" -- "$cur")); return ;;`)
      .join('\n');
  const leafCase = (l: Leaf, pattern: string) => {
    const prev = prevCases(l);
    return `    ${pattern})\n${prev ? `      case "$prev" in\n${prev}\n      esac\n` : ''}      opts="${flagWords(l)}" ;;`;
  };
  const lines = [
    '# aks-wg completion for bash: eval "$(aks-wg completion bash)" (in ~/.bashrc to keep it)',
    '_aks_wg() {',
    '  local cur="${COMP_WORDS[COMP_CWORD]}" prev="${COMP_WORDS[COMP_CWORD-1]}" opts=""',
    '  if [ "$COMP_CWORD" -eq 1 ]; then',
    `    COMPREPLY=($(compgen -W "${words(groups)} --help --version" -- "$cur")); return`,
    '  fi',
    '  if [ "$COMP_CWORD" -eq 2 ]; then',
    '    case "${COMP_WORDS[1]}" in',
    ...groups.filter((g) => verbsOf(g).length > 0).map((g) => `      ${g}) COMPREPLY=($(compgen -W "${words(verbsOf(g))}" -- "$cur")); return ;;`),
    ...(leaves.some((l) => l.path[0] === 'completion') ? [`      completion) COMPREPLY=($(compgen -W "${words(SHELLS)}" -- "$cur")); return ;;`] : []),
    '    esac',
    '  fi',
    '  case "${COMP_WORDS[1]} ${COMP_WORDS[2]}" in',
    ...leaves.map((l) => leafCase(l, l.path.length > 1 ? `"${l.path.join(' ')}"` : `"${l.path[0]} "*`)),
    '  esac',
    '  COMPREPLY=($(compgen -W "$opts" -- "$cur"))',
    '}',
    'complete -o default -F _aks_wg aks-wg',
  ];
  return lines.join('\n') + '\n';
}

/** The `completion` command, listing the commands `specs` gives (the registry's). */
export const completionSpec = (specs: () => Promise<CommandSpec[]>): CommandSpec => ({
  path: ['completion'],
  summary: 'Print a shell completion script: eval "$(aks-wg completion bash)" or eval "$(aks-wg completion zsh)".',
  flags: [],
  positionals: [{ name: 'SHELL', required: true }],
  output: false,
  examples: ['eval "$(aks-wg completion bash)"', 'aks-wg completion zsh > ~/.zsh/aks-wg.zsh'],
  async run({ env, positionals }) {
    const shell = positionals[0]!;
    if (!SHELLS.includes(shell)) throw new ArgumentParseError(`argument SHELL: invalid choice: '${shell}' (choose from ${SHELLS.map((s) => `'${s}'`).join(', ')})`);
    const { allFlags } = await import('../program.js');
    const leaves = (await specs()).map((s) => ({ path: s.path, flags: allFlags(s) }));
    const bash = bashCompletion(leaves);
    env.stdout.write(shell === 'bash' ? bash : `#compdef aks-wg\n# aks-wg completion for zsh, through bash's function\nautoload -U +X bashcompinit && bashcompinit\n${bash}`);
    return PRINTED;
  },
});
