/** Single-flag validators (az's _validators.py) and the service's per-field rules. Pure. */
import { ServiceError, ValidationError } from '../errors.js';
import {
  CLUSTER_NAME_PATTERN,
  MAX_NODES_PER_CLUSTER,
  MAX_NODES_PER_POOL,
  NODEPOOL_NAME_PATTERN,
  type NodepoolMode,
} from './consts.js';

/** @throws ValidationError for a cluster name the API would reject. */
export function validateClusterName(name: string): void {
  if (!CLUSTER_NAME_PATTERN.test(name)) {
    throw new ValidationError('--name cannot exceed 63 characters and can only contain letters, numbers, underscores (_) or dashes (-).');
  }
}

/** ARM's resource group names: 1–90 letters, digits, `_`, `(`, `)`, `-`, `.`, not ending in a period. */
const RESOURCE_GROUP_PATTERN = /^[-\w._()\p{L}\p{N}]{1,90}$/u;

/** @throws ValidationError for a resource group name ARM would reject. */
export function validateResourceGroupName(rg: string): void {
  if (!RESOURCE_GROUP_PATTERN.test(rg) || rg.endsWith('.')) {
    throw new ValidationError(
      `Resource group '${rg}' is not a valid name: use 1 to 90 letters, digits, underscores, parentheses, hyphens and periods, not ending in a period.`,
    );
  }
}

/**
 * @param flag the flag that carried it: '--nodepool-name' on create, '--name' on nodepool commands.
 * @throws ValidationError for a pool name outside ^[a-z][a-z0-9]{0,11}$.
 */
export function validateNodepoolName(name: string, flag: string): void {
  if (NODEPOOL_NAME_PATTERN.test(name)) return;
  if (name.length > 12) throw new ValidationError(`${flag} can contain at most 12 characters`);
  if (!/^[a-zA-Z0-9]+$/.test(name)) throw new ValidationError(`${flag} should contain only alphanumeric characters`);
  throw new ValidationError(`${flag} must start with a lowercase letter and contain only lowercase letters and numbers`);
}

/** @throws ValidationError for a version that is not MAJOR.MINOR or MAJOR.MINOR.PATCH. */
export function validateKubernetesVersion(v: string): void {
  if (!/^\d+\.\d+(\.\d+)?$/.test(v)) throw new ValidationError(`--kubernetes-version '${v}' is not a valid version; use a version like 1.33 or 1.33.2`);
}

/**
 * The service's node count rules: System pools 1–1000, User pools 0–1000, 5,000 per cluster.
 * @throws ServiceError (InvalidParameter).
 */
export function checkPoolCount(pool: string, mode: NodepoolMode, count: number): void {
  const min = mode === 'System' ? 1 : 0;
  if (!Number.isSafeInteger(count) || count < min || count > MAX_NODES_PER_POOL) {
    throw new ServiceError(
      'InvalidParameter',
      `The node count ${count} of agent pool '${pool}' is out of range: a ${mode} pool takes ${min} to ${MAX_NODES_PER_POOL} nodes.`,
    );
  }
}

/** @throws ServiceError (InvalidParameter) when the cluster would exceed 5,000 nodes. */
export function checkClusterCount(total: number): void {
  if (total > MAX_NODES_PER_CLUSTER) {
    throw new ServiceError(
      'InvalidParameter',
      `The cluster would have ${total} nodes; a cluster takes at most ${MAX_NODES_PER_CLUSTER} nodes across all agent pools.`,
    );
  }
}
