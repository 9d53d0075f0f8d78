import type { Server } from "node:http";
import { afterEach } from "vitest";

/**
 * The local HTTP servers a test file starts: push each one to the returned list, and after every test
 * they are closed with their connections (keep-alive sockets included).
 */
export function serversClosedAfterEach(): Server[] {
  const servers: Server[] = [];
  afterEach(async () => {
    await Promise.all(
      servers.splice(0).map((s) => {
        s.closeAllConnections();
        return new Promise((r) => s.close(r));
      }),
    );
  });
  return servers;
}
