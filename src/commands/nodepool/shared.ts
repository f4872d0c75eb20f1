/** What the nodepool commands share: flags, the agent pool view, and the lookup with ARM's not-found error. */
import { AGENT_POOL_TYPE } from '../../aks/consts.js';
import type { AgentPool, AgentPoolProfile, ManagedCluster } from '../../aks/model.js';
import type { FlagSpec } from '../command.js';
import { ResourceNotFoundError } from '../../errors.js';

export const CLUSTER_NAME_FLAG: FlagSpec = { long: 'cluster-name', kind: 'string', required: true, help: 'The cluster name.' };
export const POOL_NAME_FLAG: FlagSpec = { long: 'name', short: 'n', kind: 'string', required: true, help: 'The node pool name.' };

export function agentPoolView(mc: ManagedCluster, p: AgentPoolProfile): AgentPool {
  const { type: _vmss, ...rest } = p;
  return {
    ...rest,
    id: `${mc.id}/agentPools/${p.name}`,
    resourceGroup: mc.resourceGroup,
    type: AGENT_POOL_TYPE,
    typePropertiesType: 'VirtualMachineScaleSets',
  };
}

export function poolNotFound(mc: ManagedCluster, pool: string): ResourceNotFoundError {
  return new ResourceNotFoundError(
    `The Resource 'Microsoft.ContainerService/managedClusters/${mc.name}/agentPools/${pool}' under resource group '${mc.resourceGroup}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`,
  );
}

/** @throws ResourceNotFoundError */
export function findPool(mc: ManagedCluster, pool: string): AgentPoolProfile {
  const p = mc.agentPoolProfiles.find((x) => x.name === pool);
  if (!p) throw poolNotFound(mc, pool);
  return p;
}

/** az's `aks nodepool list -o table` columns. */
export function poolTableRow(p: unknown): Record<string, unknown> {
  const a = p as Record<string, unknown>;
  return {
    name: a['name'],
    osType: a['osType'],
    kubernetesVersion: a['currentOrchestratorVersion'] ?? a['orchestratorVersion'],
    vmSize: a['vmSize'],
    count: a['count'],
    maxPods: a['maxPods'],
    provisioningState: a['provisioningState'],
    mode: a['mode'],
  };
}
export const poolTable = (r: unknown): unknown => (Array.isArray(r) ? r.map(poolTableRow) : [poolTableRow(r)]);
