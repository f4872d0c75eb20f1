/** Small pure pieces: VM size series, path classes and scenarios, Hubble export shapes and compact lines, az lines, the report page. */
import { describe, expect, test } from '@jest/globals';
import { classifyPath } from '../../src/cluster/path.js';
import { wouldEncrypt, SCENARIO_BIT, type NodeFacts } from '../../src/analysis/coverage.js';
import { shellQuote } from '../../src/aks/az-command.js';
import { compactLine, compactTime, deliveryEvent, hubbleTime, packetEvents } from '../../src/analysis/hubble-export.js';
import { indexModel, type Endpoint, type InsightModel } from '../../src/analysis/model.js';
import { renderReport } from '../../src/analysis/report-html.js';
import { vmSeries, vnetEncryptionSupported } from '../../src/aks/vnet-sizes.js';

describe('VNet encryption VM sizes', () => {
  test.each([
    ['Standard_D4s_v5', 'Dsv5', true],
    ['Standard_D8ads_v5', 'Dadsv5', true],
    ['standard_e16s_v4', 'Esv4', true],
    ['Standard_D2as_v6', 'Dasv6', true],
    ['Standard_M416ms_v2', 'Mmsv2', true],
    ['Standard_DS2_v2', 'DSv2', false],
    ['Standard_D4s_v3', 'Dsv3', false],
    ['Standard_D4pds_v5', 'Dpdsv5', false],
    ['Standard_B2ms', undefined, false],
  ])('%s is series %s (supported: %s)', (size, series, ok) => {
    expect(vmSeries(size)).toBe(series);
    expect(vnetEncryptionSupported(size)).toBe(ok);
  });
});

const ep = (kind: Endpoint['kind'], node: string | null, hostNetwork = false): Endpoint => ({ kind, node, ip: '10.0.0.1', namespace: null, name: null, hostNetwork });

describe('path classes and what each option encrypts', () => {
  const facts = new Map<string, NodeFacts>([
    ['a', { wireguard: true, optOut: false, vnetSupported: true }],
    ['b', { wireguard: true, optOut: false, vnetSupported: true }],
    ['c', { wireguard: true, optOut: false, vnetSupported: false }],
    ['d', { wireguard: false, optOut: false, vnetSupported: true }],
    ['cp', { wireguard: true, optOut: true, vnetSupported: true }],
  ]);
  const bits = (m: number) => Object.entries(SCENARIO_BIT).filter(([, b]) => m & b).map(([s]) => s);
  test.each([
    ['pod → pod across nodes', ep('pod', 'a'), ep('pod', 'b'), 'inter-node', ['wireguard', 'wireguard-node', 'vnet', 'wireguard-vnet']],
    ['pod → pod, one VM size unsupported', ep('pod', 'a'), ep('pod', 'c'), 'inter-node', ['wireguard', 'wireguard-node', 'wireguard-vnet']],
    ['pod → pod, a node without a key', ep('pod', 'a'), ep('pod', 'd'), 'inter-node', ['vnet', 'wireguard-vnet']],
    ['same node', ep('pod', 'a'), ep('pod', 'a'), 'same-node', []],
    ['node → pod on another node', ep('node', 'a'), ep('pod', 'b'), 'node-originated', ['wireguard-node', 'vnet', 'wireguard-vnet']],
    ['node → pod on its own node', ep('node', 'a'), ep('pod', 'a'), 'node-originated', []],
    ['pod → another node', ep('pod', 'a'), ep('node', 'b'), 'to-node', ['wireguard-node', 'vnet', 'wireguard-vnet']],
    ['pod → opted-out control plane node', ep('pod', 'a'), ep('node', 'cp'), 'to-node', ['vnet', 'wireguard-vnet']],
    ['pod → world', ep('pod', 'a'), ep('external', null), 'external', []],
    ['world → pod', ep('external', null), ep('pod', 'a'), 'external', []],
  ])('%s', (_what, src, dst, path, scenarios) => {
    expect(classifyPath(src, dst)).toBe(path);
    expect(bits(wouldEncrypt(src, dst, facts))).toEqual(scenarios);
  });
});

