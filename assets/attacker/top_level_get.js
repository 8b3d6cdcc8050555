// A top-level GET navigation to logout, as a link or a redirect would make: SameSite=Lax
// cookies go along on top-level GETs from any site, and the CSRF check never looks at a GET.

import { forge, loggedOut } from "./forge.js";

await forge({ method: "GET", path: "/api/logout/", effect: loggedOut });
