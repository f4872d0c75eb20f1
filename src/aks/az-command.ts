/**
 * `cluster show --as-az-command`: the `az aks create` command line (and one `az aks nodepool add` per further pool)
 * that would build this cluster on Azure, with the flags az takes for each setting the cluster has (verbatim az
 * flag names; values quoted for a POSIX shell where they need it). Settings equal to az's defaults are still
 * spelled out, so the line does not depend on defaults that may change.
 */
import type { ManagedCluster } from './model.js';

/** A value as a POSIX shell word. */
export function shellQuote(v: string): string {
  return /^[A-Za-z0-9_./:=,@%+-]+$/.test(v) ? v : `'${v.replace(/'/g, `'\\''`)}'`;
}

function line(words: string[]): string {
  const out: string[] = [];
  let cur = words[0]!;
  for (const w of words.slice(1)) {
    if (w.startsWith('--') && cur.length > 0) {
      out.push(cur);
      cur = `    ${w}`;
    } else cur += ` ${w}`;
  }
  out.push(cur);
  return out.join(' \\\n');
}

/** The command lines, one per az invocation, each continued over lines with `\`. */
export function azCommands(mc: ManagedCluster): string[] {
  const np = mc.networkProfile;
  const first = mc.agentPoolProfiles[0]!;
  const q = shellQuote;
  const create = ['az aks create', '--resource-group', q(mc.resourceGroup), '--name', q(mc.name), '--location', q(mc.location)];
  create.push('--kubernetes-version', q(mc.kubernetesVersion));
  create.push('--nodepool-name', q(first.name), '--node-count', String(first.count), '--node-vm-size', q(first.vmSize), '--max-pods', String(first.maxPods));
  create.push('--network-plugin', np.networkPlugin);
  if (np.networkPluginMode) create.push('--network-plugin-mode', np.networkPluginMode);
  create.push('--network-dataplane', np.networkDataplane);
  if (np.podCidr) create.push('--pod-cidr', q(np.podCidr));
  create.push('--service-cidr', q(np.serviceCidr), '--dns-service-ip', q(np.dnsServiceIp));
  const acns = np.advancedNetworking;
  if (acns?.enabled) {
    create.push('--enable-acns');
    if (!acns.observability.enabled) create.push('--disable-acns-observability');
    if (!acns.security.enabled) create.push('--disable-acns-security');
    else if (acns.security.transitEncryption?.type === 'WireGuard') create.push('--acns-transit-encryption-type', 'WireGuard');
  }
  create.push('--generate-ssh-keys');
  const out = [line(create)];
  for (const p of mc.agentPoolProfiles.slice(1)) {
    out.push(
      line([
        'az aks nodepool add',
        '--resource-group', q(mc.resourceGroup),
        '--cluster-name', q(mc.name),
        '--name', q(p.name),
        '--mode', p.mode,
        '--node-count', String(p.count),
        '--node-vm-size', q(p.vmSize),
        '--max-pods', String(p.maxPods),
      ]),
    );
  }
  return out;
}
