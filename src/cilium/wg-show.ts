/**
 * `wg show` on a node: the agent's cilium_wg0 configuration loaded into the engine's Device, rendered by
 * wg-render.ts (private key `(hidden)`). Transfer and latest-handshake lines appear only when the caller knows
 * them (the fabric's sessions); otherwise they are left out, as wg does for a peer that never handshook.
 */
import type { Clock, Rng } from '../platform/types.js';
import { sodiumBackend } from '../wg-host/sodium-backend.js';
import { Device } from '../wireguard/device.js';
import { parsePublicKey, privateKeyFromBytes } from '../wireguard/keys.js';
import { renderShow } from './wg-render.js';
import type { WireGuardNodeConfig } from './agents.js';
import { WG_INTERFACE } from './agents.js';
import type { PeerStats } from './views.js';

/** A Device holding the configuration (no packets are sent through it). */
export function deviceOf(config: WireGuardNodeConfig, clock: Clock, rng: Rng): Device {
  const device = new Device({
    privateKey: privateKeyFromBytes(config.privateKey),
    clock,
    rng,
    backend: sodiumBackend,
    listenPort: config.listenPort,
    mtu: config.mtu,
    send: () => {},
  });
  for (const p of config.peers) {
    device.addPeer({ publicKey: parsePublicKey(p.publicKey), endpoint: { ...p.endpoint }, allowedIps: p.allowedIps });
  }
  return device;
}

/** `wg show cilium_wg0`. */
export function renderWgShow(config: WireGuardNodeConfig, atMs: number, rng: Rng, stats?: (publicKey: string) => PeerStats | undefined): string {
  const device = deviceOf(config, { now: () => atMs }, rng);
  if (stats) {
    for (const peer of device.peers()) {
      const s = stats(peer.name);
      if (!s) continue;
      peer.rxBytes = s.rxBytes;
      peer.txBytes = s.txBytes;
      peer.lastHandshakeAt = s.lastHandshakeAt;
    }
  }
  return renderShow(device, WG_INTERFACE);
}

/** `wg show cilium_wg0 <field>` for the fields that hold no secret. Undefined for an unknown field. */
export function renderWgShowField(config: WireGuardNodeConfig, field: string): string | undefined {
  switch (field) {
    case 'public-key':
      return `${config.publicKey}\n`;
    case 'listen-port':
      return `${config.listenPort}\n`;
    case 'peers':
      return config.peers.map((p) => `${p.publicKey}\n`).join('');
    case 'endpoints':
      return config.peers.map((p) => `${p.publicKey}\t${p.endpoint.address}:${p.endpoint.port}\n`).join('');
    case 'allowed-ips':
      return config.peers.map((p) => `${p.publicKey}\t${p.allowedIps.join(' ')}\n`).join('');
    case 'fwmark':
      return 'off\n';
    default:
      return undefined;
  }
}
