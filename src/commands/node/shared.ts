/** What the node commands share: the cluster they act on (-g/-n, else --context, else the current context). */
import type { FlagSpec } from '../command.js';
import type { Store } from '../../state/store.js';
import { TARGET_FLAGS, targetCluster as target } from '../common.js';

export const NODE_RESOURCE_GROUP: FlagSpec = TARGET_FLAGS[0]!;
export const NODE_CLUSTER_NAME: FlagSpec = TARGET_FLAGS[1]!;
/** --context, listed after -g/-n. */
export const NODE_CONTEXT: FlagSpec = TARGET_FLAGS[2]!;

/** The cluster named by -g and -n (both or neither), else --context, else the current context. */
export async function targetCluster(store: Store, args: Readonly<Record<string, unknown>>): Promise<{ rg: string; name: string }> {
  return target(store, args);
}
