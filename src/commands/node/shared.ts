/** What the node commands share: the cluster they act on (-g/-n, else the current kubectl context). */
import type { FlagSpec } from '../command.js';
import { ArgumentParseError } from '../../errors.js';
import type { Store } from '../../state/store.js';
import { str } from '../common.js';

export const NODE_RESOURCE_GROUP: FlagSpec = {
  long: 'resource-group',
  short: 'g',
  kind: 'string',
  help: 'Name of resource group. Default: the current context (aks-wg cluster get-credentials).',
};
export const NODE_CLUSTER_NAME: FlagSpec = {
  long: 'name',
  short: 'n',
  kind: 'string',
  help: 'Name of the managed cluster. Default: the current context.',
};

/**
 * The cluster named by -g and -n (both or neither), else the current context.
 * @throws ArgumentParseError when only one of them is given; KubeError when there is no current context.
 */
export async function targetCluster(store: Store, args: Readonly<Record<string, unknown>>): Promise<{ rg: string; name: string }> {
  const rg = str(args['resourceGroup']);
  const name = str(args['name']);
  if (rg !== undefined && name !== undefined) return { rg, name };
  if (rg !== undefined || name !== undefined) {
    throw new ArgumentParseError(`the following arguments are required: ${rg === undefined ? '--resource-group/-g' : '--name/-n'}`);
  }
  const { resolveContext } = await import('../../cluster/context.js');
  const ref = resolveContext(store, undefined);
  return { rg: ref.resourceGroup, name: ref.cluster };
}
