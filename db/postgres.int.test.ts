import { describe, it } from "vitest";
import { describeDbSuite } from "./db-suite";
import { openFreshPostgres, testDatabaseUrl } from "./testing";

const url = process.env.TEST_DATABASE_URL; // the tests' own switch, not app configuration

if (url) {
  describeDbSuite("PostgreSQL (TEST_DATABASE_URL, fresh database)", () => openFreshPostgres(url));
} else {
  describe("PostgreSQL", () => {
    // Deliberately a failure, not a skip: the PostgreSQL half of the suite must run.
    it("needs TEST_DATABASE_URL", () => {
      testDatabaseUrl();
    });
  });
}
