// The device's timer queue: nextTimerAt() always equals the earliest pending deadline of any peer, under random
// traffic, handshakes, peer removals and timer firings; and it stays cheap with thousands of peers.
import fc from 'fast-check';
import { SimClock } from '../../src/platform/clock.js';
import { seededRng } from '../../src/platform/rng.js';
import { sodiumBackend } from '../../src/wg-host/sodium-backend.js';
import { Device, type Peer } from '../../src/wireguard/device.js';
import { generatePrivateKey } from '../../src/wireguard/keys.js';
import { ipv4Packet } from './sim.js';

function bruteForceNext(device: Device): number | undefined {
  let min: number | undefined;
  for (const p of device.peers()) {
    const d = p.timers.next();
    if (d !== undefined && (min === undefined || d < min)) min = d;
  }
  return min;
}

test('property: nextTimerAt() matches a scan of every peer', () => {
  fc.assert(
    fc.property(
      fc.array(
        fc.oneof(
          fc.record({ op: fc.constant('send' as const), peer: fc.nat({ max: 7 }) }),
          fc.record({ op: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 20_000 }) }),
          fc.record({ op: fc.constant('remove' as const), peer: fc.nat({ max: 7 }) }),
          fc.record({ op: fc.constant('keepalive' as const), peer: fc.nat({ max: 7 }), seconds: fc.integer({ min: 0, max: 30 }) }),
        ),
        { maxLength: 60 },
      ),
      (ops) => {
        const clock = new SimClock();
        const rng = seededRng('queue');
        const device = new Device({ privateKey: generatePrivateKey(rng), clock, rng, backend: sodiumBackend, send: () => {} });
        const peers: Peer[] = [];
        for (let i = 0; i < 8; i++) {
          peers.push(device.addPeer({ publicKey: new Device({ privateKey: generatePrivateKey(rng), clock, rng, backend: sodiumBackend, send: () => {} }).publicKey, endpoint: { address: '127.0.0.1', port: 1000 + i }, allowedIps: [`10.0.${i}.0/24`] }));
        }
        for (const o of ops) {
          const peer = 'peer' in o ? peers[o.peer]! : undefined;
          if (o.op === 'send') peer!.send(ipv4Packet('10.9.0.1', `10.0.${o.peer}.1`));
          if (o.op === 'remove') device.removePeer(peer!);
          if (o.op === 'keepalive' && !peer!.removed) device.updatePeer(peer!, { persistentKeepaliveSeconds: o.seconds });
          if (o.op === 'advance') {
            const target = clock.now() + o.ms;
            for (let d = device.nextTimerAt(); d !== undefined && d <= target; d = device.nextTimerAt()) {
              clock.set(Math.max(d, clock.now()));
              device.tick();
            }
            clock.set(target);
          }
          expect(device.nextTimerAt()).toBe(bruteForceNext(device));
        }
      },
    ),
    { numRuns: 200 },
  );
});

test('2,000 peers: nextTimerAt() and tick() do not scan every peer', () => {
  const clock = new SimClock();
  const rng = seededRng('many');
  const device = new Device({ privateKey: generatePrivateKey(rng), clock, rng, backend: sodiumBackend, send: () => {} });
  const peers: Peer[] = [];
  for (let i = 0; i < 2000; i++) {
    const pub = new Uint8Array(rng.bytes(32));
    pub[31]! &= 0x7f;
    pub[0] = 9 + (i % 200); // keep away from the low-order points
    try {
      peers.push(device.addPeer({ publicKey: pub as never, endpoint: { address: '127.0.0.1', port: 2000 + (i % 60000) }, allowedIps: [] }));
    } catch {
      // a random 32-byte string is rarely not a usable key; skip it
    }
  }
  for (const p of peers.slice(0, 100)) p.send(new Uint8Array(0));
  // count every read of a peer's deadlines: a scan reads 5 of each of 2,000 peers per call, the queue only its top
  let reads = 0;
  for (const p of peers) {
    const timers = p.timers as unknown as { deadline: object };
    timers.deadline = new Proxy(timers.deadline, {
      get(target, name, receiver) {
        reads++;
        return Reflect.get(target, name, receiver) as unknown;
      },
    });
  }
  for (let i = 0; i < 20_000; i++) device.nextTimerAt();
  expect(reads).toBeLessThan(20_000 * 10);
  expect(device.nextTimerAt()).toBe(bruteForceNext(device));
});

test('a timer re-armed at the deadline it already has is not queued again (persistent keepalive, many packets in one ms)', () => {
  const clock = new SimClock();
  const rng = seededRng('rearm');
  const armed: number[] = [];
  const queues: Uint8Array[][] = [[], []];
  const a = new Device({ privateKey: generatePrivateKey(rng), clock, rng, backend: sodiumBackend, send: (d) => queues[0]!.push(d), onTimerArmed: (at) => armed.push(at) });
  const b = new Device({ privateKey: generatePrivateKey(rng), clock, rng, backend: sodiumBackend, send: (d) => queues[1]!.push(d) });
  const ea = { address: '127.0.0.1', port: 1 };
  const eb = { address: '127.0.0.1', port: 2 };
  const peer = a.addPeer({ publicKey: b.publicKey, endpoint: eb, allowedIps: ['10.9.0.2/32'], persistentKeepaliveSeconds: 25 });
  b.addPeer({ publicKey: a.publicKey, endpoint: ea, allowedIps: ['10.9.0.1/32'] });
  const pump = () => {
    while (queues[0]!.length || queues[1]!.length) {
      for (const d of queues[0]!.splice(0)) b.receive(d, ea);
      for (const d of queues[1]!.splice(0)) a.receive(d, eb);
    }
  };
  // the persistent keepalive started a handshake at addPeer; then a keepalive confirmed the session (no data: no
  // other timer but zeroKeyMaterial is armed)
  pump();
  clock.advance(1);
  armed.length = 0;
  // 1,000 keepalives in one clock ms: every one restarts the persistent keepalive at the same deadline
  for (let i = 0; i < 1000; i++) peer.send(new Uint8Array(0));
  expect(queues[0]!.length).toBe(1000);
  expect(armed).toEqual([clock.now() + 25_000]);
  expect(peer.timers.deadline.persistentKeepalive).toBe(clock.now() + 25_000);
  expect(a.nextTimerAt()).toBe(bruteForceNext(a));
  // and it still fires: a keepalive 25 s after the last packet
  queues[0]!.length = 0;
  clock.advance(25_000);
  a.tick();
  expect(queues[0]!.map((d) => [d[0], d.length])).toEqual([[4, 32]]);
});
