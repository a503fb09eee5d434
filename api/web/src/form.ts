/// <reference lib="dom" />
/**
 * The upload form: two cores (files or stored digest ids), smaps, filter and expectation. Checks
 * what it can before sending (missing or empty files, malformed ids), uploads with progress
 * (XMLHttpRequest), and shows API problems next to the field they concern, focusing it.
 *
 * @module
 */

import { formatBytes } from "../../../lib/report/units.ts";
import type { DiffReportJson } from "../../../lib/report/view.ts";
import { authHeaders, setToken, token } from "./api.ts";
import { byId, h } from "./dom.ts";
import { goTo } from "./nav.ts";
import {
  type Field,
  FIELD_LABELS,
  type FieldError,
  FIELDS,
  placeProblem,
  validateForm,
} from "./validate.ts";

/** What the form does with a finished report. */
export type OnReport = (report: DiffReportJson, id: string) => void;

const input = (id: string) => byId<HTMLInputElement>(id);
const control = (f: Field) => byId(`in-${f}`);

/**
 * Wires the form.
 *
 * @param onReport called with each report the server answers
 */
export function setupForm(onReport: OnReport): void {
  const form = byId<HTMLFormElement>("form");
  const statusEl = byId("status");
  const submit = byId<HTMLButtonElement>("submit");
  const cancel = byId<HTMLButtonElement>("cancel");
  const formError = byId("form-error");
  let inFlight: XMLHttpRequest | AbortController | null = null;
  let timer: ReturnType<typeof setInterval> | undefined;
  form.noValidate = true;

  const clearField = (f: Field) => {
    const err = byId(`err-${f}`);
    err.hidden = true;
    err.textContent = "";
    control(f).removeAttribute("aria-invalid");
    err.closest(".drop, .field")?.classList.remove("has-error");
  };
  const clearErrors = () => {
    FIELDS.forEach(clearField);
    formError.hidden = true;
    formError.replaceChildren();
  };
  /** Shows errors next to their fields; the alert links to, and focus goes to, the first. */
  const showErrors = (errors: readonly FieldError[], summary: string) => {
    for (const e of errors) {
      const err = byId(`err-${e.field}`);
      err.textContent = e.message;
      err.hidden = false;
      err.closest(".drop, .field")?.classList.add("has-error");
      control(e.field).setAttribute("aria-invalid", "true");
    }
    const first = errors[0];
    formError.replaceChildren(summary);
    if (first) {
      formError.append(
        " ",
        h("a", {
          href: `#in-${first.field}`,
          onclick: ((ev: Event) => {
            ev.preventDefault();
            control(first.field).focus();
          }) as EventListener,
        }, `Go to ${FIELD_LABELS[first.field]}`),
      );
      if (first.field === "token") byId("token-field").hidden = false;
      control(first.field).focus();
    }
    formError.hidden = false;
    byId<HTMLDetailsElement>("new").open = true;
  };
  const showProblem = (status: number, body: string) => {
    const p = placeProblem(status, body);
    if (p.field) {
      showErrors(
        [{ field: p.field, message: p.message }],
        `The server refused the request (${status}).`,
      );
    } else showErrors([], p.message);
  };
  const busy = (on: boolean) => {
    submit.disabled = on;
    cancel.hidden = !on;
    if (!on) {
      clearInterval(timer);
      inFlight = null;
    }
  };
  const processing = (what: string) => {
    const t0 = Date.now();
    clearInterval(timer);
    const tick = () => statusEl.textContent = `${what} · ${Math.floor((Date.now() - t0) / 1000)} s`;
    tick();
    timer = setInterval(tick, 500);
  };
  const finish = (text: string, id: string) => {
    let report: DiffReportJson;
    try {
      report = JSON.parse(text);
    } catch {
      showErrors([], "The server answered with something that is not a report.");
      return;
    }
    statusEl.textContent = `Done: ${report.verdict}.`;
    if (/^[0-9a-f]{16,128}$/.test(id)) goTo(`/reports/${id}`);
    byId<HTMLDetailsElement>("new").open = false;
    onReport(report, id);
  };

  const showFile = (f: "a" | "b" | "smaps") => {
    const file = input(`in-${f}`).files?.[0];
    byId(`info-${f}`).textContent = file ? `${file.name} · ${formatBytes(file.size)}` : "";
    byId(`prog-${f}`).hidden = true;
    clearField(f);
    if (file && file.size === 0) {
      showErrors(
        [{ field: f, message: `${file.name} is empty (0 bytes).` }],
        "An empty file cannot be compared.",
      );
    }
  };
  const setFile = (f: "a" | "b" | "smaps", file: File) => {
    const dt = new DataTransfer();
    dt.items.add(file);
    input(`in-${f}`).files = dt.files;
    showFile(f);
  };
  const placeFiles = (files: File[]) => {
    for (const file of files) {
      const slot = /maps/i.test(file.name) && !input("in-smaps").files?.length
        ? "smaps"
        : (["a", "b", "smaps"] as const).find((f) => !input(`in-${f}`).files?.length);
      if (slot) setFile(slot, file);
    }
  };
  for (const f of ["a", "b", "smaps"] as const) {
    const zone = byId(`drop-${f}`);
    input(`in-${f}`).addEventListener("change", () => showFile(f));
    zone.addEventListener("dragover", (e) => {
      e.preventDefault();
      zone.classList.add("over");
    });
    zone.addEventListener("dragleave", () => zone.classList.remove("over"));
    zone.addEventListener("drop", (e) => {
      e.preventDefault();
      e.stopPropagation();
      zone.classList.remove("over");
      const files = [...(e.dataTransfer?.files ?? [])];
      const first = files.shift();
      if (first) setFile(f, first);
      placeFiles(files);
    });
  }
  for (const f of ["a", "b"] as const) {
    input(`id-${f}`).addEventListener("input", () => clearField(f));
  }
  document.addEventListener("dragover", (e) => e.preventDefault());
  document.addEventListener("drop", (e) => {
    e.preventDefault();
    placeFiles([...(e.dataTransfer?.files ?? [])]);
  });
  cancel.addEventListener("click", () => {
    inFlight?.abort();
    busy(false);
    statusEl.textContent = "Cancelled.";
  });
  if (token()) {
    byId("token-field").hidden = false;
    input("in-token").value = token();
  }
  input("in-token").addEventListener("change", () => setToken(input("in-token").value.trim()));

  const progress = (f: string, done: number, total: number) => {
    const box = byId(`prog-${f}`);
    const pct = total > 0 ? Math.floor((done / total) * 100) : 0;
    box.querySelector("progress")!.value = pct;
    box.querySelector(".progress-text")!.textContent = `${formatBytes(Math.round(done))} / ${
      formatBytes(total)
    } · ${pct}%`;
  };

  const upload = (a: File, b: File, smaps: File | undefined, filter: string, expect: string) => {
    const body = new FormData();
    body.append("a", a, a.name);
    body.append("b", b, b.name);
    if (smaps) body.append("smaps", smaps, smaps.name);
    if (filter) body.append("filter", filter);
    if (expect !== "auto") body.append("expect", expect);
    const parts: [string, File][] = [["a", a], ["b", b]];
    if (smaps) parts.push(["smaps", smaps]);
    const fileBytes = parts.reduce((n, [, f]) => n + f.size, 0);
    for (const [f] of parts) {
      byId(`prog-${f}`).hidden = false;
      progress(f, 0, 0);
    }
    const xhr = new XMLHttpRequest();
    inFlight = xhr;
    busy(true);
    statusEl.textContent = `Uploading ${formatBytes(fileBytes)}…`;
    xhr.open("POST", "/v1/diff?format=json");
    xhr.setRequestHeader("accept", "application/json");
    for (const [k, v] of Object.entries(authHeaders())) xhr.setRequestHeader(k, v);
    xhr.upload.addEventListener("progress", (ev) => {
      if (!ev.lengthComputable || ev.total === 0) return;
      let at = ev.loaded * (fileBytes / ev.total);
      for (const [f, file] of parts) {
        progress(f, Math.min(Math.max(at, 0), file.size), file.size);
        at -= file.size;
      }
      statusEl.textContent = `Uploading ${Math.floor((ev.loaded / ev.total) * 100)}%`;
    });
    xhr.upload.addEventListener("load", () => {
      for (const [f, file] of parts) progress(f, file.size, file.size);
      processing("Uploaded; the server is digesting and comparing the cores");
    });
    xhr.addEventListener("load", () => {
      busy(false);
      if (xhr.status === 200 || xhr.status === 201) {
        finish(xhr.responseText, xhr.getResponseHeader("coredelta-report-id") ?? "");
      } else {
        statusEl.textContent = "";
        showProblem(xhr.status, xhr.responseText);
      }
    });
    xhr.addEventListener("error", () => {
      busy(false);
      statusEl.textContent = "";
      showErrors(
        [],
        "The upload failed: the server could not be reached or closed the connection.",
      );
    });
    xhr.send(body);
  };

  const diffIds = async (
    a: string,
    b: string,
    smaps: File | undefined,
    filter: string,
    expect: string,
  ) => {
    const ctl = new AbortController();
    inFlight = ctl;
    busy(true);
    processing("Comparing the stored digests");
    try {
      const req: Record<string, unknown> = { a, b };
      if (smaps) req.smaps = await smaps.text();
      if (filter) req.filter = filter;
      if (expect !== "auto") req.expect = expect;
      const res = await fetch("/v1/diffs?format=json", {
        method: "POST",
        headers: {
          "content-type": "application/json",
          accept: "application/json",
          ...authHeaders(),
        },
        body: JSON.stringify(req),
        signal: ctl.signal,
      });
      const text = await res.text();
      busy(false);
      if (res.ok) finish(text, res.headers.get("coredelta-report-id") ?? "");
      else {
        statusEl.textContent = "";
        showProblem(res.status, text);
      }
    } catch (err) {
      busy(false);
      if (!ctl.signal.aborted) {
        statusEl.textContent = "";
        showErrors([], `The request failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  };

  form.addEventListener("submit", (e) => {
    e.preventDefault();
    if (inFlight) return;
    clearErrors();
    const tokenValue = input("in-token").value.trim();
    if (tokenValue) setToken(tokenValue);
    const fileOf = (f: string) => input(`in-${f}`).files?.[0];
    const a = fileOf("a"), b = fileOf("b"), smaps = fileOf("smaps");
    const errors = validateForm({
      a: { ...(a ? { file: a } : {}), id: input("id-a").value },
      b: { ...(b ? { file: b } : {}), id: input("id-b").value },
      ...(smaps ? { smaps } : {}),
    });
    if (errors.length) {
      showErrors(
        errors,
        errors.length === 1
          ? "One field needs attention."
          : `${errors.length} fields need attention.`,
      );
      return;
    }
    const filter = input("in-filter").value.trim();
    const expect = byId<HTMLSelectElement>("in-expect").value;
    if (a && b) upload(a, b, smaps, filter, expect);
    else {
      void diffIds(
        input("id-a").value.trim().toLowerCase(),
        input("id-b").value.trim().toLowerCase(),
        smaps,
        filter,
        expect,
      );
    }
  });
}
