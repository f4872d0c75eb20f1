import { PRINTED, type CommandSpec } from '../command.js';
import { KubeError } from '../../cluster/manifest.js';
import { str } from '../common.js';
import { CONTEXT_FLAG, kubectlCommand, NAMESPACE_FLAG, openTarget } from './shared.js';

/** `kubectl exec`: runs only the commands the docs verify with, and only in the Cilium agent pods (cilium/exec.ts). */
export const kubectlExec: CommandSpec = kubectlCommand({
  path: ['kubectl', 'exec'],
  summary: 'Execute a command in a container (kubectl exec): in a Cilium agent pod, cilium-dbg encrypt status, cilium-dbg status, cilium-dbg debuginfo --output json and wg show.',
  flags: [
    NAMESPACE_FLAG,
    CONTEXT_FLAG,
    { long: 'container', short: 'c', kind: 'string', help: 'Container name (the Cilium agent pod has cilium-agent).' },
    { long: 'stdin', short: 'i', kind: 'switch', help: 'Pass stdin to the container (accepted; nothing is read).' },
    { long: 'tty', short: 't', kind: 'switch', help: 'Stdin is a TTY (accepted).' },
  ],
  positionals: [
    { name: 'POD', required: true },
    { name: 'COMMAND', required: false, variadic: true },
  ],
  examples: [
    'aks-wg kubectl exec -n kube-system ds/cilium -- cilium-dbg encrypt status',
    'aks-wg kubectl exec -n kube-system cilium-abcde -- wg show cilium_wg0',
  ],
  async run(ctx) {
    const { env, args, positionals } = ctx;
    const [target, ...command] = positionals as [string, ...string[]];
    if (command.length === 0) throw new KubeError('error: you must specify at least one command for the container');
    const namespace = str(args['namespace']) ?? 'default';
    const container = str(args['container']);
    const { store, doc } = openTarget(ctx);
    const { loadSnapshot, sessionStats } = await import('../../repo/snapshot.js');
    const snap = loadSnapshot(store, doc.managedCluster.resourceGroup, doc.managedCluster.name, doc);
    const pods = snap.workloads.pods;
    const notFound = (kind: string, name: string) => new KubeError(`Error from server (NotFound): ${kind} "${name}" not found`);
    const slash = target.indexOf('/');
    let pod;
    if (slash >= 0) {
      const kind = target.slice(0, slash).toLowerCase();
      const name = target.slice(slash + 1);
      if (kind === 'pod' || kind === 'pods' || kind === 'po') {
        pod = pods.find((p) => p.namespace === namespace && p.name === name);
        if (!pod) throw notFound('pods', name);
      } else if (['ds', 'daemonset', 'daemonsets', 'deploy', 'deployment', 'deployments'].includes(kind)) {
        const ownerKind = kind === 'ds' || kind.startsWith('daemonset') ? 'DaemonSet' : 'Deployment';
        const exists = snap.workloads.controllers.some((c) => c.kind === ownerKind && c.namespace === namespace && c.name === name);
        if (!exists) throw notFound(ownerKind === 'DaemonSet' ? 'daemonsets.apps' : 'deployments.apps', name);
        // kubectl picks the first running pod of the controller.
        pod = pods.find((p) => p.namespace === namespace && p.owner?.kind === ownerKind && p.owner.name === name && p.node !== null);
        if (!pod) throw new KubeError(`error: cannot exec into ${kind}/${name}: no running pods`);
      } else throw new KubeError(`error: the server doesn't have a resource type "${target.slice(0, slash)}"`);
    } else {
      pod = pods.find((p) => p.namespace === namespace && p.name === target);
      if (!pod) throw notFound('pods', target);
    }
    if (pod.node === null) throw new KubeError(`error: unable to upgrade connection: pod ${pod.name} is Pending`);
    if (container !== undefined && !pod.containers.some((c) => c.name === container)) {
      throw new KubeError(`error: container ${container} not found in pod ${pod.name}`);
    }
    const isAgent = pod.namespace === 'kube-system' && pod.owner?.kind === 'DaemonSet' && pod.owner.name === 'cilium';
    if (!isAgent) {
      throw new KubeError(
        `error: Internal error occurred: error executing command in container: exec: "${command[0]}": executable file not found in $PATH (aks-wg simulates commands only in the Cilium agent pods: kubectl exec -n kube-system ds/cilium -- ...)`,
      );
    }
    const node = snap.cluster.nodes.find((n) => n.name === pod.node)!;
    const { execInAgent, ExecError } = await import('../../cilium/exec.js');
    const config = snap.configs().get(node.name);
    const stats = config ? await sessionStats(store, snap.cluster, node.name, config.publicKey) : undefined;
    try {
      env.stdout.write(await execInAgent({ snapshot: snap, node, rng: env.rng, stats }, command));
    } catch (e) {
      if (e instanceof ExecError) throw new KubeError(`${e.message}\ncommand terminated with exit code ${e.exitCode}`);
      throw e;
    }
    return PRINTED;
  },
});
