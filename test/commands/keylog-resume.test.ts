// Issue 12 item 3: `traffic inspect --keylog` on a cluster whose WireGuard sessions an earlier run left behind. The
// earlier sessions' secrets are in no key log, so the run starts fresh handshakes for the pairs it sends over (and
// says so on stderr); the README's tshark recipe then decrypts every inter-node flow of the capture. The tshark
// part is skipped, with a message naming it, when tshark is missing; the key log checks run regardless.
import { afterEach, describe, expect, test } from '@jest/globals';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { session } from '../helpers/cli.js';
import { makeTempDir, removeTempDirs } from '../helpers/tmp.js';
import { missingTools, runCommand } from '../wireguard/tools.js';

afterEach(removeTempDirs);

const noTshark = missingTools(['tshark']).length > 0;
if (noTshark) console.warn('SKIPPED the tshark half of the --keylog resume test: missing tshark');

interface Endpoint {
  ip: string;
  kind: string;
}
interface FlowRow {
  path: string;
  encrypted: boolean;
  source: Endpoint;
  destination: Endpoint;
}

async function clusterWithSessions() {
  const dir = makeTempDir();
  const s = session({ cwd: dir, seed: 'keylog-resume' });
  expect((await s.run('cluster create -g RG -n C --enable-wireguard -c 3')).code).toBe(0);
  // the first run leaves sessions (and no key log) behind
  expect((await s.run('traffic inspect -g RG -n C -o none')).code).toBe(0);
  expect(fs.existsSync(path.join(s.env.home, 'clusters'))).toBe(true);
  return { dir, s };
}

describe('--keylog on a run that continues earlier sessions', () => {
  test('starts fresh handshakes for the pairs it uses, says so, and logs every one of them', async () => {
    const { dir, s } = await clusterWithSessions();
    const r = await s.run('traffic inspect -g RG -n C --capture cap.pcap --keylog keys.txt -o json');
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^--keylog: \d+ node pairs? had WireGuard sessions from an earlier run; started fresh handshakes instead of resuming them, so .*keys\.txt decrypts the capture of this run\.\n$/);
    const keys = fs.readFileSync(path.join(dir, 'keys.txt'), 'utf8');
    // one block of four lines per handshake side (LOCAL/REMOTE_STATIC, LOCAL_EPHEMERAL, PRESHARED_KEY)
    expect(keys).toMatch(/^LOCAL_STATIC_PRIVATE_KEY = /m);
    const flows: FlowRow[] = r.json().flows;
    const interNode = flows.filter((f) => f.path === 'inter-node');
    expect(interNode.length).toBeGreaterThan(0);
    expect(interNode.every((f) => f.encrypted)).toBe(true);

    // a run without --keylog still resumes the sessions: no fresh handshakes, no message
    const plain = await s.run('traffic inspect -g RG -n C -o none');
    expect(plain.stderr).toBe('');
  });

  (noTshark ? test.skip : test)('the README recipe: tshark decrypts every inter-node flow of the capture', async () => {
    const { dir, s } = await clusterWithSessions();
    const r = await s.run('traffic inspect -g RG -n C --capture cap.pcap --keylog keys.txt -o json');
    expect(r.code).toBe(0);
    const flows: FlowRow[] = r.json().flows;
    const t = await runCommand('tshark', [
      '-r', path.join(dir, 'cap.pcap'),
      '-o', `wg.keylog_file:${path.join(dir, 'keys.txt')}`,
      '-T', 'fields', '-e', 'wg.type', '-e', 'wg.handshake_ok', '-e', 'ip.src', '-e', 'ip.dst',
    ]);
    expect(t.code).toBe(0);
    const rows = t.stdout.trim().split('\n').map((l) => l.split('\t'));
    // every handshake response verifies under the key log
    const responses = rows.filter((row) => row[0] === '2');
    expect(responses.length).toBeGreaterThan(0);
    expect(responses.every((row) => row[1] === '1')).toBe(true);
    // every encrypted inter-node flow shows its inner pod addresses (outer, inner) on some transport packet
    const inner = new Set(rows.filter((row) => row[0] === '4' && row[2]!.includes(',')).map((row) => `${row[2]!.split(',')[1]}>${row[3]!.split(',')[1]}`));
    for (const f of flows.filter((x) => x.path === 'inter-node' && x.encrypted)) {
      expect({ flow: `${f.source.ip}>${f.destination.ip}`, seen: inner.has(`${f.source.ip}>${f.destination.ip}`) }).toEqual({ flow: `${f.source.ip}>${f.destination.ip}`, seen: true });
    }
  }, 60_000);
});
