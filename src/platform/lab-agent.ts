/**
 * The lab's traffic agent: a small standalone program the lab runs inside a pod's or node's network namespace
 * (`ip netns exec NS node lab-agent.js MODE JSON`). It carries no verdicts: what it sends is read off the capture.
 *
 *   serve {"listen":[{"protocol":"TCP"|"UDP","port":N}]}    listen on 0.0.0.0, answer every connection/datagram;
 *                                                           prints "ready" once every port listens; runs until killed
 *   send  {"flows":[{"id":N,"protocol":"TCP"|"UDP"|"ICMP",   send each flow once from its source port (ICMP: one echo
 *          "dst":IP,"port":N,"srcPort":N}],"timeoutMs":N}     with ping); prints one JSON line per flow, then exits
 */
import { spawn } from 'node:child_process';
import * as dgram from 'node:dgram';
import * as net from 'node:net';

interface Listen {
  protocol: 'TCP' | 'UDP';
  port: number;
}
interface SendFlow {
  id: number;
  protocol: 'TCP' | 'UDP' | 'ICMP';
  dst: string;
  port: number | null;
  srcPort: number;
}

const PAYLOAD = Buffer.from('aks-wg lab\n');

async function serve(listen: Listen[]): Promise<void> {
  await Promise.all(
    listen.map(
      (l) =>
        new Promise<void>((resolve, reject) => {
          if (l.protocol === 'TCP') {
            const server = net.createServer((sock) => {
              sock.on('error', () => undefined);
              sock.once('data', () => sock.end(PAYLOAD));
            });
            server.once('error', reject);
            server.listen(l.port, '0.0.0.0', () => resolve());
          } else {
            const sock = dgram.createSocket('udp4');
            sock.on('message', (_msg, from) => sock.send(PAYLOAD, from.port, from.address));
            sock.once('error', reject);
            sock.bind(l.port, '0.0.0.0', () => resolve());
          }
        }),
    ),
  );
  process.stdout.write('ready\n');
  process.on('SIGTERM', () => process.exit(0));
}

function sendTcp(f: SendFlow, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect({ host: f.dst, port: f.port!, localPort: f.srcPort, localAddress: undefined });
    const done = (ok: boolean) => {
      clearTimeout(timer);
      sock.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    sock.on('connect', () => sock.write(PAYLOAD));
    sock.on('data', () => done(true));
    sock.on('error', () => done(false));
  });
}

function sendUdp(f: SendFlow, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = dgram.createSocket('udp4');
    const done = (ok: boolean) => {
      clearTimeout(timer);
      try {
        sock.close();
      } catch {
        // closed
      }
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    sock.on('error', () => done(false));
    sock.on('message', () => done(true));
    sock.bind(f.srcPort, () => sock.send(PAYLOAD, f.port!, f.dst));
  });
}

function sendIcmp(f: SendFlow, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn('ping', ['-n', '-c', '1', '-W', String(Math.max(1, Math.ceil(timeoutMs / 1000))), f.dst], { stdio: 'ignore' });
    child.on('error', () => resolve(false));
    child.on('close', (code) => resolve(code === 0));
  });
}

async function send(flows: SendFlow[], timeoutMs: number): Promise<void> {
  await Promise.all(
    flows.map(async (f) => {
      const ok = f.protocol === 'TCP' ? await sendTcp(f, timeoutMs) : f.protocol === 'UDP' ? await sendUdp(f, timeoutMs) : await sendIcmp(f, timeoutMs);
      process.stdout.write(JSON.stringify({ id: f.id, answered: ok }) + '\n');
    }),
  );
}

const [mode, json] = process.argv.slice(2);
const plan = JSON.parse(json ?? '{}') as { listen?: Listen[]; flows?: SendFlow[]; timeoutMs?: number };
if (mode === 'serve') {
  serve(plan.listen ?? []).catch((e: unknown) => {
    process.stderr.write(`lab-agent: ${String(e)}\n`);
    process.exit(1);
  });
} else if (mode === 'send') {
  send(plan.flows ?? [], plan.timeoutMs ?? 2000).then(
    () => process.exit(0),
    (e: unknown) => {
      process.stderr.write(`lab-agent: ${String(e)}\n`);
      process.exit(1);
    },
  );
} else {
  process.stderr.write('usage: lab-agent serve|send JSON\n');
  process.exit(2);
}