const MODEL: InsightModel = {
  nodes: [
    { name: 'n0', ip: '10.224.0.4', podCidrs: ['10.244.0.0/24'], vmSize: 'Standard_D4s_v5', pool: 'p' },
    { name: 'n1', ip: '10.224.0.5', podCidrs: ['10.244.1.0/24'], vmSize: 'Standard_D4s_v5', pool: 'p' },
  ],
  pods: [
    { namespace: 'shop', name: 'web', node: 'n1', ip: '10.244.1.7', hostNetwork: false, labels: { app: 'web', 'pod-template-hash': 'x' } },
    { namespace: 'shop', name: 'client', node: 'n0', ip: '10.244.0.9', hostNetwork: false, labels: { app: 'client' } },
  ],
  services: [],
  wireguard: true,
  nodeEncryption: false,
  clusterCidrs: ['10.224.0.0/16', '10.244.0.0/16', '10.0.0.0/16'],
};

describe('Hubble export', () => {
  const index = indexModel(MODEL);
  test('times: RFC 3339 with nanoseconds, and the compact Jan _2 form', () => {
    expect(hubbleTime(Date.UTC(2026, 0, 5, 3, 4, 5, 678))).toBe('2026-01-05T03:04:05.678000000Z');
    expect(compactTime('2026-01-05T03:04:05.678912345Z')).toBe('Jan  5 03:04:05.678');
    expect(compactTime('2021-11-10T10:40:59.0197664Z')).toBe('Nov 10 10:40:59.019');
  });

  test('an outer WireGuard packet: TO_NETWORK on the sender and FROM_NETWORK on the receiver, encrypted', () => {
    const [out, inn] = packetEvents(index, 0, { src: '10.224.0.4', dst: '10.224.0.5', protocol: 'UDP', srcPort: 51871, dstPort: 51871, flags: 0, wireguard: true }, 'n0');
    expect(out!.flow).toMatchObject({ node_name: 'n0', trace_observation_point: 'TO_NETWORK', traffic_direction: 'EGRESS', IP: { encrypted: true }, source: { identity: 1 }, destination: { identity: 6 } });
    expect(inn!.flow).toMatchObject({ node_name: 'n1', trace_observation_point: 'FROM_NETWORK', traffic_direction: 'INGRESS', IP: { encrypted: true }, source: { identity: 6 }, destination: { identity: 1 } });
    expect(compactLine(out!)).toBe('Jan  1 00:00:00.000 [n0]: 10.224.0.4:51871 (host) -> 10.224.0.5:51871 (remote-node) to-network FORWARDED (UDP)');
  });

  test('a plaintext pod packet has no encrypted field; pods get labels and a stable identity', () => {
    const [out] = packetEvents(index, 0, { src: '10.244.0.9', dst: '10.224.0.5', protocol: 'TCP', srcPort: 40000, dstPort: 10250, flags: 0x02, wireguard: false }, 'n0');
    expect('encrypted' in out!.flow.IP).toBe(false);
    expect(out!.flow.source).toMatchObject({ namespace: 'shop', pod_name: 'client', labels: ['k8s:app=client', 'k8s:io.kubernetes.pod.namespace=shop'] });
    expect(out!.flow.l4).toEqual({ TCP: { source_port: 40000, destination_port: 10250, flags: { SYN: true } } });
    expect(out!.flow.Summary).toBe('TCP Flags: SYN');
    const again = packetEvents(index, 5, { src: '10.244.0.9', dst: '10.244.1.7', protocol: 'TCP', srcPort: 1, dstPort: 2, flags: 0x10, wireguard: false }, 'n0')[0]!;
    expect(again.flow.source.identity).toBe(out!.flow.source.identity);
    expect(again.flow.destination.labels).toEqual(['k8s:app=web', 'k8s:io.kubernetes.pod.namespace=shop']);
  });

  test('a strict-mode drop', () => {
    const d = deliveryEvent(index, 0, {
      source: { kind: 'pod', ip: '10.244.0.9', node: 'n0' },
      destination: { kind: 'pod', ip: '10.244.1.7', node: 'n1' },
      protocol: 'TCP',
      sourcePort: 41000,
      port: 8080,
      path: 'inter-node',
      verdict: 'DROPPED',
      dropReason: 'UNENCRYPTED_TRAFFIC',
      interface: 'eth0',
    });
    expect(d.flow).toMatchObject({ verdict: 'DROPPED', drop_reason: 195, drop_reason_desc: 'UNENCRYPTED_TRAFFIC', node_name: 'n0', event_type: { type: 1, sub_type: 195 } });
    expect(d.flow.trace_observation_point).toBeUndefined();
    expect(compactLine(d)).toMatch(/^Jan  1 00:00:00\.000 \[n0\]: shop\/client:41000 \(ID:\d+\) -> shop\/web:8080 \(ID:\d+\) Unencrypted traffic DROPPED \(TCP Flags: SYN\)$/);
  });

  test('a reply prints with <- and the client on the left, as hubble does', () => {
    const line = { flow: { time: '2026-01-01T00:00:00Z', verdict: 'FORWARDED', IP: { source: '10.244.1.7', destination: '10.244.0.9' }, l4: { TCP: { source_port: 80, destination_port: 5000 } }, source: { identity: 5, labels: [], namespace: 'shop', pod_name: 'web' }, destination: { identity: 6000, labels: [], namespace: 'shop', pod_name: 'client' }, node_name: 'n0', trace_observation_point: 'TO_ENDPOINT', is_reply: true, Summary: 'TCP Flags: ACK' } };
    expect(compactLine(line)).toBe('Jan  1 00:00:00.000 [n0]: shop/client:5000 (ID:6000) <- shop/web:80 (ID:5) to-endpoint FORWARDED (TCP Flags: ACK)');
  });
});

