// A plain form posted to logout, as a top-level navigation: it carries whichever of your
// cookies SameSite lets go along, and logs you out if the CSRF check lets it through.

import { forge, loggedOut } from "./forge.js";

await forge({ method: "POST", path: "/api/logout/", form: { enctype: "application/x-www-form-urlencoded", fields: [] }, effect: loggedOut });
