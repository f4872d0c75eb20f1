/**
 * Which VM sizes Azure Virtual Network encryption supports. VNet encryption encrypts traffic between two VMs of the
 * same (or a peered) virtual network only when both VMs are of a supported size (with Accelerated Networking);
 * traffic of any other VM crosses the VNet in plaintext ("AllowUnencrypted" is the only enforcement at GA).
 *
 * Source: Microsoft Learn, "What is Azure Virtual Network encryption?", section Requirements
 * (https://learn.microsoft.com/azure/virtual-network/virtual-network-encryption-overview), read 2026-11. The page
 * lists VM series; the series below are copied from it. Sizes are matched by series: `Standard_D4s_v5` is series
 * `Dsv5`, `Standard_D8ads_v5` is `Dadsv5`. The AKS default `Standard_DS2_v2` (and every v2/v3 size) is not supported.
 */

/** Supported series, as the documentation names them ("Dv4 and Dsv4-series" → Dv4, Dsv4). */
export const VNET_ENCRYPTION_SERIES: readonly string[] = [
  // General purpose
  'Dv4', 'Dsv4', 'Ddv4', 'Ddsv4', 'Dav4', 'Dasv4',
  'Dv5', 'Dsv5', 'Ddv5', 'Ddsv5', 'Dlsv5', 'Dldsv5', 'Dasv5', 'Dadsv5',
  'Dsv6', 'Dasv6', 'Dadsv6', 'Dalsv6', 'Daldsv6',
  // Memory optimised
  'Ev4', 'Esv4', 'Edv4', 'Edsv4', 'Eav4', 'Easv4',
  'Ev5', 'Esv5', 'Edv5', 'Edsv5', 'Easv5', 'Eadsv5', 'Ebsv5', 'Ebdsv5',
  'Esv6', 'Easv6', 'Eadsv6',
  'Mv2', 'Msv2', 'Mmsv2', 'Mdsv2', 'Mdmsv2', 'Msv3', 'Mdsv3',
];

export const VNET_ENCRYPTION_SOURCE = 'https://learn.microsoft.com/azure/virtual-network/virtual-network-encryption-overview';

const SERIES = new Set(VNET_ENCRYPTION_SERIES.map((s) => s.toLowerCase()));

/**
 * The series of an Azure VM size name: `Standard_D4s_v5` → `Dsv5`; undefined for names without a version suffix
 * (`Standard_A2`) or that are not `Standard_<family><vCPUs>[-<constrained>]<features>_v<n>`.
 */
export function vmSeries(size: string): string | undefined {
  const m = /^(?:standard_)?([a-z]+?)(\d+)(?:-\d+)?([a-z]*)(?:_[a-z0-9]+)*?_v(\d+)$/i.exec(size.trim());
  if (!m) return undefined;
  const family = m[1]!.toUpperCase();
  return `${family}${m[3]!.toLowerCase()}v${m[4]}`;
}

/** Does Azure VNet encryption cover a VM of this size? (Case-insensitive, by series.) */
export function vnetEncryptionSupported(size: string): boolean {
  const series = vmSeries(size);
  return series !== undefined && SERIES.has(series.toLowerCase());
}
