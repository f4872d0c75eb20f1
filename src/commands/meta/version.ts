/** `aks-wg version`: as `az version`, the versions as JSON (any -o, --query). */
import type { CommandSpec } from '../../cli/command.js';
import { VERSION } from '../../cli/registry.js';
import { nodeVersion } from '../../platform/process.js';

export const version: CommandSpec = {
  path: ['version'],
  summary: 'Show the versions of aks-wg and of the Node.js that runs it (as az version).',
  flags: [],
  examples: ['aks-wg version', 'aks-wg version --query \'"aks-wg"\' -o tsv'],
  run() {
    return { 'aks-wg': VERSION, node: nodeVersion() };
  },
};
