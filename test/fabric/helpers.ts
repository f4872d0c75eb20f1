// A 3-node cluster with workloads, driven through the CLI in-process, and readers for the capture it writes.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { session } from '../helpers/cli.js';
import { makeTempDir } from '../helpers/tmp.js';
import { parsePacket, IPPROTO_UDP } from '../../src/fabric/packets.js';
import { readPcap } from '../../src/fabric/pcap.js';
import { formatIPv4 } from '../../src/net/ip.js';
import { wireGuardMessageType } from '../../src/fabric/fabric.js';

/** web: 6 replicas (two per node) behind a ClusterIP service; a UDP echo service; default namespace. */
export const MANIFEST = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: default}
spec:
  replicas: 6
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: nginx, ports: [{containerPort: 8080}]}]
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: default}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
`;

export type Mode = 'wireguard' | 'cilium-only' | 'azure';

export interface Cluster {
  dir: string;
  run: (argv: string | readonly string[]) => Promise<{ code: number; stdout: string; stderr: string; json<T = any>(): T }>;
  /** Running pods (kubectl get pods -A -o json). */
  pods: () => Promise<{ namespace: string; name: string; node: string; ip: string; hostNetwork: boolean }[]>;
}

const CREATE: Record<Mode, string> = {
  wireguard: '--enable-wireguard',
  'cilium-only': '--network-plugin azure --network-plugin-mode overlay --network-dataplane cilium',
  azure: '',
};

/** Create cluster rg/c with 3 nodes in `mode`, apply MANIFEST. */
export async function makeCluster(mode: Mode, seed = 'fabric'): Promise<Cluster> {
  const dir = makeTempDir();
  const s = session({ seed, cwd: dir, home: path.join(dir, 'state') });
  const must = async (argv: string) => {
    const r = await s.run(argv);
    if (r.code !== 0) throw new Error(`${argv} → ${r.code}: ${r.stderr}`);
    return r;
  };
  await must(`cluster create -g rg -n c -c 3 ${CREATE[mode]} -o none`);
  await must('cluster get-credentials -g rg -n c');
  fs.writeFileSync(path.join(dir, 'web.yaml'), MANIFEST);
  await must('kubectl apply -f web.yaml');
  const pods = async () => {
    const r = await must('kubectl get pods -A -o json');
    return (r.json().items as any[])
      .filter((p) => p.spec.nodeName)
      .map((p) => ({ namespace: p.metadata.namespace, name: p.metadata.name, node: p.spec.nodeName, ip: p.status.podIP, hostNetwork: Boolean(p.spec.hostNetwork) }));
  };
  return { dir, run: s.run, pods };
}

export interface WirePacket {
  timeMs: number;
  src: string;
  dst: string;
  protocol: number;
  srcPort: number;
  dstPort: number;
  /** WireGuard message type (1..4) when the packet is a WireGuard UDP datagram, else 0. */
  wgType: number;
  wgLength: number;
  /** Message fields: sender (types 1, 2), receiver (2, 3, 4). */
  sender?: number;
  receiver?: number;
  checksumsOk: boolean;
}

/** Every packet of a capture, parsed from its bytes. */
export function readCapture(file: string): WirePacket[] {
  const pcap = readPcap(new Uint8Array(fs.readFileSync(file)));
  if (pcap.linkType !== 101) throw new Error(`unexpected link type ${pcap.linkType}`);
  return pcap.packets.map((p) => {
    const parsed = parsePacket(p.data);
    if (!parsed) throw new Error('a captured packet is not IPv4');
    const wg = parsed.protocol === IPPROTO_UDP ? wireGuardMessageType(parsed.payload) : 0;
    const v = new DataView(parsed.payload.buffer, parsed.payload.byteOffset, parsed.payload.byteLength);
    return {
      timeMs: p.timeMs,
      src: formatIPv4(parsed.src),
      dst: formatIPv4(parsed.dst),
      protocol: parsed.protocol,
      srcPort: parsed.srcPort,
      dstPort: parsed.dstPort,
      wgType: wg,
      wgLength: parsed.payload.length,
      sender: wg === 1 || wg === 2 ? v.getUint32(4, true) : undefined,
      receiver: wg === 2 ? v.getUint32(8, true) : wg === 3 || wg === 4 ? v.getUint32(4, true) : undefined,
      checksumsOk: parsed.headerChecksumOk && parsed.l4ChecksumOk,
    };
  });
}

/** Cilium's connectivity-test filter: plaintext packets `src <a> and dst <b>` on eth0 (WireGuard datagrams excluded). */
export function plaintextBetween(packets: WirePacket[], a: string, b: string): WirePacket[] {
  return packets.filter((p) => p.wgType === 0 && p.src === a && p.dst === b);
}
