import { BlockList, isIP } from "node:net";

const loopback = new BlockList();
loopback.addSubnet("127.0.0.0", 8, "ipv4");
loopback.addAddress("::1", "ipv6");

/**
 * True when binding `host` exposes a server to this machine only: 127.0.0.0/8, ::1 (any spelling,
 * bracketed, or IPv4-mapped) and `localhost`. Other names are not resolved, so they count as exposed.
 */
export function isLoopbackHost(host: string): boolean {
  const h = host
    .trim()
    .toLowerCase()
    .replace(/^\[(.*)\]$/, "$1");
  if (h === "localhost" || h === "localhost.") return true;
  const family = isIP(h);
  if (family === 4) return loopback.check(h, "ipv4");
  // BlockList matches IPv4-mapped IPv6 (::ffff:127.0.0.1) against the IPv4 subnet too.
  if (family === 6) return loopback.check(h, "ipv6");
  return false;
}
