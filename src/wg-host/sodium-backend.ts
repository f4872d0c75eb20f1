/**
 * The production CryptoBackend: libsodium's X25519, ChaCha20-Poly1305 and XChaCha20-Poly1305 (platform/sodium.ts,
 * through sodium-native) composed with the engine's own BLAKE2s and transport sealing (wireguard/crypto-backend.ts).
 * Composed here, above both, so that neither the adapter knows the protocol nor the protocol loads a native addon;
 * the fabric, the Cilium agents, the `wg` commands and the benchmarks all take this one object.
 */
import { sodiumPrimitives } from '../platform/sodium.js';
import { backendOn, type CryptoBackend } from '../wireguard/crypto-backend.js';

export const sodiumBackend: CryptoBackend = backendOn(sodiumPrimitives);
