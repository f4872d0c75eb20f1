/**
 * No secret ever reaches stdout or stderr: across every command and output format, with --debug, on error paths,
 * and with --capture but no --keylog. Secrets are collected from the state itself — every node and rogue key file
 * (raw and clamped), every session key and handshake secret the fabric persisted — and searched for in base64 and
 * hex. Key files are 0600, the state directory 0700, a key log 0600.
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadSpecs } from '../../src/cli/registry.js';
import { unpackPeer, type DeviceSnapshot } from '../../src/wireguard/snapshot.js';

const SPECS = await loadSpecs();
import { run, testEnv, type TestEnv } from '../helpers/cli.js';
import { listFiles, makeTempDir, removeTempDirs } from '../helpers/tmp.js';

let env: TestEnv;
let cwd: string;
const outputs: { argv: string; text: string }[] = [];

const has = (cmd: string) => SPECS.some((s) => s.path.join(' ') === cmd);

async function sh(argv: string): Promise<number> {
  const r = await run(argv.split(' ').filter(Boolean), { env });
  outputs.push({ argv, text: r.stdout + r.stderr });
  return r.code;
}

beforeAll(async () => {
  cwd = makeTempDir('aks-wg-secrets-');
  env = testEnv({ seed: 'secrets', cwd });
  fs.writeFileSync(
    path.join(cwd, 'web.yaml'),
    'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  replicas: 3\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec: {containers: [{name: web, image: nginx}]}\n',
  );
  const setup = [
    'cluster create -g RG -n C --enable-wireguard',
    'cluster get-credentials -g RG -n C',
    'kubectl apply -f web.yaml',
    'node add-rogue -g RG -n C',
    'traffic inspect -g RG -n C --capture cap.pcap -o none',
    'traffic inspect -g RG -n C --duration 5m -o none',
  ];
  for (const argv of setup) expect(await sh(argv)).toBe(0);
}, 120_000);
afterAll(removeTempDirs);

/** Every secret in the state dir, as the strings that would betray it. */
function secretsInState(): Map<string, string> {
  const found = new Map<string, string>(); // spelling → where
  const add = (bytes: Uint8Array, where: string) => {
    const variants = [bytes];
    if (bytes.length === 32) {
      const clamped = Uint8Array.from(bytes);
      clamped[0]! &= 248;
      clamped[31] = (clamped[31]! & 127) | 64;
      variants.push(clamped);
    }
    for (const v of variants) {
      found.set(Buffer.from(v).toString('base64'), where);
      found.set(Buffer.from(v).toString('hex'), where);
      found.set(Buffer.from(v).toString('hex').toUpperCase(), where);
    }
  };
  const SECRET_FIELD = /(send|receive|recv|private|ephemeral|chaining|preshared|psk|secret|cookie)/i;
  const walk = (v: unknown, where: string, field = ''): void => {
    if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${where}[${i}]`, field));
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, `${where}.${k}`, k);
    else if (typeof v === 'string' && SECRET_FIELD.test(field) && !/public/i.test(field)) {
      const bytes = /^[0-9a-f]{64}$/i.test(v) ? Buffer.from(v, 'hex') : /^[A-Za-z0-9+/]{43}=$/.test(v) ? Buffer.from(v, 'base64') : undefined;
      if (bytes) add(bytes, where);
    }
  };
  // the saved sessions pack each peer's state into one record: decode them, and treat the record itself as a secret
  const sessions = (doc: { data?: { nodes?: Record<string, DeviceSnapshot> } }, rel: string) => {
    for (const [node, device] of Object.entries(doc.data?.nodes ?? {})) {
      for (const [key, packed] of Object.entries(device.peers)) {
        const where = `${rel}:${node}:${key}`;
        found.set(packed, where);
        const p = unpackPeer(key, packed);
        for (const k of p.keypairs) {
          add(k.sendKey, `${where}.sendKey`);
          add(k.receiveKey, `${where}.receiveKey`);
        }
        if (p.pending) for (const [name, bytes] of Object.entries(p.pending)) if (bytes instanceof Uint8Array) add(bytes, `${where}.pending.${name}`);
      }
    }
  };
  for (const rel of listFiles(env.home)) {
    const file = path.join(env.home, rel);
    if (rel.endsWith('.key')) add(fs.readFileSync(file), rel);
    else if (rel.endsWith('fabric/sessions.json')) sessions(JSON.parse(fs.readFileSync(file, 'utf8')), rel);
    else if (rel.endsWith('.json')) walk(JSON.parse(fs.readFileSync(file, 'utf8')), rel);
  }
  return found;
}

test('the state holds real secrets to look for (key files and session keys)', () => {
  const secrets = secretsInState();
  const where = new Set([...secrets.values()].map((w) => (w.endsWith('.key') ? 'key file' : w.includes('sessions') ? 'sessions' : w)));
  expect(where.has('key file')).toBe(true);
  expect(where.has('sessions')).toBe(true);
});

test('no secret appears in any output of any command, format, --debug or error path', async () => {
  const formats = ['json', 'jsonc', 'yaml', 'yamlc', 'table', 'tsv'];
  const lines = [
    'cluster show -g RG -n C',
    'cluster list',
    'nodepool list -g RG --cluster-name C',
    'nodepool show -g RG --cluster-name C -n nodepool1',
    'node list -g RG -n C',
    'clock show --context RG/C',
    'traffic inspect -g RG -n C',
    'traffic inspect -g RG -n C --all-pairs',
    'traffic inspect -g RG -n C --from node/nope --to 1.1.1.1',
  ];
  for (const line of lines) for (const o of formats) await sh(`${line} -o ${o}`);
  for (const line of lines) await sh(`${line} --debug`);
  const text = [
    'cluster encryption-status -g RG -n C',
    'kubectl get nodes -o yaml',
    'kubectl get pods -A -o json',
    'kubectl get ciliumnodes -o yaml',
    'kubectl get ciliumnodes -o json',
    'kubectl exec -n kube-system ds/cilium -- cilium-dbg encrypt status',
    'kubectl exec -n kube-system ds/cilium -- cilium-dbg status',
    'kubectl exec -n kube-system ds/cilium -- cilium-dbg debuginfo --output json',
    'kubectl exec -n kube-system ds/cilium -- wg show cilium_wg0',
    'kubectl exec -n kube-system ds/cilium -- wg show',
    'kubectl exec -n kube-system ds/cilium -- wg show cilium_wg0 private-key',
    'kubectl exec -n kube-system ds/cilium -- wg showconf cilium_wg0',
    'kubectl exec -n kube-system ds/cilium -- cat /var/run/cilium/state/cilium_wg0.key',
    'traffic inspect -g RG -n C --capture cap2.pcap --debug',
    'traffic inspect -g RG -n C --capture /no/such/dir/x.pcap',
    'traffic inspect -g RG -n C --duration 3m --interval 10s -o json',
    'traffic inspect -g RG -n C -o hubble',
    'traffic inspect -g RG -n C --compare',
    'traffic inspect -g RG -n C --view matrix',
    'node reimage aks-nope -g RG -n C --debug',
    'cluster update -g RG -n C --enable-wireguard --debug',
    'cluster update -g RG -n C --encryption-strict-egress-cidr nonsense --debug',
    'cluster show -g RG -n C --as-az-command',
    'nodepool add -g RG --cluster-name C -n extra -c 1 --debug',
    'nodepool scale -g RG --cluster-name C -n extra -c 2',
    'traffic inspect -g RG -n C -o json',
  ];
  if (has('node wg-showconf')) text.push('node wg-showconf aks-x -g RG -n C', `node wg-showconf ${firstNode()} -g RG -n C`, `node wg-showconf ${firstNode()} -g RG -n C --debug`);
  for (const line of text) await sh(line);

  const secrets = secretsInState();
  expect(secrets.size).toBeGreaterThan(10);
  const leaks: string[] = [];
  for (const { argv, text } of outputs) for (const [s, where] of secrets) if (text.includes(s)) leaks.push(`${argv} printed ${where}`);
  expect(leaks).toEqual([]);
}, 300_000);

function firstNode(): string {
  const nodes = JSON.parse(fs.readFileSync(path.join(env.home, 'clusters/rg/c.json'), 'utf8')).data.nodes as { name: string }[];
  return nodes[0]!.name;
}

test('file modes: state dir 0700, key files and every state file 0600, key log 0600', async () => {
  expect(fs.statSync(env.home).mode & 0o777).toBe(0o700);
  const files = listFiles(env.home);
  expect(files.some((f) => f.endsWith('cilium_wg0.key'))).toBe(true);
  for (const f of files) expect({ f, mode: fs.statSync(path.join(env.home, f)).mode & 0o777 }).toEqual({ f, mode: 0o600 });
  const dirs = new Set(files.map((f) => path.dirname(f)).filter((d) => d !== '.'));
  for (const d of dirs) expect({ d, mode: fs.statSync(path.join(env.home, d)).mode & 0o777 }).toEqual({ d, mode: 0o700 });
  expect(await sh('traffic inspect -g RG -n C --capture k.pcap --keylog keys.txt -o none')).toBe(0);
  expect(fs.statSync(path.join(cwd, 'keys.txt')).mode & 0o777).toBe(0o600);
  const keylog = fs.readFileSync(path.join(cwd, 'keys.txt'), 'utf8');
  // The scan would catch a leak: the private keys the user asked to have logged are ones it searches for.
  const logged = [...keylog.matchAll(/^LOCAL_STATIC_PRIVATE_KEY = (\S+)$/gm)].map((m) => m[1]!);
  expect(logged.length).toBeGreaterThan(0);
  const secrets = secretsInState();
  for (const k of logged) expect(secrets.has(k)).toBe(true);
});
