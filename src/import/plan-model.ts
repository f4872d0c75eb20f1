/**
 * The classifiers' model of a kubectl import plan before anything is stored (tests, and checks of a plan).
 */
import type { InsightModel } from '../analysis/model.js';
import type { ImportPlan } from './kubectl-import.js';

/** The model of an import plan before anything is stored (tests, and `cluster import --dry-run` style checks). */
export function modelFromPlan(plan: ImportPlan, opts: { wireguard: boolean; clusterCidrs?: string[] }): InsightModel {
  return {
    nodes: plan.nodes.map((n) => ({
      name: n.name,
      ip: n.ip,
      podCidrs: n.podCidrs,
      vmSize: n.vmSize ?? 'unknown',
      pool: n.pool,
      wireguard: !opts.wireguard || plan.ciliumNodes === 0 || (n.wgPublicKey !== null && n.encryptionKey !== 0),
      optOutNodeEncryption: n.controlPlane || n.encryptionKey === 0,
    })),
    pods: plan.pods.map((p) => ({ namespace: p.namespace, name: p.name, node: p.node, ip: p.ip, hostNetwork: p.hostNetwork, labels: p.labels })),
    services: plan.services.map((s) => ({ namespace: s.namespace, name: s.name, clusterIP: s.clusterIP, selector: s.selector })),
    wireguard: opts.wireguard,
    nodeEncryption: false,
    clusterCidrs: opts.clusterCidrs ?? [],
  };
}
