/* DOM helpers. Nothing from the network or from inputs ever reaches innerHTML: every node
 * is built with createElement + textContent (the CSP forbids inline script and style, and
 * this keeps injected markup out as well). */

export function byId(id) {
  return document.getElementById(id);
}

export function makeEl(tag, className, text) {
  const el = document.createElement(tag);
  if (className) el.className = className;
  if (text !== undefined && text !== null) el.textContent = text;
  return el;
}

/** Append a <div><dt/><dd/></div> pair to a <dl>; `term` is a node or plain text. */
export function addDef(dl, term, content) {
  const row = makeEl("div", "def");
  const dt = makeEl("dt");
  dt.append(term);
  const dd = makeEl("dd");
  dd.append(content);
  row.append(dt, dd);
  dl.append(row);
  return row;
}

/** A card's panel: <section id=…> titled by an <h3> whose text is the dictionary's `titleKey`. */
export function panelEl(id, titleKey) {
  const panel = makeEl("section", "panel");
  panel.id = id;
  const title = makeEl("h3");
  title.id = id + "-title";
  title.dataset.i18n = titleKey;
  panel.setAttribute("aria-labelledby", title.id);
  panel.append(title);
  return panel;
}

export function prettyJson(value) {
  return JSON.stringify(value, null, 2);
}

export function parseJson(text) {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch (_) {
    return undefined;
  }
}

// localStorage can throw (blocked storage, private modes): the page must work without it.
export function readStored(key) {
  try {
    return window.localStorage.getItem(key);
  } catch (_) {
    return null;
  }
}

export function store(key, value) {
  try {
    window.localStorage.setItem(key, value);
  } catch (_) {
    /* not persisted; this visit still works */
  }
}
