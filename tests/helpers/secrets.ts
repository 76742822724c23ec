// The secrets an end-to-end file must never see printed: everything the fake hands out (the static key's secret, the
// issued credentials' secrets and session tokens, the ECS and SSO tokens), plus what a scenario adds, checked once
// against every output the file collected.
import { expect } from "bun:test";
import type { FakeAws } from "../fakes/fake-aws.ts";
import { FAKE_KEY } from "../e2e/harness.ts";

export function fakeSecrets(fake: FakeAws): Set<string> {
  const secrets = new Set<string>([FAKE_KEY.secret, fake.ecsAuthToken, fake.ssoAccessToken]);
  for (const c of Object.values(fake.issued)) {
    secrets.add(c.secretAccessKey);
    if (c.sessionToken) secrets.add(c.sessionToken);
  }
  return secrets;
}

/** No output holds any of the secrets; `atLeast` outputs were collected, so the check checked something. */
export function expectNoSecrets(outputs: string[], secrets: Set<string>, atLeast: number) {
  expect(outputs.length).toBeGreaterThan(atLeast);
  const all = outputs.join("\n");
  for (const s of secrets) expect({ secret: s, found: all.includes(s) }).toEqual({ secret: s, found: false });
}
