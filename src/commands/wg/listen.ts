/**
 * `aks-wg wg listen`: a userspace WireGuard endpoint on a UDP socket that answers one peer's handshakes and the ICMP
 * echo requests addressed to --address, logging each event on stderr, until --timeout or SIGINT. Needs no root.
 */
import { PRINTED, type CommandSpec } from '../command.js';
import { ValidationError } from '../../errors.js';
import type { Env } from '../../platform/env.js';
import { waitUntil } from '../../platform/clock.js';
import { UdpWireGuard } from '../../wg-host/udp-device.js';
import { formatPrefix, parsePrefix } from '../../net/ip.js';
import { formatEndpoint } from '../../wireguard/device.js';
import { encodeKey, type PresharedKey, type PrivateKey, type PublicKey } from '../../wireguard/keys.js';
import { renderShow } from '../../cilium/wg-render.js';
import { icmpEcho, ipv4, parseEcho } from './icmp.js';
import { keyLogWriter } from './ping.js';
import { ADDRESS, KEY_LOG, PEER, PRESHARED_KEY, PRIVATE_KEY, MAX_TIMEOUT_S, ipv4Flag, peerKey, portFlag, presharedKeyFromFile, privateKeyFromFile, openUdp } from './shared.js';

export interface WgListenParams {
  readonly privateKey: PrivateKey;
  readonly listenPort: number;
  readonly bindAddress: string;
  readonly peer: PublicKey;
  readonly allowedIps: readonly string[];
  readonly address: string;
  readonly presharedKey?: PresharedKey;
  /** Stop after this many seconds (undefined: until SIGINT or `stop`). */
  readonly timeoutSeconds?: number;
  readonly keyLogFile?: string;
  /** Resolves the wait early (tests). */
  readonly stop?: () => boolean;
  /** Called once the socket is bound, with the port (tests use port 0). */
  readonly onListening?: (port: number) => void;
}

export interface WgListenResult {
  readonly handshakes: number;
  readonly echoesAnswered: number;
}

/** Serve until the timeout, SIGINT or stop(); logs on stderr, prints the `wg show` view at the end on stdout. */
export async function wgListen(params: WgListenParams, env: Env): Promise<WgListenResult> {
  const me = ipv4(params.address)!;
  let handshakes = 0;
  let echoes = 0;
  const log = (line: string) => env.stderr.write(`${line}\n`);
  let udpRef: UdpWireGuard | undefined;
  const udp = await openUdp({
    privateKey: params.privateKey,
    listenPort: params.listenPort,
    bindAddress: params.bindAddress,
    rng: env.rng,
    clock: env.clock,
    keyLog: params.keyLogFile ? keyLogWriter(env, params.keyLogFile) : undefined,
    onEvent: (e) => {
      if (e.type === 'handshake-response-sent') log(`handshake initiation from peer ${e.peer.name} at ${e.peer.endpoint ? formatEndpoint(e.peer.endpoint) : '?'}: answered`);
      if (e.type === 'session-confirmed' || (e.type === 'session-established' && e.role === 'initiator')) {
        handshakes++;
        log(`session with peer ${e.peer.name} established (index ${e.localIndex.toString(16).padStart(8, '0')})`);
      }
      if (e.type === 'cookie-reply-sent') log(`under load: cookie reply sent to ${formatEndpoint(e.to)}`);
      if (e.type === 'dropped') log(`dropped a packet${e.from ? ` from ${formatEndpoint(e.from)}` : ''}: ${e.reason}`);
    },
    deliver: (packet, peer) => {
      const echo = parseEcho(packet);
      if (!echo || echo.type !== 8 || !echo.dst.every((b, i) => b === me[i])) return;
      echoes++;
      log(`echo request from ${echo.src.join('.')} icmp_seq=${echo.seq}: replied`);
      peer.send(icmpEcho(me, echo.src, 0, echo.id, echo.seq, echo.payload));
      udpRef?.schedule();
    },
  });
  udpRef = udp;
  try {
    udp.device.addPeer({ publicKey: params.peer, presharedKey: params.presharedKey, allowedIps: params.allowedIps });
    log(`listening on ${formatEndpoint(udp.local)} as ${encodeKey(udp.device.publicKey)}, tunnel address ${params.address}`);
    params.onListening?.(udp.local.port);
    const why = await waitUntil(params.stop ?? (() => false), params.timeoutSeconds === undefined ? undefined : params.timeoutSeconds * 1000);
    log(why === 'interrupted' ? 'interrupted' : why === 'timeout' ? `timeout after ${params.timeoutSeconds} s` : 'stopped');
    env.stdout.write(renderShow(udp.device, 'aks-wg'));
  } finally {
    await udp.close();
  }
  return { handshakes, echoesAnswered: echoes };
}

export const wgListenSpec: CommandSpec = {
  path: ['wg', 'listen'],
  summary: "Answer a WireGuard peer's handshakes and pings over UDP until the timeout or Ctrl-C (no root, no TUN).",
  flags: [
    PRIVATE_KEY,
    { long: 'listen-port', kind: 'int', range: [1, 65535], required: true, help: 'UDP port to listen on.' },
    PEER,
    { long: 'allowed-ips', kind: 'string', required: true, help: "The peer's tunnel prefixes, CIDR[,CIDR]." },
    ADDRESS,
    PRESHARED_KEY,
    { long: 'timeout', kind: 'int', range: [1, MAX_TIMEOUT_S], help: 'Stop after this many seconds (default: run until interrupted).' },
    { long: 'bind-address', kind: 'string', default: '127.0.0.1', help: 'Local address to bind.' },
    KEY_LOG,
  ],
  output: false,
  examples: ['aks-wg wg listen --private-key b.key --listen-port 51820 --peer <b64> --allowed-ips 10.9.0.2/32 --address 10.9.0.1'],
  async run({ env, args }) {
    const allowed = String(args['allowedIps']).split(',').map((s) => s.trim());
    for (const c of allowed) if (!parsePrefix(c)) throw new ValidationError(`--allowed-ips: not a valid prefix: ${JSON.stringify(c)}`);
    const timeout = args['timeout'] as number | undefined;
    if (timeout !== undefined && !(timeout >= 1)) throw new ValidationError(`--timeout: expected a positive number of seconds, got ${timeout}`);
    await wgListen(
      {
        privateKey: privateKeyFromFile(env, String(args['privateKey'])),
        listenPort: portFlag(args['listenPort'], '--listen-port', false)!,
        bindAddress: String(args['bindAddress']),
        peer: peerKey(String(args['peer'])),
        allowedIps: allowed.map((c) => formatPrefix(parsePrefix(c)!)),
        address: ipv4Flag(String(args['address']), '--address'),
        presharedKey: presharedKeyFromFile(env, args['presharedKey'] as string | undefined),
        timeoutSeconds: timeout,
        keyLogFile: args['keyLog'] as string | undefined,
      },
      env,
    );
    return PRINTED;
  },
};

