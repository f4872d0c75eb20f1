// Known-answer tests: the Wireshark capture's handshake and transport reproduce byte for byte on every backend.
import {
  consumeInitiation,
  consumeResponse,
  createInitiation,
  createResponse,
  deriveTransportKeys,
} from '../../src/wireguard/handshake.js';
import { CookieChecker, CookieGenerator, mac1Key } from '../../src/wireguard/cookie.js';
import { INITIAL_CHAINING_KEY, INITIAL_HASH, kdf1, kdf2, kdf3 } from '../../src/wireguard/kdf.js';
import { Keypair } from '../../src/wireguard/keypair.js';
import {
  clampPrivateKey,
  fromHex,
  isLowOrderPublicKey,
  publicKeyFromPrivate,
  type PresharedKey,
  type PrivateKey,
  type PublicKey,
} from '../../src/wireguard/keys.js';
import { decryptTransport, encryptTransport, innerPacketLength } from '../../src/wireguard/transport.js';
import { seededRng } from '../../src/platform/rng.js';
import { backends, handshakeVector as V, hexOf, kdfVectors, v } from './vectors.js';

const psk = v('presharedKeyHex') as PresharedKey;
const iIndex = parseInt(V['initiatorSenderIndex']!, 16);
const rIndex = parseInt(V['responderSenderIndex']!, 16);

describe('KDF and constants', () => {
  test('C0 and H0', () => {
    expect(hexOf(INITIAL_CHAINING_KEY)).toBe(kdfVectors.initialChainingKeyHex);
    expect(hexOf(INITIAL_HASH)).toBe(kdfVectors.initialHashHex);
  });
  test.each(kdfVectors.vectors.flatMap((x, i) => backends.map(([name, b]) => [i, name, x, b] as const)))('KDF vector %i on %s', (_i, _name, x, b) => {
    const key = fromHex(x.keyHex);
    const input = fromHex(x.inputHex);
    expect(kdf3(key, input, b).map(hexOf)).toEqual([x.t0, x.t1, x.t2]);
    expect(kdf2(key, input, b).map(hexOf)).toEqual([x.t0, x.t1]);
    expect(hexOf(kdf1(key, input, b))).toBe(x.t0);
  });
  test.each(backends)('C0 and H0 through the %s backend hash', (_n, b) => {
    const utf8 = (t: string) => new TextEncoder().encode(t);
    const c0 = b.hash(utf8('Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s'));
    expect(hexOf(c0)).toBe(kdfVectors.initialChainingKeyHex);
    expect(hexOf(b.hash(c0, utf8('WireGuard v1 zx2c4 Jason@zx2c4.com')))).toBe(kdfVectors.initialHashHex);
  });
  test('mac1 key for the responder', () => {
    expect(hexOf(mac1Key(v('responderStaticPublic')))).toBe(V['mac1KeyForResponderHex']);
  });
});

