/**
 * WireGuard constants: the protocol's (whitepaper §6.1 and §5.4) and this implementation's own choices. Durations are
 * milliseconds and say so in their names; counters are BigInt because they range over 64 bits.
 */

// --- Specification -------------------------------------------------------------------------------------------

/** Noise protocol name hashed into C0 (37 bytes, no NUL). */
export const CONSTRUCTION = 'Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s';
/** Protocol identifier mixed into H0 (34 bytes). */
export const IDENTIFIER = 'WireGuard v1 zx2c4 Jason@zx2c4.com';
export const LABEL_MAC1 = 'mac1----';
export const LABEL_COOKIE = 'cookie--';

/** Send a new initiation after this many messages on one session. */
export const REKEY_AFTER_MESSAGES = 1n << 60n;
/** Never send or accept a counter at or above this (the 64-bit kernel's U64_MAX − COUNTER_WINDOW_SIZE − 1). */
export const REJECT_AFTER_MESSAGES = (1n << 64n) - 1n - 8128n - 1n;
export const REKEY_AFTER_TIME_MS = 120_000;
export const REJECT_AFTER_TIME_MS = 180_000;
export const REKEY_ATTEMPT_TIME_MS = 90_000;
export const REKEY_TIMEOUT_MS = 5_000;
/** Upper bound of the random delay added to REKEY_TIMEOUT (the kernel's 333 ms, exclusive). */
export const REKEY_TIMEOUT_JITTER_MAX_MS = 334;
export const KEEPALIVE_TIMEOUT_MS = 10_000;
/** Handshake retries before giving up: REKEY_ATTEMPT_TIME / REKEY_TIMEOUT. */
export const MAX_TIMER_HANDSHAKES = REKEY_ATTEMPT_TIME_MS / REKEY_TIMEOUT_MS;
/** The initiator rekeys from the receive path when its session is this old: 180 − 10 − 5 = 165 s. */
export const REKEY_ON_RECEIVE_AGE_MS = REJECT_AFTER_TIME_MS - KEEPALIVE_TIMEOUT_MS - REKEY_TIMEOUT_MS;
/** All key material is erased after this long without a new session: REJECT_AFTER_TIME × 3. */
export const ZERO_KEYS_AFTER_MS = REJECT_AFTER_TIME_MS * 3;
/** A cookie secret (responder) or a received cookie (initiator, minus a margin) lives this long. */
export const COOKIE_SECRET_MAX_AGE_MS = 120_000;
/** The margin by which an initiator considers its cookie stale before the responder's secret rotates. */
export const COOKIE_SECRET_LATENCY_MS = 5_000;
/** At most this many initiations per second per peer are consumed (the 50-per-second flood limit). */
export const INITIATIONS_PER_SECOND = 50;
export const INITIATION_MIN_INTERVAL_MS = 1000 / INITIATIONS_PER_SECOND;

// --- Message formats ---------------------------------------------------------------------------------------------

export const MESSAGE_INITIATION = 1;
export const MESSAGE_RESPONSE = 2;
export const MESSAGE_COOKIE_REPLY = 3;
export const MESSAGE_TRANSPORT = 4;
export const INITIATION_SIZE = 148;
export const RESPONSE_SIZE = 92;
export const COOKIE_REPLY_SIZE = 64;
export const TRANSPORT_HEADER_SIZE = 16;
export const AEAD_TAG_SIZE = 16;
/** Smallest transport message: a keepalive (header + empty ciphertext + tag). */
export const TRANSPORT_MIN_SIZE = TRANSPORT_HEADER_SIZE + AEAD_TAG_SIZE;
export const KEY_SIZE = 32;
export const PADDING_MULTIPLE = 16;

// --- Replay window (RFC 6479, kernel layout) ----------------------------------------------------------------------

export const COUNTER_BITS_TOTAL = 8192;
export const COUNTER_WORD_BITS = 64;
/** Usable window: the bitmap minus one word, because a word is cleared as a whole. */
export const COUNTER_WINDOW_SIZE = COUNTER_BITS_TOTAL - COUNTER_WORD_BITS;

// --- Implementation -----------------------------------------------------------------------------------------------

/** Default tunnel MTU (wg-quick's 1420 on a 1500-byte link). */
export const DEFAULT_MTU = 1420;
/** Packets kept while a handshake is under way (the kernel's MAX_STAGED_PACKETS). */
export const MAX_STAGED_PACKETS = 128;
/** Handshake messages per second above which the device considers itself under load. */
export const UNDER_LOAD_HANDSHAKES_PER_SECOND = 1024;
/** The device stays under load this long after the rate drops (wireguard-go's UnderLoadAfterTime). */
export const UNDER_LOAD_AFTER_MS = 1_000;
/** Largest UDP payload accepted. */
export const MAX_DATAGRAM_SIZE = 65_535;
