/// <reference lib="dom" />
/**
 * Page navigation without reloads: the form moves to a report's permalink with {@link goTo};
 * Back and Forward re-route, while fragment links (the skip link's `#main`) do not.
 *
 * @module
 */

let shownPath = location.pathname;

/**
 * Moves to `path` (a new history entry) without re-routing: the caller shows its content.
 *
 * @param path the new path
 */
export function goTo(path: string): void {
  history.pushState(null, "", path);
  shownPath = location.pathname;
}

/**
 * Calls `route` when Back or Forward changed the path (not for fragment changes).
 *
 * @param route what shows the page of the current path
 */
export function onPathChange(route: () => void): void {
  globalThis.addEventListener("popstate", () => {
    if (location.pathname === shownPath) return;
    shownPath = location.pathname;
    route();
  });
}
