/**
 * `kubectl describe TYPE [NAME...]`: kubectl's describe layout (a `Key:  value` block per object, labels and
 * annotations one per line, objects separated by a blank line), built from the same API objects `get -o yaml` prints.
 * Each kind shows the fields an engineer looks at first: a pod's node, IP and controller; a service's IP, ports and
 * selector; a CiliumNode's WireGuard key annotation and pod CIDRs.
 */
import { PRINTED, type CommandSpec } from '../command.js';
import { agentStatesFor } from '../../repo/cilium-states.js';
import { KubeError } from '../../cluster/manifest.js';
import { loadWorkloads } from '../../repo/workloads.js';
import type { Workloads } from '../../cluster/workloads.js';
import { items, matches, parseLabelSelector, parseRequests, type Item } from './get.js';
import { CONTEXT_FLAG, kubectlCommand, NAMESPACE_FLAG, openTarget } from './shared.js';

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** `Labels:       a=b` then further pairs aligned under the first; `<none>` when empty. */
function mapLines(title: string, map: Obj, width: number): string[] {
  const keys = Object.keys(map).sort();
  if (keys.length === 0) return [`${`${title}:`.padEnd(width)}<none>`];
  return keys.map((k, i) => `${i === 0 ? `${title}:`.padEnd(width) : ' '.repeat(width)}${k}=${String(map[k])}`);
}

/** One object as kubectl describe prints it. */
export function describeObject(o: Obj): string {
  const meta = obj(o['metadata']);
  const spec = obj(o['spec']);
  const status = obj(o['status']);
  const kind = String(o['kind']);
  const W = 14;
  const line = (k: string, v: unknown) => `${`${k}:`.padEnd(Math.max(W, k.length + 3))}${v === undefined || v === null || v === '' ? '<none>' : String(v)}`;
  const out: string[] = [line('Name', meta['name'])];
  if (meta['namespace'] !== undefined) out.push(line('Namespace', meta['namespace']));
  out.push(...mapLines('Labels', obj(meta['labels']), W), ...mapLines('Annotations', obj(meta['annotations']), W));
  out.push(line('CreationTimestamp', meta['creationTimestamp']));
  switch (kind) {
    case 'Pod': {
      const owner = obj(arr(meta['ownerReferences'])[0]);
      out.push(
        line('Node', spec['nodeName'] ? `${String(spec['nodeName'])}/${String(status['hostIP'] ?? '')}` : undefined),
        line('Status', status['phase']),
        line('IP', status['podIP']),
        line('Controlled By', owner['kind'] ? `${String(owner['kind'])}/${String(owner['name'])}` : undefined),
        'Containers:',
      );
      for (const c of arr(spec['containers']).map(obj)) {
        const ports = arr(c['ports']).map(obj).map((p) => `${String(p['containerPort'])}/${String(p['protocol'])}`);
        out.push(`  ${String(c['name'])}:`, `    Image:  ${String(c['image'])}`, `    Port:   ${ports.length ? ports.join(', ') : '<none>'}`);
      }
      if (spec['hostNetwork'] === true) out.push(line('Host Network', 'true'));
      break;
    }
    case 'Service': {
      const ports = arr(spec['ports']).map(obj);
      out.push(...mapLines('Selector', obj(spec['selector']), W));
      out.push(line('Type', spec['type']), line('IP', spec['clusterIP']));
      for (const p of ports) out.push(line('Port', `${String(p['name'] ?? '<unset>')}  ${String(p['port'])}/${String(p['protocol'])}`), line('TargetPort', `${String(p['targetPort'])}/${String(p['protocol'])}`));
      break;
    }
    case 'Node': {
      const addresses = arr(status['addresses']).map(obj);
      out.push('Addresses:', ...addresses.map((a) => `  ${String(a['type'])}:  ${String(a['address'])}`), line('PodCIDR', spec['podCIDR']));
      break;
    }
    case 'CiliumNode': {
      const ipam = obj(spec['ipam']);
      const addresses = arr(spec['addresses']).map(obj);
      out.push('Spec:', '  Addresses:', ...addresses.map((a) => `    ${String(a['type'])}:  ${String(a['ip'])}`), `  Pod CIDRs:  ${arr(ipam['podCIDRs']).join(', ') || '<none>'}`);
      break;
    }
    case 'Deployment':
    case 'DaemonSet': {
      const sel = obj(obj(spec['selector'])['matchLabels']);
      out.push(line('Selector', Object.keys(sel).sort().map((k) => `${k}=${String(sel[k])}`).join(',')));
      if (kind === 'Deployment') out.push(line('Replicas', `${String(spec['replicas'])} desired | ${String(status['readyReplicas'] ?? 0)} ready`));
      else out.push(line('Desired Number of Nodes Scheduled', status['desiredNumberScheduled']));
      break;
    }
    case 'Namespace':
      out.push(line('Status', obj(o['status'])['phase'] ?? 'Active'));
      break;
  }
  out.push(line('Events', undefined));
  return out.join('\n') + '\n';
}

