// The lab page's own calls, by the names the catalogue uses (src/scenario/calls.rs), each
// defined once: method, path, credentials mode, headers and body, as the lab page makes
// them. A call gets the token an earlier `token` call obtained (`state.access`).

import { apiUrl, config } from "./common.js";

const AS_JSON = { "Content-Type": "application/json" };
const DEMO_ACCOUNT = JSON.stringify({ username: "demo", password: "demo-password" });

function bearer(credentials, token, query) {
  return { method: "GET", path: "/api/protected/", credentials, headers: { Authorization: `Bearer ${token}` }, query };
}

/** A query parameter no earlier fetch of this browser used: a URL it has no preflight cached for. */
function unseen() {
  return `fresh=${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
}

export const CALLS = {
  hello: () => ({ method: "GET", path: "/api/hello/" }),
  hello_without_slash: () => ({ method: "GET", path: "/api/hello" }),
  token: () => ({ method: "POST", path: "/api/token/", credentials: "omit", headers: AS_JSON, body: DEMO_ACCOUNT }),
  token_without_slash: () => ({ method: "POST", path: "/api/token", credentials: "omit", headers: AS_JSON, body: DEMO_ACCOUNT }),
  protected: (state) => bearer("omit", state.access),
  protected_with_cookies: (state) => bearer("include", state.access),
  protected_with_bad_token: () => bearer("omit", "not-a-token"),
  protected_fresh: (state) => bearer("omit", state.access, unseen()),
  csrf: () => ({ method: "GET", path: "/api/csrf/", credentials: "include" }),
  change_policy: () => ({ method: "POST", policySwitch: true }),
  restore_policy: () => ({ method: "DELETE", policySwitch: true }),
};

/** Where a call goes: the attacked mount (tagged for the exchange log), or for the policy
 *  switch, the lab page's origin, which this page shares. */
export function urlOf(spec) {
  if (spec.policySwitch) {
    const url = new URL(`/scenarios/${config.id}/change`, location.origin);
    url.searchParams.set("lab", config.lab || "");
    return url.href;
  }
  const url = new URL(apiUrl(spec.path, spec.credentials || "same-origin"));
  if (spec.query) url.search += `&${spec.query}`;
  return url.href;
}
