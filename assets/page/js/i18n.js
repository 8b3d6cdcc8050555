/* Texts in English and Japanese: t() over messages.js (dotted keys), rich text where
 * `backticks` become <code>, the server's own {en, ja} texts, and the language choice.
 *
 * Static elements carry data-i18n="key" (rich text) or data-i18n-label="key" (aria-label)
 * and are refilled on every switch; modules that draw texts themselves register a redraw
 * with onLanguageChange(). */

import { MESSAGES } from "./messages.js";
import { makeEl, readStored, store } from "./dom.js";

const LANGS = ["en", "ja"];
const STORAGE_KEY = "corslab.lang";
const has = (table, key) => Object.prototype.hasOwnProperty.call(table, key);

let current = "en";
/** Placeholders every text may use ({page}, {api}), set once at start-up. */
let globals = {};
const redraws = [];

export function setGlobals(vars) {
  globals = Object.assign({}, vars);
}

export function lang() {
  return current;
}

/** The text for `key` in the current language (English, then the key, as fallbacks). */
export function t(key, vars) {
  const table = MESSAGES[current];
  const text = has(table, key) ? table[key] : has(MESSAGES.en, key) ? MESSAGES.en[key] : key;
  const all = Object.assign({}, globals, vars);
  return text.replace(/\{(\w+)\}/g, (whole, name) => (has(all, name) ? String(all[name]) : whole));
}

export function hasMessage(key) {
  return has(MESSAGES.en, key);
}

/** Fill el with text where `backticks` become <code>, built as nodes, never as HTML. */
export function setRichText(el, text) {
  el.replaceChildren();
  text.split("`").forEach((part, i) => {
    if (part !== "") el.append(i % 2 === 1 ? makeEl("code", null, part) : document.createTextNode(part));
  });
}

export function richText(tag, className, text) {
  const el = makeEl(tag, className);
  setRichText(el, text);
  return el;
}

export function richEl(tag, className, key, vars) {
  return richText(tag, className, t(key, vars));
}

/** A server text {en, ja} in the current language. */
export function pickText(text) {
  if (!text || typeof text !== "object") return "";
  return text[current] || text.en || "";
}

export function formatTime(date) {
  return new Intl.DateTimeFormat(current, { hour: "2-digit", minute: "2-digit", second: "2-digit" }).format(date);
}

export function formatDateTime(date) {
  return new Intl.DateTimeFormat(current, { dateStyle: "medium", timeStyle: "medium" }).format(date);
}

/** Both languages must define the same keys. Drift is a console error, so the browser
 *  tests, which fail on any console error of the page's own, catch it. */
export function checkDictionary() {
  const missingJa = Object.keys(MESSAGES.en).filter((k) => !has(MESSAGES.ja, k));
  const missingEn = Object.keys(MESSAGES.ja).filter((k) => !has(MESSAGES.en, k));
  if (missingJa.length || missingEn.length) console.error("corslab i18n: keys missing", { ja: missingJa, en: missingEn });
}

/** The stored choice first, then the first supported entry of navigator.languages. */
export function initialLanguage() {
  const stored = readStored(STORAGE_KEY);
  if (LANGS.includes(stored)) return stored;
  const prefs = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language || "en"];
  for (const tag of prefs) {
    const primary = String(tag).toLowerCase().split("-")[0];
    if (LANGS.includes(primary)) return primary;
  }
  return "en";
}

export function onLanguageChange(redraw) {
  redraws.push(redraw);
}

/** Switch every text on the page, results already shown included; `remember` stores the
 *  choice (a visitor's explicit switch, not the browser's default). */
export function setLanguage(next, remember) {
  current = LANGS.includes(next) ? next : "en";
  if (remember) store(STORAGE_KEY, current);
  document.documentElement.lang = current;
  document.title = t("meta.title");
  quietly(() => {
    for (const el of document.querySelectorAll("[data-i18n]")) setRichText(el, t(el.dataset.i18n));
    for (const el of document.querySelectorAll("[data-i18n-label]")) el.setAttribute("aria-label", t(el.dataset.i18nLabel));
    for (const redraw of redraws) redraw();
  });
}

export function toggleLanguage() {
  setLanguage(current === "ja" ? "en" : "ja", true);
}

/* Redrawing results in the other language must not make screen readers read every one of
 * them again: live regions are switched off for the swap and back on afterwards (the
 * accessibility tree is updated asynchronously, hence the delay). */
let liveRestoreTimer = 0;
function quietly(fn) {
  const regions = document.querySelectorAll("[aria-live]");
  for (const el of regions) el.setAttribute("aria-live", "off");
  fn();
  window.clearTimeout(liveRestoreTimer);
  liveRestoreTimer = window.setTimeout(() => {
    for (const el of document.querySelectorAll("[aria-live]")) el.setAttribute("aria-live", el.dataset.live || "polite");
  }, 300);
}