export const kubectlDescribe: CommandSpec = kubectlCommand({
  path: ['kubectl', 'describe'],
  summary: 'Show details of a resource or group of resources (kubectl describe): pods, services, nodes, ciliumnodes, deployments, daemonsets, namespaces.',
  flags: [
    NAMESPACE_FLAG,
    { long: 'all-namespaces', short: 'A', kind: 'switch', help: 'Describe the requested objects across all namespaces.' },
    { long: 'selector', short: 'l', kind: 'string', help: 'Label selector to filter on, as kubectl get -l.' },
    CONTEXT_FLAG,
  ],
  positionals: [
    { name: 'TYPE', required: true },
    { name: 'NAME', required: false, variadic: true },
  ],
  output: false,
  examples: ['aks-wg kubectl describe ciliumnode NODE', 'aks-wg kubectl describe pod -n kube-system -l k8s-app=cilium'],
  run(ctx) {
    const { env, args, positionals } = ctx;
    const { requests } = parseRequests(positionals);
    const allNs = args['allNamespaces'] === true;
    const namespace = typeof args['namespace'] === 'string' ? args['namespace'] : 'default';
    const selector = typeof args['selector'] === 'string' ? parseLabelSelector(args['selector']) : undefined;
    const target = openTarget(ctx);
    let workloads: Workloads | undefined;
    const source = { doc: target.doc, w: () => (workloads ??= loadWorkloads(target.store, target.doc)), agents: () => agentStatesFor(target.store, target.doc) };
    const found: Item[] = [];
    const errors: string[] = [];
    for (const r of requests) {
      if (r.type.kind === 'ciliumnodes' && target.doc.managedCluster.networkProfile.networkDataplane !== 'cilium') {
        throw new KubeError(`error: the server doesn't have a resource type "${r.word}"`);
      }
      let list = items(r.type.kind, source);
      if (r.type.namespaced && !allNs) list = list.filter((i) => i.namespace === namespace);
      if (selector) list = list.filter((i) => matches(selector, i.labels));
      if (r.names.length === 0) found.push(...list);
      for (const n of r.names) {
        // kubectl describe matches a name prefix when no object has the exact name
        const exact = list.find((i) => i.name === n);
        const hits = exact ? [exact] : list.filter((i) => i.name.startsWith(n));
        if (hits.length === 0) errors.push(`Error from server (NotFound): ${r.type.plural} "${n}" not found`);
        found.push(...hits);
      }
    }
    if (found.length > 0) env.stdout.write(found.map((i) => describeObject(i.object())).join('\n'));
    if (errors.length > 0) {
      env.stderr.write(errors.map((e) => `${e}\n`).join(''));
      throw new KubeError('');
    }
    if (found.length === 0) {
      const namespaced = requests.some((r) => r.type.namespaced);
      env.stderr.write(namespaced && !allNs ? `No resources found in ${namespace} namespace.\n` : 'No resources found\n');
    }
    return PRINTED;
  },
});
