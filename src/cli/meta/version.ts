/** `aks-wg version`: as `az version`, the versions as JSON (any -o, --query). */
import type { CommandSpec } from '../../commands/command.js';
import { nodeVersion } from '../../platform/process.js';

/** The `version` command for aks-wg version `version` (the registry's VERSION). */
export const versionSpec = (version: string): CommandSpec => ({
  path: ['version'],
  summary: 'Show the versions of aks-wg and of the Node.js that runs it (as az version).',
  flags: [],
  examples: ['aks-wg version', 'aks-wg version --query \'"aks-wg"\' -o tsv'],
  run() {
    return { 'aks-wg': version, node: nodeVersion() };
  },
});
