/**
 * `wg show` and `wg showconf` renderings of a device (wireguard-tools show.c and showconf.c). `wg show` hides the
 * private key and preshared keys; `wg showconf` reveals the private key only when asked. Presentation of the engine's
 * public API (peers, stats, endpoints), kept out of the protocol core: it lives beside the node's `wg show`
 * (wg-show.ts), the lowest layer that shows a device to a user; `aks-wg wg listen` uses it too.
 */
import { formatPrefix } from '../net/ip.js';
import { formatEndpoint, type Device, type Peer } from '../wireguard/device.js';
import { encodeKey } from '../wireguard/keys.js';

/** "%u B", or "%.2f KiB" / MiB / GiB / TiB. */
export function formatBytes(bytes: number): string {
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  if (bytes < 1024) return `${bytes} B`;
  let v = bytes / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(2)} ${units[i]}`;
}

/** "1 minute, 5 seconds" (years, days, hours, minutes, seconds; zero units left out). */
export function formatDuration(totalSeconds: number): string {
  const parts: string[] = [];
  const units: [number, string][] = [
    [365 * 24 * 3600, 'year'],
    [24 * 3600, 'day'],
    [3600, 'hour'],
    [60, 'minute'],
    [1, 'second'],
  ];
  let left = Math.floor(totalSeconds);
  for (const [size, name] of units) {
    const n = Math.floor(left / size);
    left -= n * size;
    if (n > 0) parts.push(`${n} ${name}${n === 1 ? '' : 's'}`);
  }
  return parts.join(', ');
}

/** "4 seconds ago", or "Now" within the same second. */
export function formatAgo(thenMs: number, nowMs: number): string {
  const seconds = Math.floor(nowMs / 1000) - Math.floor(thenMs / 1000);
  if (seconds < 0) return 'System clock wound backward; connection problems may ensue.';
  if (seconds === 0) return 'Now';
  return `${formatDuration(seconds)} ago`;
}

function isZero(key: Uint8Array): boolean {
  return key.every((b) => b === 0);
}

/** Peers newest handshake first, those without a handshake last (stable otherwise). */
export function sortPeersForShow(peers: Peer[]): Peer[] {
  return [...peers].sort((a, b) => (b.lastHandshakeAt ?? 0) - (a.lastHandshakeAt ?? 0));
}

/** The `wg show <interface>` text of a device (ends with a newline). */
export function renderShow(device: Device, interfaceName: string): string {
  const now = device.clock.now();
  const lines: string[] = [];
  lines.push(`interface: ${interfaceName}`);
  lines.push(`  public key: ${encodeKey(device.publicKey)}`);
  lines.push(`  private key: (hidden)`);
  if (device.listenPort) lines.push(`  listening port: ${device.listenPort}`);
  for (const peer of sortPeersForShow(device.peers())) {
    lines.push('');
    lines.push(`peer: ${peer.name}`);
    if (!isZero(peer.presharedKey)) lines.push(`  preshared key: (hidden)`);
    if (peer.endpoint) lines.push(`  endpoint: ${formatEndpoint(peer.endpoint)}`);
    const ips = peer.allowedIps.map(formatPrefix);
    lines.push(`  allowed ips: ${ips.length ? ips.join(', ') : '(none)'}`);
    if (peer.lastHandshakeAt !== undefined) lines.push(`  latest handshake: ${formatAgo(peer.lastHandshakeAt, now)}`);
    if (peer.rxBytes || peer.txBytes) lines.push(`  transfer: ${formatBytes(peer.rxBytes)} received, ${formatBytes(peer.txBytes)} sent`);
    if (peer.persistentKeepaliveSeconds) lines.push(`  persistent keepalive: every ${formatDuration(peer.persistentKeepaliveSeconds)}`);
  }
  return lines.join('\n') + '\n';
}

/**
 * The `wg showconf` text of a device. The private key and preshared keys are printed as `(hidden)` unless
 * `revealKeys` is true.
 */
export function renderShowConf(device: Device, options: { revealKeys?: boolean } = {}): string {
  const reveal = options.revealKeys === true;
  const lines: string[] = ['[Interface]'];
  if (device.listenPort) lines.push(`ListenPort = ${device.listenPort}`);
  lines.push(`PrivateKey = ${reveal ? encodeKey(device.revealPrivateKey()) : '(hidden)'}`);
  for (const peer of device.peers()) {
    lines.push('');
    lines.push('[Peer]');
    lines.push(`PublicKey = ${peer.name}`);
    if (!isZero(peer.presharedKey)) lines.push(`PresharedKey = ${reveal ? encodeKey(peer.presharedKey) : '(hidden)'}`);
    const ips = peer.allowedIps.map(formatPrefix);
    if (ips.length) lines.push(`AllowedIPs = ${ips.join(', ')}`);
    if (peer.endpoint) lines.push(`Endpoint = ${formatEndpoint(peer.endpoint)}`);
    if (peer.persistentKeepaliveSeconds) lines.push(`PersistentKeepalive = ${peer.persistentKeepaliveSeconds}`);
  }
  return lines.join('\n') + '\n';
}

/** `wg show <if> latest-handshakes`: "<pubkey>\t<unix seconds>" per peer (0 before the first). */
export function renderLatestHandshakes(device: Device): string {
  return device.peers().map((p) => `${p.name}\t${p.lastHandshakeAt === undefined ? 0 : Math.floor(p.lastHandshakeAt / 1000)}\n`).join('');
}
