/**
 * Node inventory and IPAM: AKS-style names, an InternalIP from the node subnet (first free from .4) and a /24 pod
 * CIDR per node (first free in the cluster's pod CIDR). Names, IPs and CIDRs never change for a node; scaling in
 * removes the newest instances, as VMSS does by default.
 */
import { ServiceError } from '../errors.js';
import { FIRST_NODE_HOST } from '../aks/consts.js';
import type { ClusterDoc, NodeRecord } from './doc.js';
import { cidrSize, formatIPv4, parseCidr, parseIPv4 } from '../net/ip.js';

export function nodeName(pool: string, hash: string, instance: number): string {
  return `aks-${pool}-${hash}-vmss${instance.toString(36).padStart(6, '0')}`;
}

/** How many /24 node CIDRs a pod CIDR holds. */
export function nodeCapacity(podCidr: string): number {
  const c = parseCidr(podCidr);
  return c.bits > 24 ? 0 : cidrSize(c) / 256;
}

/**
 * Add `count` nodes to a pool (in place).
 * @throws ServiceError when the subnet or the pod CIDR has no room.
 */
export function addNodes(doc: ClusterDoc, pool: string, count: number, vmSize: string): void {
  if (count <= 0) return;
  const subnet = parseCidr(doc.nodeSubnet);
  const pods = parseCidr(doc.podCidrPool);
  const capacity = nodeCapacity(doc.podCidrPool);
  if (doc.nodes.length + count > capacity) {
    throw new ServiceError(
      'InsufficientSubnetSize',
      `Pod CIDR ${doc.podCidrPool} has room for ${capacity} nodes (a /24 each); the cluster would have ${doc.nodes.length + count}. Create the cluster with a larger --pod-cidr.`,
    );
  }
  const usedIps = new Set(doc.nodes.map((n) => parseIPv4(n.ip)));
  const usedSlots = new Set(doc.nodes.map((n) => (parseCidr(n.podCidr).base - pods.base) / 256));
  let ip = subnet.base + FIRST_NODE_HOST;
  const lastIp = subnet.base + cidrSize(subnet) - 2;
  let slot = 0;
  let instance = doc.nextInstance[pool] ?? 0;
  for (let i = 0; i < count; i++) {
    while (usedIps.has(ip)) ip++;
    if (ip > lastIp) throw new ServiceError('InsufficientSubnetSize', `Node subnet ${doc.nodeSubnet} has no free address left.`);
    while (usedSlots.has(slot)) slot++;
    const node: NodeRecord = {
      name: nodeName(pool, doc.nodeNameHash, instance),
      pool,
      instance,
      ip: formatIPv4(ip),
      podCidr: `${formatIPv4(pods.base + slot * 256)}/24`,
      vmSize,
      ...(doc.clockMs !== undefined ? { createdMs: doc.clockMs } : {}),
    };
    usedIps.add(ip);
    usedSlots.add(slot);
    doc.nodes.push(node);
    instance++;
  }
  doc.nextInstance[pool] = instance;
}

/** Remove the newest `count` nodes of a pool (in place); returns the removed nodes. */
export function removeNodes(doc: ClusterDoc, pool: string, count: number): NodeRecord[] {
  const inPool = doc.nodes.filter((n) => n.pool === pool).sort((a, b) => b.instance - a.instance);
  const gone = new Set(inPool.slice(0, count));
  doc.nodes = doc.nodes.filter((n) => !gone.has(n));
  return [...gone];
}

/** Scale a pool to `count` nodes (in place). */
export function scaleNodes(doc: ClusterDoc, pool: string, count: number, vmSize: string): void {
  const have = doc.nodes.reduce((n, node) => n + (node.pool === pool ? 1 : 0), 0);
  if (count > have) addNodes(doc, pool, count - have, vmSize);
  else if (count < have) removeNodes(doc, pool, have - count);
}

export function nodesOfPool(doc: ClusterDoc, pool: string): NodeRecord[] {
  return doc.nodes.filter((n) => n.pool === pool);
}
