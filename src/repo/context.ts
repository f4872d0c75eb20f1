/**
 * The kubeconfig of aks-wg: which cluster the `kubectl` commands talk to. `cluster get-credentials` merges a
 * context named after the cluster (as az does) and makes it current; `--context` picks one per command, either a
 * merged context name or `RG/NAME` for any cluster. Stored at `config.json` in the state directory.
 */
import { KubeError } from '../cluster/manifest.js';
import type { Store, Tx } from '../state/store.js';

export const CONFIG_KEY = 'config.json';

export interface ContextRef {
  readonly resourceGroup: string;
  readonly cluster: string;
}

export interface KubeConfig {
  currentContext: string | null;
  contexts: Record<string, ContextRef>;
}

function checkShape(data: unknown): string | undefined {
  const d = data as Partial<KubeConfig> | null;
  if (!d || typeof d !== 'object') return 'the document is not an object';
  if (d.contexts === null || typeof d.contexts !== 'object') return '"contexts" is not an object';
  return undefined;
}

export function readConfig(store: Store): KubeConfig {
  return store.read<KubeConfig>(CONFIG_KEY, checkShape) ?? { currentContext: null, contexts: {} };
}

/** Merge a cluster's context (named after the cluster) and make it current; returns the context name. */
export function useCluster(tx: Tx, ref: ContextRef): string {
  const config = tx.read<KubeConfig>(CONFIG_KEY, checkShape) ?? { currentContext: null, contexts: {} };
  const name = ref.cluster;
  config.contexts[name] = { resourceGroup: ref.resourceGroup, cluster: ref.cluster };
  config.currentContext = name;
  tx.write(CONFIG_KEY, config);
  return name;
}

/**
 * The cluster a kubectl command targets: `--context` (a merged context name, or RG/NAME), else the current context.
 * @throws KubeError when there is no context or the named one is unknown.
 */
export function resolveContext(store: Store, flag: string | undefined): ContextRef {
  const config = readConfig(store);
  if (flag !== undefined) {
    const known = Object.prototype.hasOwnProperty.call(config.contexts, flag) ? config.contexts[flag] : undefined;
    if (known) return known;
    const slash = flag.indexOf('/');
    if (slash > 0 && slash < flag.length - 1 && flag.indexOf('/', slash + 1) < 0) {
      return { resourceGroup: flag.slice(0, slash), cluster: flag.slice(slash + 1) };
    }
    throw new KubeError(`error: context was not found for specified context: ${flag} (use a context from 'aks-wg cluster get-credentials' or RG/NAME)`);
  }
  const current = config.currentContext;
  const ref = current ? config.contexts[current] : undefined;
  if (!ref) {
    throw new KubeError("error: no current context is set: run 'aks-wg cluster get-credentials -g RG -n NAME' or pass --context RG/NAME");
  }
  return ref;
}

/**
 * Make a merged context current (kubectl config use-context).
 * @throws KubeError when no context has that name
 */
export function useContext(tx: Tx, name: string): void {
  const config = tx.read<KubeConfig>(CONFIG_KEY, checkShape) ?? { currentContext: null, contexts: {} };
  if (!Object.prototype.hasOwnProperty.call(config.contexts, name)) throw new KubeError(`error: no context exists with the name: "${name}"`);
  config.currentContext = name;
  tx.write(CONFIG_KEY, config);
}
