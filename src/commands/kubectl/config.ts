/**
 * `kubectl config current-context | get-contexts [NAME] | use-context NAME` over aks-wg's kubeconfig (the contexts
 * `cluster get-credentials` merged). Output and errors as kubectl prints them.
 */
import { PRINTED, type CommandSpec } from '../command.js';
import { readConfig, useContext } from '../../repo/context.js';
import { KubeError } from '../../cluster/manifest.js';
import { openStore } from '../../repo/cluster.js';
import { formatColumns, kubectlCommand } from './shared.js';

const SUBCOMMANDS = ['current-context', 'get-contexts', 'use-context'];

export const kubectlConfig: CommandSpec = kubectlCommand({
  path: ['kubectl', 'config'],
  summary: "Show and switch the contexts of aks-wg's kubeconfig (kubectl config current-context|get-contexts|use-context).",
  flags: [{ long: 'output', short: 'o', kind: 'enum', choices: ['name'], help: 'get-contexts: print only the context names.' }],
  positionals: [
    { name: 'SUBCOMMAND', required: true },
    { name: 'NAME', required: false },
  ],
  output: false,
  examples: ['aks-wg kubectl config get-contexts', 'aks-wg kubectl config use-context C', 'aks-wg kubectl config current-context'],
  async run({ env, args, positionals }) {
    const [sub, name] = positionals;
    const store = openStore(env);
    switch (sub) {
      case 'current-context': {
        if (name !== undefined) throw new KubeError(`error: unexpected args: [${name}]`);
        const current = readConfig(store).currentContext;
        if (!current) throw new KubeError('error: current-context is not set');
        env.stdout.write(`${current}\n`);
        return PRINTED;
      }
      case 'get-contexts': {
        const config = readConfig(store);
        const names = Object.keys(config.contexts).sort();
        if (name !== undefined && !names.includes(name)) throw new KubeError(`error: context ${name} not found`);
        const shown = name === undefined ? names : [name];
        if (args['output'] === 'name') {
          env.stdout.write(shown.map((n) => `${n}\n`).join(''));
          return PRINTED;
        }
        // az names the user clusterUser_RG_NAME; the cluster is named after the managed cluster
        const rows = [['CURRENT', 'NAME', 'CLUSTER', 'AUTHINFO', 'NAMESPACE']];
        for (const n of shown) {
          const ref = config.contexts[n]!;
          rows.push([n === config.currentContext ? '*' : '', n, ref.cluster, `clusterUser_${ref.resourceGroup}_${ref.cluster}`, '']);
        }
        env.stdout.write(formatColumns(rows));
        return PRINTED;
      }
      case 'use-context': {
        if (name === undefined) throw new KubeError('error: Unexpected args: []\nsee \'aks-wg kubectl config use-context -h\' for help');
        await store.mutate((tx) => useContext(tx, name));
        env.stdout.write(`Switched to context "${name}".\n`);
        return PRINTED;
      }
      default:
        throw new KubeError(`error: unknown command "${sub}" for "kubectl config" (aks-wg has ${SUBCOMMANDS.join(', ')})`);
    }
  },
});