describe.each(backends)('known-answer vector on the %s backend', (_name, backend) => {
  const iPriv = clampPrivateKey(v('initiatorStaticPrivate'));
  const rPriv = clampPrivateKey(v('responderStaticPrivate'));
  const iPub = v('initiatorStaticPublic') as PublicKey;
  const rPub = v('responderStaticPublic') as PublicKey;
  const eiPriv = v('initiatorEphemeralPrivate') as PrivateKey;
  const erPriv = v('responderEphemeralPrivate') as PrivateKey;

  test('public keys from private keys', () => {
    expect(hexOf(publicKeyFromPrivate(iPriv, backend))).toBe(hexOf(iPub));
    expect(hexOf(publicKeyFromPrivate(rPriv, backend))).toBe(hexOf(rPub));
    expect(hexOf(backend.x25519Base(eiPriv))).toBe(hexOf(v('initiatorEphemeralPublic')));
    expect(hexOf(backend.x25519Base(erPriv))).toBe(hexOf(v('responderEphemeralPublic')));
  });

  test('low-order public keys give no shared secret', () => {
    for (const hex of kdfVectors.lowOrderPublicKeysHex) {
      expect(backend.x25519(iPriv, fromHex(hex))).toBeNull();
      expect(isLowOrderPublicKey(fromHex(hex))).toBe(true);
    }
    expect(isLowOrderPublicKey(rPub)).toBe(false);
  });

  test('initiation, response, transport keys, data and keepalive reproduce byte for byte', () => {
    const ss = backend.x25519(iPriv, rPub)!;
    const init = createInitiation({
      backend,
      local: { privateKey: iPriv, publicKey: iPub },
      remoteStatic: rPub,
      staticStatic: ss,
      ephemeralPrivate: eiPriv,
      timestamp: v('timestampHex'),
      senderIndex: iIndex,
    })!;
    // the capture's mac1 is over the message; mac2 is zero (no cookie)
    new CookieGenerator(rPub, backend).addMacs(init.message, 0);
    expect(hexOf(init.message)).toBe(V['initiationHex']);
    expect(hexOf(init.state.hash)).toBe(V['hashAfterInitiationHex']);
    expect(hexOf(init.state.chainingKey)).toBe(V['chainingKeyAfterInitiationHex']);

    const consumed = consumeInitiation(v('initiationHex'), {
      backend,
      local: { privateKey: rPriv, publicKey: rPub },
      lookup: (pub) => (hexOf(pub) === hexOf(iPub) ? { peer: 'initiator', staticStatic: backend.x25519(rPriv, iPub)! } : undefined),
    })!;
    expect(consumed).not.toBeNull();
    expect(consumed.peer).toBe('initiator');
    expect(hexOf(consumed.timestamp)).toBe(V['timestampHex']);
    expect(consumed.remoteIndex).toBe(iIndex);
    expect(hexOf(consumed.hash)).toBe(V['hashAfterInitiationHex']);
    expect(hexOf(consumed.chainingKey)).toBe(V['chainingKeyAfterInitiationHex']);

    const resp = createResponse({ backend, consumed, presharedKey: psk, ephemeralPrivate: erPriv, senderIndex: rIndex })!;
    new CookieGenerator(iPub, backend).addMacs(resp.message, 0);
    expect(hexOf(resp.message)).toBe(V['responseHex']);
    expect(hexOf(resp.hash)).toBe(V['hashAfterResponseHex']);
    expect(hexOf(resp.chainingKey)).toBe(V['chainingKeyAfterResponseHex']);

    const done = consumeResponse(v('responseHex'), {
      backend,
      local: { privateKey: iPriv, publicKey: iPub },
      state: init.state,
      presharedKey: psk,
    })!;
    expect(done).not.toBeNull();
    expect(done.remoteIndex).toBe(rIndex);
    expect(hexOf(done.chainingKey)).toBe(V['chainingKeyAfterResponseHex']);

    const iKeys = deriveTransportKeys(done.chainingKey, true);
    const rKeys = deriveTransportKeys(resp.chainingKey, false);
    expect(hexOf(iKeys.sendKey)).toBe(V['initiatorSendKeyHex']);
    expect(hexOf(iKeys.receiveKey)).toBe(V['initiatorReceiveKeyHex']);
    expect(hexOf(rKeys.receiveKey)).toBe(V['initiatorSendKeyHex']);
    expect(hexOf(rKeys.sendKey)).toBe(V['initiatorReceiveKeyHex']);

    // data packet: counter 0, 84-byte ICMP padded to 96
    const kp = new Keypair(iKeys.sendKey, iKeys.receiveKey, true, 0, iIndex, rIndex);
    const plaintext = v('dataPlaintextHex').subarray(0, Number(V['dataInnerLength']));
    expect(hexOf(encryptTransport(backend, kp, plaintext, 1420)!)).toBe(V['dataHex']);
    // keepalive: counter 3
    kp.sendCounter = BigInt(V['keepaliveCounter']!);
    expect(hexOf(encryptTransport(backend, kp, new Uint8Array(0), 1420)!)).toBe(V['keepaliveHex']);
  });

  test('the captured data and keepalive decrypt on the responder', () => {
    const data = decryptTransport(backend, v('initiatorSendKeyHex'), v('dataHex'))!;
    expect(BigInt(data.counter)).toBe(0n);
    expect(hexOf(data.plaintext)).toBe(V['dataPlaintextHex']);
    expect(innerPacketLength(data.plaintext)).toBe(84);
    const ka = decryptTransport(backend, v('initiatorSendKeyHex'), v('keepaliveHex'))!;
    expect(BigInt(ka.counter)).toBe(3n);
    expect(ka.plaintext.length).toBe(0);
    // and not under the other direction's key
    expect(decryptTransport(backend, v('initiatorReceiveKeyHex'), v('dataHex'))).toBeNull();
  });

  test('captured initiation and response pass mac1 checks of their receivers', () => {
    expect(new CookieChecker(rPub, seededRng(1), backend).checkMac1(v('initiationHex'))).toBe(true);
    expect(new CookieChecker(iPub, seededRng(1), backend).checkMac1(v('responseHex'))).toBe(true);
    expect(new CookieChecker(iPub, seededRng(1), backend).checkMac1(v('initiationHex'))).toBe(false);
  });
});
