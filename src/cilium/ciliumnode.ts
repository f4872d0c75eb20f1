/**
 * The CiliumNode custom resource (cilium.io/v2, cluster-scoped) of a node, as `kubectl get ciliumnode -o yaml`
 * shows it (reference: cilium.md "CiliumNode custom resource").
 *
 * HOOK for the Cilium agents (src/cilium/ agent state): the WireGuard public key and the encryption key index come
 * from the node's agent. Pass them as `agent`; without it the object has no `network.cilium.io/wg-pub-key`
 * annotation and `spec.encryption` is empty (an agent that has not published a key). `agentStates()` is where
 * the agent layer plugs in: `kubectl get ciliumnodes` calls it once per command.
 */
import type { ClusterDoc, NodeRecord } from '../cluster/doc.js';
import { ciliumInternalIp, healthIp } from '../cluster/schedule.js';
import { uidOf } from '../cluster/workloads.js';
import { rfc3339 } from '../cluster/duration.js';
import { clusterNow } from '../cluster/clock.js';
import { publishedKey, WG_ENCRYPTION_KEY_INDEX, WG_PUBKEY_ANNOTATION, type CiliumDoc } from './agents.js';
import type { ImportedDoc } from '../cluster/imported.js';


/** What a node's Cilium agent publishes into its CiliumNode. */
export interface CiliumAgentView {
  /** base64 X25519 public key; undefined while the agent has not published one (or WireGuard is off). */
  readonly publicKey?: string;
  /** spec.encryption.key: 255 with WireGuard; 0 / undefined when the node does not encrypt. */
  readonly encryptionKey?: number;
  /** Imported clusters: the key the real node published (annotation IMPORTED_WG_PUBKEY_ANNOTATION). */
  readonly importedPublicKey?: string;
}

/** On an imported cluster's CiliumNodes: the real node's published key beside the simulation's. */
export const IMPORTED_WG_PUBKEY_ANNOTATION = 'aks-wg.io/imported-wg-pub-key';

/**
 * The agent state of each node, by node name, at the cluster's simulated time: the key each agent has published
 * (agents.ts publishedKey — none while WireGuard is off or the node's agent has not restarted yet in a rollout).
 * Only public keys leave the agent. (repo/cilium.ts agentStatesFor reads the documents.)
 */
export function agentStates(doc: ClusterDoc, cilium: CiliumDoc, imported: ImportedDoc | undefined): Map<string, CiliumAgentView> {
  const out = new Map<string, CiliumAgentView>();
  const now = clusterNow(doc);
  for (const n of doc.nodes) {
    const publicKey = publishedKey(doc, cilium, n.name, now);
    const real = imported?.nodes[n.name]?.publicKey;
    out.set(n.name, { ...(publicKey === null ? {} : { publicKey, encryptionKey: WG_ENCRYPTION_KEY_INDEX }), ...(real ? { importedPublicKey: real } : {}) });
  }
  return out;
}

/** The CiliumNode object of `node`. */
export function ciliumNodeObject(node: NodeRecord, createdMs: number, agent?: CiliumAgentView): Record<string, unknown> {
  const uid = uidOf(`node/${node.name}`);
  return {
    apiVersion: 'cilium.io/v2',
    kind: 'CiliumNode',
    metadata: {
      ...(agent?.publicKey || agent?.importedPublicKey
        ? {
            annotations: {
              ...(agent.importedPublicKey ? { [IMPORTED_WG_PUBKEY_ANNOTATION]: agent.importedPublicKey } : {}),
              ...(agent.publicKey ? { [WG_PUBKEY_ANNOTATION]: agent.publicKey } : {}),
            },
          }
        : {}),
      creationTimestamp: rfc3339(createdMs),
      generation: 1,
      labels: {
        agentpool: node.pool,
        'kubernetes.azure.com/agentpool': node.pool,
        'kubernetes.io/arch': 'amd64',
        'kubernetes.io/hostname': node.name,
        'kubernetes.io/os': 'linux',
      },
      name: node.name,
      ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: node.name, uid }],
      resourceVersion: '1',
      uid: uidOf(`ciliumnode/${node.name}`),
    },
    spec: {
      addresses: [
        { ip: node.ip, type: 'InternalIP' },
        { ip: ciliumInternalIp(node), type: 'CiliumInternalIP' },
      ],
      alibaba_cloud: {},
      azure: {},
      encryption: agent?.encryptionKey ? { key: agent.encryptionKey } : {},
      eni: {},
      health: { ipv4: healthIp(node) },
      ingress: {},
      ipam: { podCIDRs: [node.podCidr], pools: {} },
    },
    status: { alibaba_cloud: {}, azure: {}, eni: {}, ipam: { 'operator-status': {} } },
  };
}
