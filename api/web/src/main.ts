/// <reference lib="dom" />
/**
 * The triage page: the form at `/`, a stored report at `/reports/{id}`, the history panel. The
 * bundle of this module (`api/web/dist/app.js`, built by `deno task build:web`) is inlined into
 * the served page and allowed by the page's CSP hash.
 *
 * @module
 */

import { HttpError } from "./api.ts";
import { byId } from "./dom.ts";
import { setupForm } from "./form.ts";
import { setupHistory } from "./history.ts";
import { onPathChange } from "./nav.ts";
import { loadReport, showReport } from "./report.ts";

async function route(): Promise<void> {
  const m = /^\/reports\/([^/]+)\/?$/.exec(location.pathname);
  const result = byId("result"), loadError = byId("load-error");
  const details = byId<HTMLDetailsElement>("new");
  loadError.hidden = true;
  if (!m) {
    result.hidden = true;
    result.replaceChildren();
    details.open = true;
    return;
  }
  const id = decodeURIComponent(m[1]!);
  details.open = false;
  try {
    await loadReport(id);
  } catch (e) {
    result.hidden = true;
    if (e instanceof HttpError && e.status === 401) {
      byId("token-field").hidden = false;
      details.open = true;
    }
    loadError.textContent = `Cannot show report ${id}: ${
      e instanceof Error ? e.message : String(e)
    }`;
    loadError.hidden = false;
  }
}

setupForm((report, id) => {
  void showReport(report, id).then(() => byId("verdict").focus());
});
setupHistory();
onPathChange(() => void route());
void route();
