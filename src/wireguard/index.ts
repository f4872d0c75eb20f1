/**
 * aks-wg's WireGuard engine: byte-compatible Noise_IKpsk2 handshakes, transport, replay window, cookies, timers and
 * cryptokey routing, with no sockets and no OS clock or randomness of its own.
 */
export * from './constants.js';
export { nobleBackend, isAllZero, type CryptoBackend } from './crypto-backend.js';
export { hash, mac, hmacHash, kdf1, kdf2, kdf3, INITIAL_CHAINING_KEY, INITIAL_HASH } from './kdf.js';
export * from './keys.js';
export * from './messages.js';
export { tai64n, compareTai64n, TAI64N_SIZE, TIMESTAMP_WHITENER_NS } from './tai64n.js';
export * from './handshake.js';
export { CookieChecker, CookieGenerator, mac1Key, cookieKey } from './cookie.js';
export { Keypair } from './keypair.js';
export { ReplayFilter } from './replay.js';
export { AllowedIps } from './allowed-ips.js';
export { parseIp, formatIp, parsePrefix, formatPrefix, type Prefix } from '../net/ip.js';
export * from './transport.js';
export { PeerTimers, type TimerName } from './timers.js';
export * from './device.js';
