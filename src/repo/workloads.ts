/**
 * Persistence of a cluster's workloads, in their own document beside the cluster's (so `cluster show` never parses
 * 150,000 pods): `clusters/<rg>/<name>/workloads.json`, removed with the cluster directory.
 *
 * The stored form is compact: a controller's pods are `[name, nodeIndex, host, createdMs]` tuples under the
 * controller (labels, containers, hostNetwork and namespace come from the controller), where nodeIndex points into
 * the document's `nodes` list (-1 = Pending) and host is the last part of the pod IP within the node's /24
 * (0 for hostNetwork or Pending pods). Bare pods and services are stored as they are.
 */
import type { Store, Tx } from '../state/store.js';
import type { ClusterDoc, NodeRecord } from '../cluster/doc.js';
import { formatIPv4, parseCidr, parseIPv4 } from '../net/ip.js';
import { clusterDirKey } from './cluster.js';
import { podLabels, reconcileWorkloads } from '../cluster/schedule.js';
import { emptyWorkloads, type Controller, type NamespaceRecord, type Pod, type Service, type Workloads } from '../cluster/workloads.js';

type StoredPod = [name: string, node: number, host: number, createdMs: number];

interface StoredController extends Controller {
  pods: StoredPod[];
}

interface StoredWorkloads {
  nodes: string[];
  controllers: StoredController[];
  pods: Pod[];
  services: Service[];
  namespaces?: NamespaceRecord[];
}

export function workloadsKey(resourceGroup: string, name: string): string {
  return `${clusterDirKey(resourceGroup, name)}/workloads.json`;
}

const keyOf = (doc: ClusterDoc): string => workloadsKey(doc.managedCluster.resourceGroup, doc.managedCluster.name);

function checkShape(data: unknown): string | undefined {
  const d = data as Partial<StoredWorkloads> | null;
  if (!d || typeof d !== 'object') return 'the document is not an object';
  for (const k of ['nodes', 'controllers', 'pods', 'services'] as const) if (!Array.isArray(d[k])) return `"${k}" is not an array`;
  return undefined;
}

export function encodeWorkloads(doc: ClusterDoc, w: Workloads): StoredWorkloads {
  const nodes = doc.nodes.map((n) => n.name);
  const nodeIndex = new Map(nodes.map((n, i) => [n, i]));
  const bases = doc.nodes.map((n) => parseCidr(n.podCidr).base);
  const byOwner = new Map<string, StoredPod[]>();
  const bare: Pod[] = [];
  for (const p of w.pods) {
    if (!p.owner) {
      bare.push(p);
      continue;
    }
    const key = `${p.owner.kind}/${p.namespace}/${p.owner.name}`;
    const i = p.node === null ? -1 : (nodeIndex.get(p.node) ?? -1);
    const host = i < 0 || p.hostNetwork || p.ip === null ? 0 : parseIPv4(p.ip) - bases[i]!;
    const tuple: StoredPod = [p.name, i, host, p.createdMs];
    const list = byOwner.get(key);
    if (list) list.push(tuple);
    else byOwner.set(key, [tuple]);
  }
  return {
    nodes,
    controllers: w.controllers.map((c) => ({ ...c, pods: byOwner.get(`${c.kind}/${c.namespace}/${c.name}`) ?? [] })),
    pods: bare,
    services: w.services,
    ...(w.namespaces?.length ? { namespaces: w.namespaces } : {}),
  };
}

export function decodeWorkloads(doc: ClusterDoc, stored: StoredWorkloads): Workloads {
  const byName = new Map<string, NodeRecord>(doc.nodes.map((n) => [n.name, n]));
  const nodes = stored.nodes.map((name) => byName.get(name));
  const bases = nodes.map((n) => (n ? parseCidr(n.podCidr).base : 0));
  const pods: Pod[] = [];
  const controllers: Controller[] = [];
  for (const sc of stored.controllers) {
    const { pods: tuples, ...c } = sc;
    controllers.push(c);
    const labels = podLabels(c);
    const owner = { kind: c.kind, name: c.name };
    const hostNetwork = c.template.hostNetwork;
    for (const [name, i, host, createdMs] of tuples) {
      const node = i >= 0 ? nodes[i] : undefined;
      pods.push({
        namespace: c.namespace,
        name,
        node: i >= 0 ? (node?.name ?? stored.nodes[i]!) : null,
        ip: !node ? null : hostNetwork ? node.ip : formatIPv4(bases[i]! + host),
        hostNetwork,
        labels,
        containers: c.template.containers,
        owner,
        templateHash: c.templateHash,
        system: c.system,
        createdMs,
      });
    }
  }
  return {
    controllers,
    pods: pods.concat(stored.pods),
    services: stored.services,
    ...(Array.isArray(stored.namespaces) && stored.namespaces.length ? { namespaces: stored.namespaces } : {}),
  };
}

/** Read a cluster's workloads without a lock (empty when none are stored). @throws StateError */
export function loadWorkloads(store: Store, doc: ClusterDoc): Workloads {
  const stored = store.read<StoredWorkloads>(keyOf(doc), checkShape);
  return stored ? decodeWorkloads(doc, stored) : emptyWorkloads();
}

/** Read inside a mutation. @throws StateError */
export function readWorkloads(tx: Tx, doc: ClusterDoc): Workloads {
  const stored = tx.read<StoredWorkloads>(keyOf(doc), checkShape);
  return stored ? decodeWorkloads(doc, stored) : emptyWorkloads();
}

export function writeWorkloads(tx: Tx, doc: ClusterDoc, w: Workloads): void {
  tx.write(keyOf(doc), encodeWorkloads(doc, w));
}

/**
 * The one call for commands that changed a cluster's nodes or configuration: read its workloads, reconcile them
 * with the (already changed) document, stage the result. Call it in the same mutation that writes the document.
 * @throws StateError
 */
export function syncWorkloads(tx: Tx, doc: ClusterDoc): Workloads {
  const w = readWorkloads(tx, doc);
  reconcileWorkloads(doc, w);
  writeWorkloads(tx, doc, w);
  return w;
}
