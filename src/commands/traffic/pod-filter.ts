/**
 * Which pods `--all-pairs` and the default flow set use: `--namespace`, `--selector/-l` and
 * `--exclude-host-network` narrow the running pods both ends of a flow are drawn from (as `kubectl get pods -n NS
 * -l SEL` selects pods), before pairs are counted and sampled — so a sample of a 1,000-node cluster is not all
 * hostNetwork DaemonSet pods. `-n` stays the cluster's name, as in az.
 */
import type { CommandContext, FlagSpec } from '../command.js';
import type { Pod, Topology } from '../../fabric/select.js';
import { ArgumentParseError, ValidationError } from '../../errors.js';
import { str } from '../common.js';

export const POD_FILTER_FLAGS: readonly FlagSpec[] = [
  { long: 'namespace', kind: 'string', help: 'With --all-pairs or the default flows: only pods in these namespaces (comma-separated), at both ends.' },
  { long: 'selector', short: 'l', kind: 'string', help: "With --all-pairs or the default flows: only pods whose labels match this selector (kubectl's -l: k=v, k!=v, k, !k), at both ends." },
  { long: 'exclude-host-network', kind: 'switch', help: 'With --all-pairs or the default flows: leave out hostNetwork pods (DaemonSets such as cilium, azure-cns); nodes stay.' },
];

/** The filter flags as given (checked for their company; the selector is compiled when the run starts). */
export interface PodFilterOptions {
  readonly namespaces?: readonly string[];
  readonly selector?: string;
  readonly excludeHostNetwork: boolean;
}

/** The pods a run may use. */
export interface PodFilter extends PodFilterOptions {
  /** The flags given, for messages. */
  readonly described: string;
  matches(pod: Pod): boolean;
}

/**
 * The filter flags, checked; undefined when none was given.
 * @throws ArgumentParseError (2) with --from/--to or --flows (they name their endpoints); ValidationError (1) for an
 *   empty namespace list.
 */
export function podFilterOptions(args: CommandContext['args'], selecting: { fromTo: boolean; flowsFile: boolean }): PodFilterOptions | undefined {
  const nsText = str(args['namespace']);
  const selector = str(args['selector']);
  const excludeHostNetwork = args['excludeHostNetwork'] === true;
  const given = [nsText !== undefined ? '--namespace' : '', selector !== undefined ? '--selector' : '', excludeHostNetwork ? '--exclude-host-network' : ''].filter(Boolean);
  if (given.length === 0) return undefined;
  if (selecting.fromTo || selecting.flowsFile) {
    throw new ArgumentParseError(`${given.join(', ')} filter${given.length === 1 ? 's' : ''} the pods of --all-pairs and the default flows; --from/--to and --flows name their endpoints`);
  }
  let namespaces: string[] | undefined;
  if (nsText !== undefined) {
    namespaces = [...new Set(nsText.split(',').map((s) => s.trim()).filter(Boolean))];
    if (namespaces.length === 0) throw new ValidationError('--namespace: no namespace given');
  }
  return { namespaces, selector, excludeHostNetwork };
}

/** The filter as a predicate (kubectl's selector parser is loaded only when a selector was given). @throws ValidationError */
export async function compilePodFilter(o: PodFilterOptions): Promise<PodFilter> {
  let match: ((labels: Readonly<Record<string, string>>) => boolean) | undefined;
  if (o.selector !== undefined) {
    const { labelSelectorMatcher } = await import('../kubectl/get.js');
    try {
      match = labelSelectorMatcher(o.selector);
    } catch (e) {
      throw new ValidationError(`--selector: ${(e as Error).message.replace(/^error: /, '')}`);
    }
  }
  const namespaces = o.namespaces ? new Set(o.namespaces) : undefined;
  const described = [
    o.namespaces ? `--namespace ${o.namespaces.join(',')}` : '',
    o.selector !== undefined ? `--selector ${o.selector}` : '',
    o.excludeHostNetwork ? '--exclude-host-network' : '',
  ].filter(Boolean).join(' ');
  return {
    ...o,
    described,
    matches: (p) => (!namespaces || namespaces.has(p.namespace)) && (!match || match(p.labels)) && (!o.excludeHostNetwork || !p.hostNetwork),
  };
}

/** The topology with only the pods the filter keeps (nodes and services stay; a service's backends are the kept pods). */
export function filterTopology(topo: Topology, filter: PodFilter | undefined): Topology {
  if (!filter) return topo;
  return { ...topo, workloads: { ...topo.workloads, pods: topo.workloads.pods.filter((p) => filter.matches(p)) } };
}
