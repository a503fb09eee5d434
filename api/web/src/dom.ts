/// <reference lib="dom" />
/**
 * DOM helpers of the web UI. Every string goes into the page as text (`textContent`,
 * `setAttribute`), never as markup, so file names and mapping names from a core cannot inject.
 *
 * @module
 */

/** A child of {@link h}: nodes and text; `null`, `undefined` and `false` are skipped. */
export type Kid = Node | string | number | null | undefined | false;

/**
 * Attributes of {@link h}: `on*` functions become listeners, `style` is set through the CSSOM,
 * `false`/`undefined` are skipped.
 */
export type Attrs = Record<string, string | number | boolean | undefined | EventListener>;

/**
 * Creates an element with attributes and children.
 *
 * @param tag element name
 * @param attrs attributes and `on…` listeners
 * @param kids children (text or nodes)
 * @returns the element
 */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...kids: Kid[]
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    if (typeof v === "function") e.addEventListener(k.slice(2), v);
    // The page's CSP allows no style attributes; the CSSOM is not restricted.
    else if (k === "style") e.style.cssText = String(v);
    else e.setAttribute(k, v === true ? "" : String(v));
  }
  for (const k of kids) {
    if (k !== null && k !== undefined && k !== false) {
      e.append(typeof k === "number" ? String(k) : k);
    }
  }
  return e;
}

/**
 * The element with an id (throws when the page lacks it: a markup bug, not a user error).
 *
 * @param id element id
 * @returns the element
 */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const e = document.getElementById(id);
  if (!e) throw new Error(`the page has no #${id}`);
  return e as T;
}

/**
 * A colour of the style sheet (`--name`), for canvas drawing: colours are defined once, in CSS.
 *
 * @param name custom property name without the leading `--`
 * @param el element whose computed style is read (default: the root)
 * @returns the colour
 */
export function cssColor(name: string, el: Element = document.documentElement): string {
  return getComputedStyle(el).getPropertyValue(`--${name}`).trim() || "#888";
}
