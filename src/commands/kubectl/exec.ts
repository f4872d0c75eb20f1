import { PRINTED, type CommandSpec } from '../../cli/command.js';
import { openStore } from '../../cluster/repo.js';
import { CommandError } from '../../errors.js';
import { str } from '../common.js';

export const kubectlExec: CommandSpec = {
  path: ['kubectl', 'exec'],
  summary: "Execute a command in a container (kubectl exec): in a Cilium agent pod, cilium-dbg encrypt status, cilium-dbg status, cilium-dbg debuginfo --output json and wg show.",
  flags: [
    { long: 'namespace', short: 'n', kind: 'string', default: 'default', help: 'The namespace of the pod.' },
    { long: 'context', kind: 'string', help: 'The kubeconfig context (a context from get-credentials, or RG/NAME). Default: the current context.' },
    { long: 'container', short: 'c', kind: 'string', help: 'Container name (the Cilium agent pod has cilium-agent).' },
    { long: 'stdin', short: 'i', kind: 'switch', help: 'Pass stdin to the container (accepted; nothing is read).' },
    { long: 'tty', short: 't', kind: 'switch', help: 'Stdin is a TTY (accepted).' },
  ],
  positionals: [
    { name: 'POD', required: true },
    { name: 'COMMAND', required: false, variadic: true },
  ],
  output: false,
  examples: [
    'aks-wg kubectl exec -n kube-system ds/cilium -- cilium-dbg encrypt status',
    'aks-wg kubectl exec -n kube-system cilium-abcde -- wg show cilium_wg0',
  ],
  async run({ env, args, positionals }) {
    const [target, ...command] = positionals as [string, ...string[]];
    if (command.length === 0) throw new CommandError('error: you must specify at least one command for the container');
    const namespace = str(args['namespace'])!;
    const container = str(args['container']);
    const store = openStore(env);
    const { resolveContext } = await import('../../cluster/context.js');
    const ref = resolveContext(store, str(args['context']));
    const { loadSnapshot } = await import('../../cilium/snapshot.js');
    const snap = loadSnapshot(store, ref.resourceGroup, ref.cluster);
    const pods = snap.workloads.pods;
    const notFound = (kind: string, name: string) => new CommandError(`Error from server (NotFound): ${kind} "${name}" not found`);
    const slash = target.indexOf('/');
    let pod;
    if (slash >= 0) {
      const kind = target.slice(0, slash).toLowerCase();
      const name = target.slice(slash + 1);
      if (kind === 'pod' || kind === 'pods' || kind === 'po') pod = pods.find((p) => p.namespace === namespace && p.name === name);
      else if (['ds', 'daemonset', 'daemonsets', 'deploy', 'deployment', 'deployments'].includes(kind)) {
        const ownerKind = kind === 'ds' || kind.startsWith('daemonset') ? 'DaemonSet' : 'Deployment';
        const controllerExists = snap.workloads.controllers.some((c) => c.kind === ownerKind && c.namespace === namespace && c.name === name);
        if (!controllerExists) throw notFound(ownerKind === 'DaemonSet' ? 'daemonsets.apps' : 'deployments.apps', name);
        pod = pods.find((p) => p.namespace === namespace && p.owner?.kind === ownerKind && p.owner.name === name && p.node !== null);
        if (!pod) throw new CommandError(`error: cannot exec into ${kind}/${name}: no running pods`);
      } else throw new CommandError(`error: the server doesn't have a resource type "${target.slice(0, slash)}"`);
      if (!pod) throw notFound('pods', name);
    } else {
      pod = pods.find((p) => p.namespace === namespace && p.name === target);
      if (!pod) throw notFound('pods', target);
    }
    if (pod.node === null) throw new CommandError(`error: unable to upgrade connection: container not found ("${pod.containers[0]?.name ?? pod.name}")`);
    const isAgent = pod.namespace === 'kube-system' && pod.owner?.kind === 'DaemonSet' && pod.owner.name === 'cilium';
    if (container !== undefined && !pod.containers.some((c) => c.name === container)) {
      throw new CommandError(`error: container ${container} not found in pod ${pod.name}`);
    }
    if (!isAgent) {
      throw new CommandError(
        `OCI runtime exec failed: exec failed: unable to start container process: exec: "${command[0]}": executable file not found in $PATH: unknown (aks-wg simulates commands only in the Cilium agent pods: kubectl exec -n kube-system ds/cilium -- ...)`,
      );
    }
    const node = snap.cluster.nodes.find((n) => n.name === pod.node)!;
    const { execInAgent, ExecError } = await import('../../cilium/exec.js');
    try {
      env.stdout.write(await execInAgent({ snapshot: snap, node, rng: env.rng }, command));
    } catch (e) {
      if (e instanceof ExecError) throw new CommandError(`${e.message}\ncommand terminated with exit code ${e.exitCode}`);
      throw e;
    }
    return PRINTED;
  },
};
