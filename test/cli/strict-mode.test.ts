/**
 * Issue 12 item 6: Cilium's encryption strict mode (egress; cilium.md: `enable-encryption-strict-mode-egress`,
 * `encryption-strict-egress-cidr`, drops with UNENCRYPTED_TRAFFIC) only applies with WireGuard. Turning WireGuard
 * off clears it, and says so; it is shown wherever encryption is; and ACNS security carries transit encryption on
 * AKS (az-aks.md: `--disable-acns-security` leaves `security: {enabled: false}`), so disabling it (or ACNS) on a
 * WireGuard cluster turns encryption off, with a WARNING.
 */
import { afterEach, describe, expect, test } from '@jest/globals';
import { session } from '../helpers/cli.js';
import { removeTempDirs } from '../helpers/tmp.js';

afterEach(removeTempDirs);

async function strictCluster() {
  const s = session();
  expect((await s.run('cluster create -g RG -n C --enable-wireguard -c 2 -o none')).code).toBe(0);
  const on = await s.run('cluster update -g RG -n C --encryption-strict-egress-cidr 10.244.0.0/16');
  expect(on.code).toBe(0);
  expect(on.json().aksWg).toEqual({ encryptionStrictMode: { egress: { enabled: true, cidr: '10.244.0.0/16' } } });
  return s;
}

describe('strict mode is shown wherever encryption is', () => {
  test('cluster show JSON, cilium-dbg status, cluster encryption-status', async () => {
    const s = await strictCluster();
    expect((await s.run('cluster show -g RG -n C')).json().aksWg).toEqual({ encryptionStrictMode: { egress: { enabled: true, cidr: '10.244.0.0/16' } } });
    const status = await s.run('kubectl exec --context RG/C -n kube-system ds/cilium -- cilium-dbg status');
    expect(status.stdout).toMatch(/^Encryption strict mode \(egress\):\s+Enabled\s+\[encryption-strict-egress-cidr: 10\.244\.0\.0\/16\]$/m);
    const enc = await s.run('cluster encryption-status -g RG -n C');
    expect(enc.stdout).toBe('Encryption: Wireguard (2/2 nodes)\nEncryption strict mode (egress): Enabled [encryption-strict-egress-cidr: 10.244.0.0/16]\n');
  });
});

describe('turning WireGuard off clears strict mode with a WARNING', () => {
  test.each([
    ['--disable-wireguard', ''],
    ['--acns-transit-encryption-type None', ''],
    ['--disable-acns-security', "WARNING: --disable-acns-security turns WireGuard transit encryption off: transit encryption is part of ACNS security on AKS. Pod-to-pod traffic between nodes now crosses the network in plaintext.\n"],
    ['--disable-acns', 'WARNING: --disable-acns turns WireGuard transit encryption off: transit encryption is part of ACNS on AKS. Pod-to-pod traffic between nodes now crosses the network in plaintext.\n'],
  ])('%s', async (flags, acnsWarning) => {
    const s = await strictCluster();
    const r = await s.run(`cluster update -g RG -n C ${flags} --yes`);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(
      acnsWarning +
        "WARNING: Cilium's encryption strict mode (egress, 10.244.0.0/16) was turned off with WireGuard: strict mode only applies to WireGuard traffic, so unencrypted pod-to-pod traffic is no longer dropped. Turn WireGuard on again, then set --encryption-strict-egress-cidr again.\n",
    );
    expect(r.json().aksWg.encryptionStrictMode.egress).toEqual({ enabled: false, cidr: null });
    expect((await s.run('cluster encryption-status -g RG -n C')).stdout).toContain('Encryption strict mode (egress): Disabled\n');
  });

  test('--disable-acns-security on a WireGuard cluster without strict mode still warns that encryption is off', async () => {
    const s = session();
    expect((await s.run('cluster create -g RG -n C --enable-wireguard -c 2 -o none')).code).toBe(0);
    const r = await s.run('cluster update -g RG -n C --disable-acns-security');
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(
      'WARNING: --disable-acns-security turns WireGuard transit encryption off: transit encryption is part of ACNS security on AKS. Pod-to-pod traffic between nodes now crosses the network in plaintext.\n',
    );
    expect(r.json().networkProfile.advancedNetworking.security).toEqual({ enabled: false });
  });

  test("turning strict mode off yourself ('') says nothing", async () => {
    const s = await strictCluster();
    const r = await s.run(['cluster', 'update', '-g', 'RG', '-n', 'C', '--encryption-strict-egress-cidr', '']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.json().aksWg.encryptionStrictMode.egress.enabled).toBe(false);
  });
});
