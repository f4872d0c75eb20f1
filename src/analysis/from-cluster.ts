/**
 * InsightModel from what aks-wg stores (the cluster document and the workload model); import/plan-model.ts makes one
 * from an import plan.
 */
import { wireguardConfigured } from '../aks/model.js';
import type { ClusterDoc } from '../cluster/doc.js';
import type { NodeKeyFacts } from '../cluster/imported.js';
import type { Workloads } from '../cluster/workloads.js';
import type { InsightModel } from './model.js';

/**
 * The model of a stored cluster.
 * @param keys per-node key facts (imported clusters); a node missing from it follows the cluster's setting.
 */
export function modelFromCluster(doc: ClusterDoc, workloads: Workloads | undefined, keys?: Readonly<Record<string, NodeKeyFacts>>): InsightModel {
  const mc = doc.managedCluster;
  const np = mc.networkProfile;
  const wg = wireguardConfigured(mc);
  const extra = (doc as ClusterDoc & { importedPodCidrs?: Record<string, string[]> }).importedPodCidrs ?? {};
  return {
    nodes: doc.nodes.map((n) => {
      const k = keys?.[n.name];
      return {
        name: n.name,
        ip: n.ip,
        podCidrs: [n.podCidr, ...(extra[n.name] ?? [])],
        vmSize: n.vmSize,
        pool: n.pool,
        // counterfactual: with WireGuard off every agent would publish a key once it is on; with it on, the keys
        // the CiliumNodes carry decide
        wireguard: !wg || k === undefined || (k.publicKey !== null && !k.optedOut),
        optOutNodeEncryption: Boolean(k?.optedOut),
      };
    }),
    pods: (workloads?.pods ?? []).map((p) => ({ namespace: p.namespace, name: p.name, node: p.node, ip: p.ip, hostNetwork: p.hostNetwork, labels: p.labels })),
    services: (workloads?.services ?? []).map((s) => ({ namespace: s.namespace, name: s.name, clusterIP: s.clusterIP, selector: s.selector })),
    wireguard: wg,
    nodeEncryption: false,
    clusterCidrs: [doc.nodeSubnet, doc.podCidrPool, ...np.serviceCidrs, ...(np.podCidrs ?? [])].filter((c, i, a) => c && a.indexOf(c) === i),
  };
}
