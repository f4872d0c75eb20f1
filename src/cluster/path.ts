/**
 * The one path classifier: which way a flow between two cluster endpoints goes, from the endpoints alone. Every
 * verdict reads it — the fabric's report, the Hubble reader, `--compare`, the matrix and the HTML report — so they
 * cannot disagree about a flow. Definitions (the traffic table's rows):
 *   external         either end outside the cluster
 *   node-originated  the host sends: a node's own address or a hostNetwork pod
 *   same-node        a pod to anything on its own node (it never leaves the host)
 *   to-node          a pod to another node's address or a hostNetwork pod there
 *   inter-node       a pod to a pod on another node: the only class AKS's WireGuard encrypts
 */

export const PATH_CLASSES = ['inter-node', 'same-node', 'node-originated', 'to-node', 'external'] as const;
export type PathClass = (typeof PATH_CLASSES)[number];

/** What the classifier reads of an endpoint. A hostNetwork pod may come as kind 'pod' or 'node': it is the host. */
export interface PathEndpoint {
  readonly kind: 'pod' | 'node' | 'external';
  /** The node it lives on (null outside the cluster). */
  readonly node: string | null;
  readonly hostNetwork: boolean;
}

/** Is the endpoint the host's own network stack (a node's address, or a hostNetwork pod)? */
export function onHost(e: PathEndpoint): boolean {
  return e.kind === 'node' || (e.kind === 'pod' && e.hostNetwork);
}

/** The path class of a flow from `src` to `dst`. */
export function classifyPath(src: PathEndpoint, dst: PathEndpoint): PathClass {
  if (src.kind === 'external' || dst.kind === 'external') return 'external';
  if (onHost(src)) return 'node-originated';
  if (src.node !== null && dst.node === src.node) return 'same-node';
  if (onHost(dst)) return 'to-node';
  return 'inter-node';
}

/** Does a packet of the flow leave the source's VM (so that anything on the wire between VMs could see it)? */
export function leavesNode(src: PathEndpoint, dst: PathEndpoint): boolean {
  if (src.kind === 'external' || dst.kind === 'external') return src.kind !== 'external' || dst.kind !== 'external';
  return src.node === null || src.node !== dst.node;
}
