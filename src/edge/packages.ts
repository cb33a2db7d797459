/**
 * The Debian packages each part needs, in one place: `trunkline setup`, the edge's install hint
 * and the test suite's installer (scripts/test-deps.ts) all read these lists.
 */
export const EDGE_PACKAGES = ["kamailio", "kamailio-sqlite-modules", "kamailio-postgres-modules", "kamailio-extra-modules", "kamailio-tls-modules"] as const;

/** The media relay (rtpengine, userspace daemon). */
export const MEDIA_PACKAGES = ["rtpengine-daemon"] as const;

/** What `trunkline setup` installs: everything `trunkline up` runs besides Node. */
export const PLATFORM_PACKAGES = [...EDGE_PACKAGES, ...MEDIA_PACKAGES] as const;

/** What the test suite drives the platform with: sipp, openssl (test CAs), a real UA, dig, a browser (/docs). */
export const TEST_TOOL_PACKAGES = ["sip-tester", "openssl", "baresip-core", "dnsutils", "chromium"] as const;

export function aptInstallCommand(packages: readonly string[]): string {
  return `apt-get install -y ${packages.join(" ")}`;
}