describe('az command lines and the report page', () => {
  test('shell quoting', () => {
    expect(shellQuote('rg-prod')).toBe('rg-prod');
    expect(shellQuote("my rg's")).toBe(`'my rg'\\''s'`);
  });

  test('the page escapes names, fetches nothing, and embeds the numbers', () => {
    const html = renderReport({
      title: 'RG/<script>',
      source: 'test',
      configured: 'wireguard',
      nodes: [{ name: 'n<0>', pool: 'p', ip: '10.224.0.4', vmSize: 'x', podCidr: '10.244.0.0/24' }],
      pods: [{ name: 'a"b', namespace: 'ns', node: 'n<0>', ip: '10.244.0.9', hostNetwork: false }],
      flows: [],
      summary: { total: 0, encrypted: 0, byPath: { 'inter-node': 0, 'same-node': 0, 'node-originated': 0, 'to-node': 0, external: 0 }, unencryptedInterNodePod: 0 },
    });
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).not.toContain('<script>"');
    expect(html).toContain('RG/&lt;script&gt;');
    expect(html).toContain('data-node="n&lt;0&gt;"');
    expect(html).toMatch(/<script type="application\/json" id="aks-wg-data">\{"summary":\{"total":0/);
  });

  test('a 200-node report stays a reasonable size', () => {
    const nodes = Array.from({ length: 200 }, (_, i) => ({ name: `aks-p-12345678-vmss${String(i).padStart(6, '0')}`, pool: 'p', ip: `10.224.${i >> 8}.${i & 255}`, vmSize: 'Standard_D4s_v5', podCidr: `10.244.${i}.0/24` }));
    const pods = nodes.flatMap((n, i) => Array.from({ length: 30 }, (_, k) => ({ name: `pod-${i}-${k}`, namespace: 'ns', node: n.name, ip: `10.244.${i}.${k + 3}`, hostNetwork: false })));
    const e = (i: number, k: number) => ({ kind: 'pod' as const, ip: `10.244.${i}.${k + 3}`, node: nodes[i]!.name, namespace: 'ns', name: `pod-${i}-${k}`, hostNetwork: false });
    const flows = Array.from({ length: 5000 }, (_, f) => ({ source: e(f % 200, f % 30), destination: e((f * 7) % 200, (f * 3) % 30), path: 'inter-node' as const, encrypted: f % 5 !== 0, count: 1, label: 'TCP 80' }));
    const html = renderReport({ title: 'big', source: 'test', configured: 'wireguard', nodes, pods, flows, summary: { total: 5000, encrypted: 4000, byPath: { 'inter-node': 5000, 'same-node': 0, 'node-originated': 0, 'to-node': 0, external: 0 }, unencryptedInterNodePod: 1000 } });
    expect(html.length).toBeLessThan(2_000_000);
    expect((html.match(/class="flow /g) ?? []).length).toBeLessThanOrEqual(1500);
    expect((html.match(/class="node"/g) ?? []).length).toBe(200);
  });
});
