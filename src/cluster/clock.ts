/**
 * The cluster's simulated clock: `clockMs` in the cluster document, set from env.clock at create and moved only by
 * `aks-wg clock advance` (and, later, by the fabric's simulated runs). Object ages (kubectl AGE) are measured on it.
 */
import type { ManagedCluster } from '../aks/model.js';
import type { ClusterDoc } from './doc.js';

/** The cluster's simulated time (ms since the epoch); documents from before the clock existed read as 0. */
export function clusterNow(doc: ClusterDoc): number {
  return doc.clockMs ?? doc.createdMs ?? 0;
}

export function clusterCreatedMs(doc: ClusterDoc): number {
  return doc.createdMs ?? doc.clockMs ?? 0;
}

/**
 * Move the cluster's clock forward (in place); returns the new time.
 * @throws RangeError when `ms` is negative or not an integer.
 */
export function advanceClusterClock(doc: ClusterDoc, ms: number): number {
  if (!Number.isSafeInteger(ms) || ms < 0) throw new RangeError(`advanceClusterClock: ms must be a non-negative integer, got ${ms}`);
  doc.createdMs ??= clusterNow(doc);
  doc.clockMs = clusterNow(doc) + ms;
  return doc.clockMs;
}

/** The managed cluster as az shows it now: `Updating` while a --no-wait update's rollout has not finished on the clock. */
export function managedClusterView(doc: ClusterDoc): ManagedCluster {
  const mc = doc.managedCluster;
  if (doc.updatingUntilMs === undefined || clusterNow(doc) >= doc.updatingUntilMs) return mc;
  return { ...mc, provisioningState: 'Updating' };
}
