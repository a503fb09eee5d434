// @ts-check
/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/// <reference lib="esnext" />
// The triage form of coredelta: uploads two cores (XMLHttpRequest, for upload progress), shows the
// API's problem+json errors next to the field they concern, and renders a report (verdict, an
// address-space map, a per-page strip, the segment table, notes and needed files). Every string
// from a report goes into the DOM as text (textContent, setAttribute): never as markup.
"use strict";

(() => {
  const TOKEN_KEY = "coredelta.token";
  const FIELDS = ["a", "b", "smaps", "filter", "expect", "token"];
  const FIELD_LABELS = /** @type {Record<string, string>} */ ({
    a: "Core A",
    b: "Core B",
    smaps: "smaps",
    filter: "coredump_filter",
    expect: "Expectation",
    token: "Bearer token",
  });

  /** @type {Record<string, {label: string, color: string, ink: string, text: string}>} */
  const STATUS = {
    "same": {
      label: "same",
      color: "#7cbf8c",
      ink: "#10240f",
      text: "saved in both cores with the same content",
    },
    "differs": {
      label: "differs",
      color: "#e8772e",
      ink: "#1a0d00",
      text: "saved in both cores, some pages differ",
    },
    "size-differs": {
      label: "size differs",
      color: "#e5c02a",
      ink: "#1f1800",
      text: "the cores saved different amounts of the range",
    },
    "flags-differ": {
      label: "flags differ",
      color: "#d17ab6",
      ink: "#200818",
      text: "same contents, different p_flags",
    },
    "only-a": {
      label: "only in A",
      color: "#3a7bd0",
      ink: "#ffffff",
      text: "covered by a PT_LOAD of A only",
    },
    "only-b": {
      label: "only in B",
      color: "#8656c6",
      ink: "#ffffff",
      text: "covered by a PT_LOAD of B only",
    },
    "not-dumped": {
      label: "not dumped",
      color: "url(#cd-hatch-nd)",
      ink: "#1a1f24",
      text: "mapped, but saved in neither core",
    },
  };
  const STATUS_ORDER = Object.keys(STATUS);

  /** Page categories of the per-page strip, worst first (a bucket shows its worst page). */
  /** @type {Record<string, {label: string, color: string}>} */
  const PAGE = {
    "differs": { label: "content differs", color: "#e8772e" },
    "only-a": { label: "saved only in A", color: "#3a7bd0" },
    "only-b": { label: "saved only in B", color: "#8656c6" },
    "same": { label: "saved in both, same", color: "#7cbf8c" },
    "neither": { label: "saved in neither", color: "#eef0f2" },
  };
  const PAGE_ORDER = Object.keys(PAGE);

  // ------------------------------------------------------------------ helpers

  /**
   * An HTML element. Attributes are set with setAttribute, children appended as text or nodes.
   * @param {string} tag
   * @param {Record<string, unknown>} [attrs]
   * @param {...(Node | string | number | null | undefined | false)} kids
   * @returns {HTMLElement}
   */
  function h(tag, attrs = {}, ...kids) {
    const e = document.createElement(tag);
    setAttrs(e, attrs);
    for (const k of kids) {
      if (k === null || k === undefined || k === false) continue;
      e.append(typeof k === "object" ? k : String(k));
    }
    return e;
  }

  /**
   * An SVG element.
   * @param {string} tag
   * @param {Record<string, unknown>} [attrs]
   * @param {...(Node | string | null | undefined | false)} kids
   * @returns {SVGElement}
   */
  function s(tag, attrs = {}, ...kids) {
    const e =
      /** @type {SVGElement} */ (document.createElementNS("http://www.w3.org/2000/svg", tag));
    setAttrs(e, attrs);
    for (const k of kids) if (k) e.append(k);
    return e;
  }

  /**
   * @param {Element} e
   * @param {Record<string, unknown>} attrs
   */
  function setAttrs(e, attrs) {
    for (const [k, v] of Object.entries(attrs)) {
      if (v === undefined || v === null || v === false) continue;
      if (k.startsWith("on") && typeof v === "function") {
        e.addEventListener(k.slice(2), /** @type {EventListener} */ (v));
      } else if (k === "class") e.setAttribute("class", String(v));
      else e.setAttribute(k, v === true ? "" : String(v));
    }
  }

  /**
   * @param {string} id
   * @returns {HTMLElement}
   */
  function byId(id) {
    const e = document.getElementById(id);
    if (!e) throw new Error(`missing #${id}`);
    return e;
  }

  /** @param {string} id */
  const input = (id) => /** @type {HTMLInputElement} */ (byId(id));

  /**
   * Hex of an address, zero-padded to 12 digits.
   * @param {bigint} v
   */
  const hex = (v) => `0x${v.toString(16).padStart(12, "0")}`;

  /**
   * Human size in binary units.
   * @param {number | bigint} n
   */
  function size(n) {
    const v = Number(n);
    if (v < 1024) return `${v} B`;
    const units = ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
    let x = v / 1024;
    let i = 0;
    while (x >= 1024 && i < units.length - 1) {
      x /= 1024;
      i++;
    }
    return `${x >= 100 || Number.isInteger(x) ? x.toFixed(0) : x.toFixed(1)} ${units[i]}`;
  }

  /**
   * @param {number} n
   * @param {string} one
   * @param {string} [many]
   */
  const plural = (n, one, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

  /** @param {number | undefined} f */
  const flagStr = (f) =>
    f === undefined ? "?" : `${f & 4 ? "r" : "-"}${f & 2 ? "w" : "-"}${f & 1 ? "x" : "-"}`;

  /** @param {string} name */
  function baseName(name) {
    if (!name || name.startsWith("[")) return name;
    const i = name.lastIndexOf("/");
    return i >= 0 && i < name.length - 1 ? name.slice(i + 1) : name;
  }

  /** @param {unknown} v */
  function big(v) {
    if (typeof v === "bigint") return v;
    if (typeof v === "number" && Number.isFinite(v)) return BigInt(Math.trunc(v));
    if (typeof v === "string" && /^(0x[0-9a-f]+|[0-9]+)$/i.test(v)) return BigInt(v);
    return 0n;
  }

  function token() {
    try {
      return sessionStorage.getItem(TOKEN_KEY) ?? "";
    } catch {
      return "";
    }
  }

  /** @returns {Record<string, string>} */
  function authHeaders() {
    const t = token();
    return t ? { authorization: `Bearer ${t}` } : {};
  }

  // ------------------------------------------------------------------ the form

  const form = /** @type {HTMLFormElement} */ (byId("form"));
  const details = /** @type {HTMLDetailsElement} */ (byId("new"));
  const statusEl = byId("status");
  const submitBtn = /** @type {HTMLButtonElement} */ (byId("submit"));
  const cancelBtn = /** @type {HTMLButtonElement} */ (byId("cancel"));
  const result = byId("result");
  const loadError = byId("load-error");
  const formError = byId("form-error");

  /** @type {XMLHttpRequest | AbortController | null} */
  let inFlight = null;
  /** @type {ReturnType<typeof setInterval> | undefined} */
  let timer;

  form.noValidate = true;

  for (const f of ["a", "b", "smaps"]) {
    const zone = byId(`drop-${f}`);
    const picker = input(`in-${f}`);
    picker.addEventListener("change", () => showFile(f));
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
      if (files.length === 0) return;
      setFile(f, /** @type {File} */ (files.shift()));
      placeFiles(files);
    });
  }
  for (const f of ["a", "b"]) {
    input(`id-${f}`).addEventListener("input", () => showFile(f));
  }
  // A drop outside the zones fills the empty inputs instead of navigating away.
  document.addEventListener("dragover", (e) => e.preventDefault());
  document.addEventListener("drop", (e) => {
    e.preventDefault();
    placeFiles([...(e.dataTransfer?.files ?? [])]);
  });

  /**
   * Puts dropped files into empty inputs: smaps-like names into smaps, others into A then B.
   * @param {File[]} files
   */
  function placeFiles(files) {
    for (const file of files) {
      const slot = /maps/i.test(file.name) && !input("in-smaps").files?.length
        ? "smaps"
        : ["a", "b", "smaps"].find((f) => !input(`in-${f}`).files?.length);
      if (slot) setFile(slot, file);
    }
  }

  /**
   * @param {string} f
   * @param {File} file
   */
  function setFile(f, file) {
    const dt = new DataTransfer();
    dt.items.add(file);
    input(`in-${f}`).files = dt.files;
    showFile(f);
  }

  /** @param {string} f */
  function showFile(f) {
    const file = input(`in-${f}`).files?.[0];
    const info = byId(`info-${f}`);
    info.textContent = file ? `${file.name} · ${size(file.size)}` : "";
    byId(`prog-${f}`).hidden = true;
    clearFieldError(f);
  }

  /** @param {string} f */
  function clearFieldError(f) {
    const err = byId(`err-${f}`);
    err.hidden = true;
    err.textContent = "";
    err.closest(".drop, .field")?.classList.remove("has-error");
  }

  function clearErrors() {
    for (const f of FIELDS) clearFieldError(f);
    formError.hidden = true;
    formError.replaceChildren();
    loadError.hidden = true;
  }

  /**
   * @param {string} f
   * @param {string} message
   * @param {string} [where]
   */
  function fieldError(f, message, where) {
    const err = byId(`err-${f}`);
    err.replaceChildren(message);
    if (where) err.append(h("span", { class: "hint" }, ` (${where})`));
    err.hidden = false;
    err.closest(".drop, .field")?.classList.add("has-error");
    const control = f === "a" || f === "b" || f === "smaps" ? input(`in-${f}`) : byId(`in-${f}`);
    control.setAttribute("aria-invalid", "true");
  }

  /**
   * @param {string} message
   * @param {string} [focusField]
   */
  function formAlert(message, focusField) {
    formError.replaceChildren(message);
    if (focusField) {
      formError.append(
        " ",
        h("a", {
          href: `#in-${focusField}`,
          onclick: (/** @type {Event} */ e) => {
            e.preventDefault();
            byId(`in-${focusField}`).focus();
          },
        }, `Go to ${FIELD_LABELS[focusField] ?? focusField}`),
      );
    }
    formError.hidden = false;
  }

  /**
   * Shows a problem+json document next to its field (from `part`, else `field`).
   * @param {number} status
   * @param {string} body
   */
  function showProblem(status, body) {
    /** @type {Record<string, unknown>} */
    let p = {};
    try {
      const parsed = JSON.parse(body);
      if (parsed && typeof parsed === "object") p = parsed;
    } catch {
      p = {};
    }
    const title = typeof p.title === "string" ? p.title : `HTTP ${status}`;
    const detail = typeof p.detail === "string" ? p.detail : body.slice(0, 300);
    const where = [];
    if (typeof p.field === "string" && !FIELDS.includes(p.field)) where.push(`field ${p.field}`);
    if (typeof p.offset === "number") where.push(`byte 0x${p.offset.toString(16)}`);
    if (typeof p.line === "number") where.push(`line ${p.line}`);
    if (typeof p.column === "number") where.push(`column ${p.column}`);
    if (typeof p.limit === "number") where.push(`limit ${size(p.limit)}`);
    let f = [p.part, p.field].find((x) => typeof x === "string" && FIELDS.includes(x));
    if (status === 401) {
      f = "token";
      byId("token-field").hidden = false;
    }
    const message = `${title}: ${detail}`;
    if (typeof f === "string") {
      fieldError(f, message, where.join(", "));
      formAlert(
        `The server rejected the request (${status}); see ${FIELD_LABELS[f] ?? f}.`,
        f,
      );
      byId(`in-${f}`).focus();
    } else {
      formAlert(`${message}${where.length ? ` (${where.join(", ")})` : ""}`);
    }
    details.open = true;
  }

  /** @param {boolean} on */
  function busy(on) {
    submitBtn.disabled = on;
    cancelBtn.hidden = !on;
    statusEl.classList.toggle("busy", on);
    if (!on) {
      clearInterval(timer);
      timer = undefined;
      inFlight = null;
    }
  }

  /** @param {string} what */
  function processing(what) {
    const t0 = Date.now();
    clearInterval(timer);
    const tick = () => {
      statusEl.textContent = `${what} · ${Math.floor((Date.now() - t0) / 1000)} s`;
    };
    tick();
    timer = setInterval(tick, 500);
  }

  cancelBtn.addEventListener("click", () => {
    if (inFlight) inFlight.abort();
    busy(false);
    statusEl.textContent = "Cancelled.";
  });

  byId("in-token").addEventListener("change", () => {
    try {
      sessionStorage.setItem(TOKEN_KEY, input("in-token").value.trim());
    } catch {
      // storage disabled: the token is read from the field below
    }
  });

  form.addEventListener("submit", (e) => {
    e.preventDefault();
    if (inFlight) return;
    clearErrors();
    const tokenValue = input("in-token").value.trim();
    if (tokenValue) {
      try {
        sessionStorage.setItem(TOKEN_KEY, tokenValue);
      } catch {
        // ignore
      }
    }
    const sides = ["a", "b"].map((f) => ({
      f,
      file: input(`in-${f}`).files?.[0],
      id: input(`id-${f}`).value.trim().toLowerCase(),
    }));
    let bad = false;
    for (const sd of sides) {
      if (!sd.file && !sd.id) {
        fieldError(sd.f, `Choose or drop a core for ${FIELD_LABELS[sd.f]}, or give a digest id.`);
        bad = true;
      } else if (!sd.file && !/^[0-9a-f]{64}$/.test(sd.id)) {
        fieldError(sd.f, "A digest id is 64 hex digits (the id /v1/cores returned).");
        bad = true;
      }
    }
    const [sa, sb] = sides;
    if (!bad && sa && sb && !!sa.file !== !!sb.file) {
      fieldError(
        sa.file ? "b" : "a",
        "Give both cores as files, or both as stored digest ids.",
      );
      bad = true;
    }
    if (bad) {
      formAlert("Both cores are needed.", sa?.file || sa?.id ? "b" : "a");
      return;
    }
    const filter = input("in-filter").value.trim();
    const expect = /** @type {HTMLSelectElement} */ (byId("in-expect")).value;
    const smaps = input("in-smaps").files?.[0];
    if (sa?.file && sb?.file) upload(sa.file, sb.file, smaps, filter, expect);
    else if (sa && sb) diffIds(sa.id, sb.id, smaps, filter, expect);
  });

  /**
   * POST /v1/diff as multipart, with per-file upload progress.
   * @param {File} a
   * @param {File} b
   * @param {File | undefined} smaps
   * @param {string} filter
   * @param {string} expect
   */
  function upload(a, b, smaps, filter, expect) {
    const body = new FormData();
    body.append("a", a, a.name);
    body.append("b", b, b.name);
    if (smaps) body.append("smaps", smaps, smaps.name);
    if (filter) body.append("filter", filter);
    if (expect && expect !== "auto") body.append("expect", expect);
    /** @type {[string, File][]} */
    const parts = [["a", a], ["b", b]];
    if (smaps) parts.push(["smaps", smaps]);
    const fileBytes = parts.reduce((n, [, f]) => n + f.size, 0);
    for (const [f] of parts) {
      byId(`prog-${f}`).hidden = false;
      progress(f, 0, 0);
    }

    const xhr = new XMLHttpRequest();
    inFlight = xhr;
    busy(true);
    statusEl.textContent = `Uploading ${size(fileBytes)}…`;
    xhr.open("POST", "/v1/diff?format=json");
    xhr.setRequestHeader("accept", "application/json");
    for (const [k, v] of Object.entries(authHeaders())) xhr.setRequestHeader(k, v);
    xhr.upload.addEventListener("progress", (ev) => {
      if (!ev.lengthComputable || ev.total === 0) return;
      // The body is the parts in order plus small headers: scale to file bytes and split.
      let at = ev.loaded * (fileBytes / ev.total);
      for (const [f, file] of parts) {
        progress(f, Math.min(Math.max(at, 0), file.size), file.size);
        at -= file.size;
      }
      statusEl.textContent = `Uploading ${Math.floor((ev.loaded / ev.total) * 100)}% · ${
        size(ev.loaded)
      } of ${size(ev.total)}`;
    });
    xhr.upload.addEventListener("load", () => {
      for (const [f, file] of parts) progress(f, file.size, file.size);
      processing("Uploaded; the server is digesting and comparing the cores");
    });
    xhr.addEventListener("load", () => {
      busy(false);
      const text = xhr.responseText;
      if (xhr.status === 200 || xhr.status === 201) {
        const id = xhr.getResponseHeader("coredelta-report-id") ??
          (xhr.getResponseHeader("location") ?? "").split("/").pop() ?? "";
        done(text, id);
      } else {
        statusEl.textContent = "";
        showProblem(xhr.status, text);
      }
    });
    xhr.addEventListener("error", () => {
      busy(false);
      statusEl.textContent = "";
      formAlert("The upload failed: the server could not be reached or closed the connection.");
    });
    xhr.send(body);
  }

  /**
   * POST /v1/diffs with two stored digest ids.
   * @param {string} a
   * @param {string} b
   * @param {File | undefined} smaps
   * @param {string} filter
   * @param {string} expect
   */
  async function diffIds(a, b, smaps, filter, expect) {
    const ctl = new AbortController();
    inFlight = ctl;
    busy(true);
    processing("Comparing the stored digests");
    try {
      /** @type {Record<string, unknown>} */
      const req = { a, b };
      if (smaps) req.smaps = await smaps.text();
      if (filter) req.filter = filter;
      if (expect && expect !== "auto") req.expect = expect;
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
      if (res.ok) {
        done(text, res.headers.get("coredelta-report-id") ?? "");
      } else {
        statusEl.textContent = "";
        showProblem(res.status, text);
      }
    } catch (err) {
      busy(false);
      if (!ctl.signal.aborted) {
        statusEl.textContent = "";
        formAlert(`The request failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }

  /**
   * @param {string} f
   * @param {number} done
   * @param {number} total
   */
  function progress(f, done, total) {
    const box = byId(`prog-${f}`);
    const bar = /** @type {HTMLProgressElement} */ (box.querySelector("progress"));
    const pct = total > 0 ? Math.floor((done / total) * 100) : 0;
    bar.value = pct;
    const text = box.querySelector(".progress-text");
    if (text) text.textContent = `${size(Math.round(done))} / ${size(total)} · ${pct}%`;
  }

  /**
   * @param {string} text the report JSON
   * @param {string} id the stored report id
   */
  function done(text, id) {
    let report;
    try {
      report = JSON.parse(text);
    } catch {
      formAlert("The server answered with something that is not a report.");
      return;
    }
    statusEl.textContent = `Done: ${report.verdict ?? "?"}.`;
    if (id && /^[0-9a-f]{16,128}$/.test(id)) history.pushState(null, "", `/reports/${id}`);
    details.open = false;
    render(report, id);
    byId("verdict").focus();
  }

  // ------------------------------------------------------------------ routing

  async function route() {
    const m = /^\/reports\/([^/]+)\/?$/.exec(location.pathname);
    loadError.hidden = true;
    if (!m) {
      result.hidden = true;
      result.replaceChildren();
      details.open = true;
      document.title = "coredelta · compare two core dumps";
      return;
    }
    const id = decodeURIComponent(m[1] ?? "");
    details.open = false;
    result.hidden = true;
    statusEl.textContent = "Loading the stored report…";
    try {
      const res = await fetch(`/v1/reports/${encodeURIComponent(id)}?format=json`, {
        headers: { accept: "application/json", ...authHeaders() },
      });
      const text = await res.text();
      statusEl.textContent = "";
      if (!res.ok) {
        let msg = `HTTP ${res.status}`;
        try {
          const p = JSON.parse(text);
          msg = `${p.title ?? msg}: ${p.detail ?? ""}`;
        } catch {
          // not problem+json
        }
        if (res.status === 401) {
          byId("token-field").hidden = false;
          details.open = true;
          msg += " Enter the bearer token in the form and reload.";
        }
        loadError.textContent = `Cannot show report ${id}: ${msg}`;
        loadError.hidden = false;
        return;
      }
      render(JSON.parse(text), id);
    } catch (err) {
      statusEl.textContent = "";
      loadError.textContent = `Cannot load report ${id}: ${
        err instanceof Error ? err.message : String(err)
      }`;
      loadError.hidden = false;
    }
  }

  globalThis.addEventListener("popstate", () => void route());
  if (token()) {
    byId("token-field").hidden = false;
    input("in-token").value = token();
  }

  // ------------------------------------------------------------------ the report

  /**
   * @typedef {{present: boolean, index?: number, flags?: number, saved: bigint,
   *   segment?: {vaddr: bigint, filesz: bigint, memsz: bigint}}} Side
   * @typedef {{code: string, text: string, certainty: string}} Reason
   * @typedef {{kind: string, text: string, reasons: Reason[], expected: boolean,
   *   unexplained: boolean}} Diff
   * @typedef {{same: number, different: number, zeroVsMissing: number, onlyA: number,
   *   onlyB: number, neither: number, truncated: number}} Tally
   * @typedef {{i: number, start: bigint, end: bigint, size: bigint, name: string, status: string,
   *   a: Side, b: Side, pages: Tally, npages: number, pageSize: bigint,
   *   runs: {start: bigint, end: bigint, pages: number}[], runsTotal: number,
   *   differences: Diff[], failing: boolean, unexplained: boolean, codes: string[]}} Range
   */

  /**
   * @param {any} x
   * @returns {Side}
   */
  function side(x) {
    return {
      present: !!x?.present,
      index: typeof x?.index === "number" ? x.index : undefined,
      flags: typeof x?.flags === "number" ? x.flags : undefined,
      saved: big(x?.saved),
      segment: x?.segment
        ? {
          vaddr: big(x.segment.vaddr),
          filesz: big(x.segment.filesz),
          memsz: big(x.segment.memsz),
        }
        : undefined,
    };
  }

  /**
   * @param {any} d
   * @returns {Diff}
   */
  function diffOf(d) {
    return {
      kind: String(d?.kind ?? ""),
      text: String(d?.text ?? ""),
      reasons: Array.isArray(d?.reasons)
        ? d.reasons.map((/** @type {any} */ q) => ({
          code: String(q?.code ?? ""),
          text: String(q?.text ?? ""),
          certainty: String(q?.certainty ?? ""),
        }))
        : [],
      expected: !!d?.expected,
      unexplained: !!d?.unexplained,
    };
  }

  /**
   * @param {any} g
   * @param {number} i
   * @returns {Range}
   */
  function rangeOf(g, i) {
    const start = big(g?.start), end = big(g?.end);
    const t = g?.pages ?? {};
    /** @type {Tally} */
    const pages = {
      same: Number(t.same) || 0,
      different: Number(t.different) || 0,
      zeroVsMissing: Number(t.zeroVsMissing) || 0,
      onlyA: Number(t.onlyA) || 0,
      onlyB: Number(t.onlyB) || 0,
      neither: Number(t.neither) || 0,
      truncated: Number(t.truncated) || 0,
    };
    const npages = Object.values(pages).reduce((a, b) => a + b, 0);
    const len = end > start ? end - start : 0n;
    const pageSize = npages > 0 && len % BigInt(npages) === 0n ? len / BigInt(npages) : 4096n;
    const differences = Array.isArray(g?.differences) ? g.differences.map(diffOf) : [];
    const codes = new Set();
    for (const d of differences) {
      if (d.unexplained) codes.add("unexplained");
      for (const q of d.reasons) codes.add(q.code);
    }
    return {
      i,
      start,
      end,
      size: len,
      name: String(g?.name ?? ""),
      status: String(g?.status ?? ""),
      a: side(g?.a),
      b: side(g?.b),
      pages,
      npages: npages || Number(len / pageSize),
      pageSize,
      runs: Array.isArray(g?.runs)
        ? g.runs.map((/** @type {any} */ r) => ({
          start: big(r?.start),
          end: big(r?.end),
          pages: Number(r?.pages) || 0,
        }))
        : [],
      runsTotal: Number(g?.runsTotal) || 0,
      differences,
      failing: differences.some((/** @type {Diff} */ d) => !d.expected),
      unexplained: differences.some((/** @type {Diff} */ d) => d.unexplained),
      codes: [...codes].map(String),
    };
  }

  /** Rendering state of the current report. */
  const view = {
    /** @type {Range[]} */
    ranges: [],
    /** @type {number | null} */
    selected: null,
    sortKey: "i",
    sortDir: 1,
    /** @type {Set<string>} */
    statuses: new Set(STATUS_ORDER),
    reason: "",
    text: "",
    unexpectedOnly: false,
    /** @type {() => void} */
    redrawMap: () => {},
  };

  /**
   * Renders a whole report into #result.
   * @param {any} r the report JSON
   * @param {string} id the stored report id
   */
  function render(r, id) {
    const ranges = Array.isArray(r?.ranges) ? r.ranges.map(rangeOf) : [];
    view.ranges = ranges;
    view.selected = null;
    view.statuses = new Set([...STATUS_ORDER, ...ranges.map((/** @type {Range} */ g) => g.status)]);
    view.reason = "";
    view.text = "";
    view.unexpectedOnly = false;
    view.sortKey = "i";
    view.sortDir = 1;
    const verdict = r?.verdict === "pass" ? "pass" : "fail";
    document.title = `coredelta · ${verdict.toUpperCase()} · ${String(r?.a?.label ?? "A")} vs ${
      String(r?.b?.label ?? "B")
    }`;

    const detailBody = h("div", { id: "detail-body" });
    const layout = h(
      "div",
      { class: "layout" },
      h(
        "div",
        { class: "main-col" },
        mapSection(ranges),
        tableSection(ranges),
        notesSection(r),
        filesSection(r),
      ),
      h(
        "aside",
        { class: "detail", "aria-labelledby": "h-detail" },
        h("h2", { id: "h-detail" }, "Selected range"),
        detailBody,
      ),
    );
    result.replaceChildren(verdictBlock(r, id, verdict), metaBlock(r), layout);
    result.hidden = false;
    view.redrawMap();
    applyTable();
    const first = ranges.find((/** @type {Range} */ g) => g.failing) ??
      ranges.find((/** @type {Range} */ g) => g.status !== "same");
    if (first) select(first.i, false);
    else renderDetail(null);
  }

  /**
   * @param {any} r
   * @param {string} id
   * @param {string} verdict
   */
  function verdictBlock(r, id, verdict) {
    const sm = r?.summary ?? {};
    const links = h("span", { class: "links" });
    if (id) {
      const perma = `/reports/${encodeURIComponent(id)}`;
      links.append(
        "Permalink ",
        h(
          "a",
          { class: "permalink", id: "permalink", href: perma, title: location.origin + perma },
          `/reports/${id.slice(0, 12)}…`,
        ),
        " ",
        h("span", { "aria-hidden": "true" }, "·"),
        " Download",
      );
      for (
        const [fmt, label, ext] of [
          ["json", "JSON", "json"],
          ["md", "Markdown", "md"],
          ["junit", "JUnit", "xml"],
          ["html", "HTML", "html"],
          ["text", "text", "txt"],
        ]
      ) {
        links.append(" ", download(id, String(fmt), String(label), String(ext)));
      }
    }
    return h(
      "section",
      {
        class: `verdict ${verdict}`,
        id: "verdict",
        "data-verdict": verdict,
        tabindex: "-1",
        "aria-label": `Verdict: ${verdict}`,
      },
      h("span", { class: "word" }, verdict.toUpperCase()),
      " ",
      h(
        "span",
        {},
        `${String(r?.expectation ?? "")} · ${plural(Number(sm.ranges) || 0, "range")} · ${
          plural(Number(sm.differences) || 0, "difference")
        }: ${Number(sm.expected) || 0} expected, `,
        h(
          "b",
          { class: Number(sm.unexpected) ? "tag-bad" : "" },
          `${Number(sm.unexpected) || 0} unexpected`,
        ),
        ", ",
        h(
          "b",
          { class: Number(sm.unexplained) ? "tag-bad" : "" },
          `${Number(sm.unexplained) || 0} unexplained`,
        ),
        ` · ${plural(Array.isArray(r?.notes) ? r.notes.length : 0, "note difference")}`,
      ),
      " ",
      links,
    );
  }

  /**
   * A download link for one report format. With a bearer token the file is fetched with it.
   * @param {string} id
   * @param {string} fmt
   * @param {string} label
   * @param {string} ext
   */
  function download(id, fmt, label, ext) {
    const href = `/v1/reports/${encodeURIComponent(id)}?format=${fmt}`;
    const name = `coredelta-${id.slice(0, 12)}.${ext}`;
    return h("a", {
      href,
      download: name,
      "data-format": fmt,
      onclick: async (/** @type {Event} */ e) => {
        if (!token()) return;
        e.preventDefault();
        const res = await fetch(href, { headers: authHeaders() });
        const url = URL.createObjectURL(await res.blob());
        const a = h("a", { href: url, download: name });
        a.click();
        setTimeout(() => URL.revokeObjectURL(url), 10_000);
      },
    }, label);
  }

  /** @param {any} r */
  function metaBlock(r) {
    /**
     * @param {string} title
     * @param {any} c
     */
    const core = (title, c) => {
      const m = c?.memory ?? {};
      const rb = m.residentBytes ?? {};
      return h(
        "section",
        { class: "card" },
        h("h3", {}, title),
        h(
          "dl",
          { class: "kv" },
          h("dt", {}, "file"),
          h("dd", { class: "mono" }, String(c?.label ?? "")),
          h("dt", {}, "producer"),
          h("dd", {}, String(c?.producer ?? "")),
          h("dt", {}, "size"),
          h("dd", {}, `${size(Number(c?.size) || 0)} (${Number(c?.size) || 0} bytes)`),
          h("dt", {}, "PT_LOAD · threads"),
          h("dd", {}, `${Number(c?.loads) || 0} · ${Number(c?.threads) || 0}`),
          h("dt", {}, "resident (est.)"),
          h(
            "dd",
            {},
            `${size(big(rb.min))} – ${size(big(rb.max))} · pages: ${
              Number(m.nonZeroPages) || 0
            } non-zero, ${Number(m.zeroPages) || 0} zero, ${Number(m.unsavedPages) || 0} unsaved`,
          ),
          h("dt", {}, "XXH3-64"),
          h("dd", { class: "mono" }, String(c?.fileHash ?? "")),
          c?.truncated ? h("dt", { class: "tag-bad" }, "truncated") : null,
          c?.truncated ? h("dd", { class: "tag-bad" }, "the file was cut short") : null,
        ),
      );
    };
    const ctx = r?.context ?? {};
    const by = r?.summary?.byStatus ?? {};
    const warnings = Array.isArray(ctx.warnings) ? ctx.warnings : [];
    return h(
      "div",
      { class: "meta" },
      core("A", r?.a),
      core("B", r?.b),
      h(
        "section",
        { class: "card" },
        h("h3", {}, "Context"),
        h(
          "dl",
          { class: "kv" },
          h("dt", {}, "expectation"),
          h("dd", {}, String(r?.expectation ?? "")),
          h("dt", {}, "smaps"),
          h("dd", {}, ctx.smaps ? "given: reasons are predicted" : "not given: reasons inferred"),
          h("dt", {}, "filter"),
          h("dd", { class: "mono" }, ctx.filter == null ? "—" : String(ctx.filter)),
          h("dt", {}, "ranges"),
          h(
            "dd",
            {},
            Object.entries(by).map(([k, v]) => `${STATUS[k]?.label ?? k} ${Number(v)}`).join(
              " · ",
            ),
          ),
          ...warnings.flatMap((/** @type {unknown} */ w) => [
            h("dt", { class: "warn" }, "warning"),
            h("dd", { class: "warn" }, String(w)),
          ]),
        ),
      ),
    );
  }

  // ---------------------------------------------------------------- the map

  /** @param {Range[]} ranges */
  function mapSection(ranges) {
    const legend = h("div", { class: "legend", "aria-label": "Legend" });
    for (const k of STATUS_ORDER) {
      legend.append(
        h(
          "span",
          { title: STATUS[k]?.text },
          h("i", { class: `sw ${k}`, "aria-hidden": "true" }),
          STATUS[k]?.label ?? k,
        ),
      );
    }
    legend.append(
      h("span", {}, h("i", { class: "sw hole", "aria-hidden": "true" }), "unmapped (hole)"),
      h("span", {}, h("i", { class: "sw unexpected", "aria-hidden": "true" }), "unexpected"),
      h("span", {}, h("i", { class: "sw selected", "aria-hidden": "true" }), "selected"),
    );
    const svgEl = s("svg", {
      class: "map",
      role: "group",
      "aria-label": `Address-space map: ${ranges.length} ranges in address order`,
    });
    const hover = h("div", { class: "hover-line", "aria-hidden": "true" });
    const wrap = h("div", { class: "map-wrap" }, svgEl, hover);
    view.redrawMap = () => drawMap(/** @type {SVGSVGElement} */ (svgEl), hover, wrap, ranges);
    return h(
      "section",
      { "aria-labelledby": "h-map" },
      h(
        "h2",
        { id: "h-map" },
        "Address space ",
        h(
          "span",
          { class: "count" },
          "· one bar per range in address order, width ∝ log₂(pages), number = pages; holes shrunk",
        ),
      ),
      legend,
      wrap,
    );
  }

  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let resizeTimer;
  globalThis.addEventListener("resize", () => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(() => view.redrawMap(), 150);
  });

  /**
   * Lays the bars out in rows that fill the width.
   * @param {SVGSVGElement} svgEl
   * @param {HTMLElement} hover
   * @param {HTMLElement} wrap
   * @param {Range[]} ranges
   */
  function drawMap(svgEl, hover, wrap, ranges) {
    const W = Math.max(480, Math.floor(wrap.clientWidth - 8));
    const BAR = 24, GROUP = 14, ADDR = 12, ROW = GROUP + BAR + ADDR + 8, GAP = 2, HOLE = 12;
    /** @type {({kind: "hole", start: bigint, end: bigint} | {kind: "range", r: Range})[]} */
    const items = [];
    ranges.forEach((r, i) => {
      const prev = ranges[i - 1];
      if (prev && prev.end < r.start) items.push({ kind: "hole", start: prev.end, end: r.start });
      items.push({ kind: "range", r });
    });
    /** @param {typeof items[number]} it */
    const width = (it) =>
      it.kind === "hole" ? HOLE : Math.round(9 + 7 * Math.log2(Math.max(1, it.r.npages) + 1));
    let x = 0, row = 0;
    /** @type {{it: typeof items[number], x: number, w: number, row: number}[]} */
    const placed = [];
    for (const it of items) {
      const w = width(it);
      if (x > 0 && x + w > W) {
        x = 0;
        row++;
      }
      placed.push({ it, x, w, row });
      x += w + GAP;
    }
    const rows = row + 1;
    const H = rows * ROW;
    svgEl.setAttribute("viewBox", `0 0 ${W} ${H}`);
    svgEl.setAttribute("width", String(W));
    svgEl.setAttribute("height", String(H));
    const defs = s(
      "defs",
      {},
      s(
        "pattern",
        {
          id: "cd-hatch-nd",
          width: 6,
          height: 6,
          patternUnits: "userSpaceOnUse",
          patternTransform: "rotate(45)",
        },
        s("rect", { width: 6, height: 6, fill: "#e9ecef" }),
        s("rect", { width: 3, height: 6, fill: "#c3c8cf" }),
      ),
    );
    const g = s("g");
    // Mapping-name brackets above runs of same-named ranges (broken by holes and row ends).
    /** @type {{name: string, x0: number, x1: number, row: number} | null} */
    let grp = null;
    const flush = () => {
      if (!grp) return;
      const y = grp.row * ROW + GROUP - 3;
      const w = grp.x1 - grp.x0;
      g.append(s("line", { class: "grp", x1: grp.x0, x2: grp.x1, y1: y + 1.5, y2: y + 1.5 }));
      const label = baseName(grp.name);
      const fit = Math.floor((w - 2) / 6);
      if (fit >= 3) {
        const txt = label.length > fit ? `${label.slice(0, fit - 1)}…` : label;
        const t = s("text", { class: "grp", x: grp.x0 + 1, y: y - 1.5 });
        t.textContent = txt;
        g.append(t);
      }
      grp = null;
    };
    let lastAddrEnd = -1e9, lastRow = -1;
    for (const p of placed) {
      const y = p.row * ROW + GROUP;
      if (p.row !== lastRow) {
        flush();
        lastAddrEnd = -1e9;
        lastRow = p.row;
      }
      if (p.it.kind === "hole") {
        flush();
        const mid = y + BAR / 2;
        const hole = s(
          "g",
          { class: "hole" },
          s(
            "title",
            {},
            document.createTextNode(
              `unmapped ${hex(p.it.start)}–${hex(p.it.end)} (${size(p.it.end - p.it.start)})`,
            ),
          ),
          s("rect", {
            x: p.x + 0.5,
            y: y + 4.5,
            width: p.w - 1,
            height: BAR - 9,
            fill: "#ffffff",
            stroke: "#8a939c",
            "stroke-dasharray": "2 2",
          }),
          s("path", {
            d: `M${p.x + 3} ${mid + 3} l3 -6 M${p.x + 6} ${mid + 3} l3 -6`,
            stroke: "#6b737b",
            fill: "none",
          }),
        );
        g.append(hole);
        continue;
      }
      const r = p.it.r;
      if (r.name && grp && grp.name === r.name) grp.x1 = p.x + p.w;
      else {
        flush();
        if (r.name) grp = { name: r.name, x0: p.x, x1: p.x + p.w, row: p.row };
      }
      const prevItem = placed[placed.indexOf(p) - 1];
      const startsRow = !prevItem || prevItem.row !== p.row;
      if ((startsRow || prevItem?.it.kind === "hole") && p.x >= lastAddrEnd) {
        const t = s("text", { class: "addr", x: p.x, y: y + BAR + ADDR - 2 });
        t.textContent = hex(r.start);
        g.append(t);
        lastAddrEnd = p.x + 14 * 5.9 + 6;
      }
      const st = STATUS[r.status];
      const label = `${hex(r.start)}–${hex(r.end)}, ${plural(r.npages, "page")}, ${
        st?.label ?? r.status
      }${r.failing ? ", UNEXPECTED" : ""}${r.name ? `, ${r.name}` : ""}`;
      const bar = s("g", {
        class: `bar${r.failing ? " fail" : ""}${view.selected === r.i ? " sel" : ""}`,
        tabindex: 0,
        role: "button",
        "data-i": r.i,
        "data-status": r.status,
        "aria-label": label,
        "aria-pressed": view.selected === r.i ? "true" : "false",
      });
      bar.append(
        s("title", {}, document.createTextNode(label)),
        s("rect", {
          class: "body",
          x: p.x + 0.5,
          y: y + 0.5,
          width: p.w - 1,
          height: BAR - 1,
          fill: st?.color ?? "#ffffff",
        }),
        s("rect", {
          fill: "none",
          class: "focusring",
          x: p.x - 1.5,
          y: y - 1.5,
          width: p.w + 3,
          height: BAR + 3,
        }),
      );
      const num = String(r.npages);
      if (num.length * 5.6 + 3 <= p.w) {
        const t = s("text", {
          class: `pg${st?.ink === "#ffffff" ? " inv" : ""}`,
          x: p.x + p.w / 2,
          y: y + BAR / 2 + 3.2,
          "text-anchor": "middle",
        });
        t.textContent = num;
        bar.append(t);
      }
      if (r.failing) {
        bar.append(s("path", {
          d: `M${p.x + p.w - 7} ${y} h7 v7 z`,
          fill: "#b3121f",
        }));
      }
      const describe = () => {
        hover.textContent = `${label}${r.codes.length ? ` · ${r.codes.join(", ")}` : ""}`;
      };
      bar.addEventListener("mouseenter", describe);
      bar.addEventListener("focus", describe);
      bar.addEventListener("click", () => select(r.i, true));
      bar.addEventListener("keydown", (ev) => {
        const k = /** @type {KeyboardEvent} */ (ev).key;
        if (k === "Enter" || k === " ") {
          ev.preventDefault();
          select(r.i, true);
        } else if (k === "ArrowRight" || k === "ArrowLeft" || k === "Home" || k === "End") {
          ev.preventDefault();
          const bars = [...svgEl.querySelectorAll("g.bar")];
          const at = bars.indexOf(bar);
          const to = k === "Home"
            ? 0
            : k === "End"
            ? bars.length - 1
            : Math.min(bars.length - 1, Math.max(0, at + (k === "ArrowRight" ? 1 : -1)));
          /** @type {SVGElement | undefined} */ (bars[to])?.focus();
        }
      });
      g.append(bar);
    }
    flush();
    svgEl.replaceChildren(defs, g);
  }

  // ---------------------------------------------------------------- selection and detail

  /**
   * @param {number} i
   * @param {boolean} fromUser
   */
  function select(i, fromUser) {
    view.selected = i;
    for (const b of document.querySelectorAll("svg.map g.bar")) {
      const on = b.getAttribute("data-i") === String(i);
      b.classList.toggle("sel", on);
      b.setAttribute("aria-pressed", on ? "true" : "false");
    }
    for (const tr of document.querySelectorAll("#ranges tbody tr")) {
      tr.setAttribute("aria-selected", tr.getAttribute("data-i") === String(i) ? "true" : "false");
    }
    renderDetail(view.ranges[i] ?? null);
    if (fromUser) {
      const panel = document.querySelector(".detail");
      if (panel && panel.getBoundingClientRect().top > innerHeight) {
        panel.scrollIntoView({ block: "nearest" });
      }
    }
  }

  /** @param {Range | null} r */
  function renderDetail(r) {
    const body = document.getElementById("detail-body");
    if (!body) return;
    if (!r) {
      body.replaceChildren(
        h(
          "p",
          { class: "empty" },
          "Select a bar in the map or a row in the table (Enter or click).",
        ),
      );
      return;
    }
    const st = STATUS[r.status];
    /**
     * @param {string} label
     * @param {(x: Side) => string} f
     */
    const row = (label, f) =>
      h("tr", {}, h("th", { scope: "row" }, label), h("td", {}, f(r.a)), h("td", {}, f(r.b)));
    const seg = (/** @type {Side} */ x, /** @type {"vaddr" | "filesz" | "memsz"} */ k) =>
      x.segment ? `0x${x.segment[k].toString(16)}` : "—";
    body.replaceChildren(
      h(
        "p",
        {},
        h("b", { class: "mono" }, `#${r.i} ${hex(r.start)}–${hex(r.end)}`),
        " ",
        statusBadge(r.status),
        r.failing ? h("span", { class: "tag-bad" }, " UNEXPECTED") : null,
      ),
      h("p", { class: "name" }, r.name || "(anonymous)"),
      h(
        "p",
        {},
        `${size(r.size)} · ${plural(r.npages, "page")} of ${size(r.pageSize)} · ${st?.text ?? ""}`,
      ),
      h(
        "table",
        { class: "sides" },
        h("thead", {}, h("tr", {}, h("th", {}, ""), h("th", {}, "A"), h("th", {}, "B"))),
        h(
          "tbody",
          {},
          row("PT_LOAD", (x) => (x.present ? `#${x.index ?? "?"}` : "absent")),
          row("flags", (x) => (x.present ? flagStr(x.flags) : "—")),
          row("saved", (x) => (x.present ? `${size(x.saved)} (0x${x.saved.toString(16)})` : "—")),
          row("p_vaddr", (x) => seg(x, "vaddr")),
          row("p_filesz", (x) => seg(x, "filesz")),
          row("p_memsz", (x) => seg(x, "memsz")),
        ),
      ),
      h("h3", {}, "Pages"),
      pageStrip(r),
      h("h3", {}, `Differences (${r.differences.length})`),
      r.differences.length ? diffList(r.differences) : h("p", { class: "empty" }, "None."),
    );
  }

  /** @param {string} status */
  function statusBadge(status) {
    return h(
      "span",
      { class: "badge", "data-status": status },
      h("i", { class: `sw ${status}`, "aria-hidden": "true" }),
      STATUS[status]?.label ?? status,
    );
  }

  /** @param {Diff[]} ds */
  function diffList(ds) {
    return h(
      "ul",
      { class: "diffs" },
      ...ds.map((d) =>
        h(
          "li",
          { class: d.expected ? "ok" : "bad" },
          h(
            "span",
            { class: d.unexplained ? "tag-unexpl" : d.expected ? "tag-ok" : "tag-bad" },
            d.unexplained ? "UNEXPLAINED" : d.expected ? "expected" : "UNEXPECTED",
          ),
          ` ${d.kind}: ${d.text}`,
          h(
            "ul",
            { class: "reasons" },
            ...d.reasons.map((q) =>
              h(
                "li",
                {},
                h("code", {}, q.code),
                " ",
                h("span", { class: "cert", title: certaintyText(q.certainty) }, q.certainty),
                ` ${q.text}`,
              )
            ),
          ),
        )
      ),
    );
  }

  /** @param {string} c */
  function certaintyText(c) {
    return c === "predicted"
      ? "from smaps and the filter through the dump rules"
      : c === "inferred"
      ? "inferred from the cores alone"
      : c === "known"
      ? "a rule that always holds"
      : c;
  }

  /**
   * Which pages of a range differ: a page is saved by a side when it lies within that side's saved
   * prefix; pages in a differing run differ in content.
   * @param {Range} r
   */
  function pageStrip(r) {
    const n = Math.max(0, r.npages);
    const ps = r.pageSize;
    /** @param {number} p */
    const cat = (p) => {
      const off = BigInt(p) * ps;
      const inA = r.a.present && off < r.a.saved, inB = r.b.present && off < r.b.saved;
      if (inA && inB) {
        const addr = r.start + off;
        return r.runs.some((run) => addr >= run.start && addr < run.end) ? "differs" : "same";
      }
      return inA ? "only-a" : inB ? "only-b" : "neither";
    };
    const MAX = 512;
    const per = Math.max(1, Math.ceil(n / MAX));
    const cells = Math.ceil(n / per);
    const cols = Math.min(cells, 32);
    const CELL = cols <= 8 ? 20 : cols <= 16 ? 14 : 10, GAP = 1;
    const rows = Math.ceil(cells / Math.max(1, cols));
    const W = cols * (CELL + GAP), H = rows * (CELL + GAP);
    const svgEl = s("svg", {
      width: W,
      height: H,
      viewBox: `0 0 ${W} ${H}`,
      role: "img",
      "aria-label": `Pages of the range: ${pageSummary(r)}`,
    });
    const counts = /** @type {Record<string, number>} */ ({});
    for (let c = 0; c < cells; c++) {
      let worst = PAGE_ORDER.length - 1;
      for (let p = c * per; p < Math.min(n, (c + 1) * per); p++) {
        const k = cat(p);
        counts[k] = (counts[k] ?? 0) + 1;
        worst = Math.min(worst, PAGE_ORDER.indexOf(k));
      }
      const k = PAGE_ORDER[worst] ?? "neither";
      const first = r.start + BigInt(c * per) * ps;
      svgEl.append(s(
        "rect",
        {
          x: (c % cols) * (CELL + GAP),
          y: Math.floor(c / cols) * (CELL + GAP),
          width: CELL,
          height: CELL,
          fill: PAGE[k]?.color,
          stroke: k === "neither" ? "#b9c0c7" : "none",
          "stroke-width": 0.6,
          "data-page": k,
        },
        s(
          "title",
          {},
          document.createTextNode(
            `${per > 1 ? `pages ${c * per}–${Math.min(n, (c + 1) * per) - 1}` : `page ${c}`} at ${
              hex(first)
            }: ${PAGE[k]?.label}`,
          ),
        ),
      ));
    }
    const legend = h("div", { class: "legend" });
    for (const k of PAGE_ORDER) {
      if (!counts[k]) continue;
      legend.append(
        h(
          "span",
          {},
          h("i", { class: `sw p-${k}`, "aria-hidden": "true" }),
          `${PAGE[k]?.label} ${counts[k] ?? 0}`,
        ),
      );
    }
    const runNote = r.runsTotal > r.runs.length
      ? ` Only the first ${r.runs.length} of ${r.runsTotal} differing runs are located.`
      : "";
    return h(
      "div",
      { class: "strip-wrap" },
      svgEl,
      legend,
      h(
        "p",
        { class: "strip-cap" },
        `${
          per > 1 ? `1 cell = ${per} pages (worst shown)` : "1 cell = 1 page"
        }, ${cols} per row, from ${hex(r.start)}. Tally: ${pageSummary(r)}.${runNote}`,
      ),
      r.runs.length
        ? h(
          "p",
          { class: "strip-cap" },
          `Differing runs: ${
            r.runs.map((x) => `${hex(x.start)}–${hex(x.end)} (${plural(x.pages, "page")})`).join(
              ", ",
            )
          }`,
        )
        : null,
    );
  }

  /** @param {Range} r */
  function pageSummary(r) {
    const t = r.pages;
    return `same ${t.same}, different ${t.different}, zero vs missing ${t.zeroVsMissing}, only A ${t.onlyA}, only B ${t.onlyB}, neither ${t.neither}, truncated ${t.truncated}`;
  }

  // ---------------------------------------------------------------- the table

  /**
   * Columns: key, heading, numeric?, sort value, cell.
   * @type {{key: string, label: string, num?: boolean, title?: string,
   *   value: (r: Range) => number | bigint | string, cell: (r: Range) => Node | string}[]}
   */
  const COLUMNS = [
    { key: "i", label: "#", num: true, value: (r) => r.i, cell: (r) => String(r.i) },
    { key: "start", label: "start", value: (r) => r.start, cell: (r) => hex(r.start) },
    { key: "end", label: "end", value: (r) => r.end, cell: (r) => hex(r.end) },
    { key: "size", label: "size", num: true, value: (r) => r.size, cell: (r) => size(r.size) },
    {
      key: "name",
      label: "mapping",
      value: (r) => r.name,
      cell: (r) => {
        const base = baseName(r.name);
        const dir = r.name.slice(0, r.name.length - base.length);
        return h(
          "span",
          { title: r.name },
          base ? h("b", {}, base) : h("span", { class: "hint" }, "anonymous"),
          dir ? h("span", { class: "hint" }, ` ${dir}`) : null,
        );
      },
    },
    {
      key: "status",
      label: "status",
      value: (r) => STATUS_ORDER.indexOf(r.status) + (r.failing ? 100 : 0),
      cell: (r) => {
        const b = statusBadge(r.status);
        if (r.failing) {
          const what = r.unexplained ? "unexplained" : "unexpected";
          b.append(
            h(
              "b",
              {
                class: "mark-bad",
                title: `${what}: the expectation does not allow this difference`,
              },
              r.unexplained ? "?" : "✗",
              h("span", { class: "sr" }, ` ${what}`),
            ),
          );
        }
        return b;
      },
    },
    {
      key: "a",
      label: "A",
      title: "p_flags and bytes saved in core A",
      value: (r) => (r.a.present ? r.a.saved : -1n),
      cell: (r) => (r.a.present ? `${flagStr(r.a.flags)} ${size(r.a.saved)}` : "—"),
    },
    {
      key: "b",
      label: "B",
      title: "p_flags and bytes saved in core B",
      value: (r) => (r.b.present ? r.b.saved : -1n),
      cell: (r) => (r.b.present ? `${flagStr(r.b.flags)} ${size(r.b.saved)}` : "—"),
    },
    {
      key: "pages",
      label: "pages",
      num: true,
      value: (r) => r.npages,
      cell: (r) => String(r.npages),
    },
    {
      key: "differ",
      label: "≠ pages",
      num: true,
      title: "pages saved in both with different content",
      value: (r) => r.pages.different,
      cell: (r) => String(r.pages.different),
    },
    {
      key: "reasons",
      label: "reasons",
      value: (r) => r.codes.join(" "),
      cell: (r) => {
        const span = h("span", { class: "codes" });
        for (const d of r.differences) {
          for (const q of d.reasons) {
            span.append(h("code", { class: d.expected ? "" : "bad", title: q.text }, q.code), " ");
          }
          if (d.unexplained) span.append(h("code", { class: "bad" }, "unexplained"), " ");
        }
        return span;
      },
    },
  ];

  /** @param {Range[]} ranges */
  function tableSection(ranges) {
    const counts = /** @type {Record<string, number>} */ ({});
    const codes = /** @type {Record<string, number>} */ ({});
    for (const r of ranges) {
      counts[r.status] = (counts[r.status] ?? 0) + 1;
      for (const c of r.codes) codes[c] = (codes[c] ?? 0) + 1;
    }
    const statusSet = h("fieldset", {}, h("legend", {}, "Status"));
    for (const k of [...new Set([...STATUS_ORDER, ...Object.keys(counts)])]) {
      if (!counts[k]) continue;
      const cb = h("input", { type: "checkbox", checked: true, value: k, "data-filter-status": k });
      cb.addEventListener("change", () => {
        if (/** @type {HTMLInputElement} */ (cb).checked) view.statuses.add(k);
        else view.statuses.delete(k);
        applyTable();
      });
      statusSet.append(
        h(
          "label",
          { class: "chip" },
          cb,
          h("i", { class: `sw ${k}`, "aria-hidden": "true" }),
          `${STATUS[k]?.label ?? k} (${counts[k]})`,
        ),
      );
    }
    const reasonSel = h(
      "select",
      { id: "filter-reason", "aria-label": "Filter by reason" },
      h("option", { value: "" }, "any reason"),
      ...Object.keys(codes).sort().map((c) => h("option", { value: c }, `${c} (${codes[c]})`)),
    );
    reasonSel.addEventListener("change", () => {
      view.reason = /** @type {HTMLSelectElement} */ (reasonSel).value;
      applyTable();
    });
    const search = h("input", {
      type: "search",
      id: "filter-text",
      placeholder: "mapping, address or reason",
      "aria-label": "Filter by mapping name, address or reason",
    });
    search.addEventListener("input", () => {
      view.text = /** @type {HTMLInputElement} */ (search).value.trim().toLowerCase();
      applyTable();
    });
    const unexp = h("input", { type: "checkbox", id: "filter-unexpected" });
    unexp.addEventListener("change", () => {
      view.unexpectedOnly = /** @type {HTMLInputElement} */ (unexp).checked;
      applyTable();
    });
    const headRow = h("tr");
    for (const c of COLUMNS) {
      const btn = h("button", { type: "button", title: c.title ?? `Sort by ${c.label}` }, c.label);
      btn.addEventListener("click", () => {
        if (view.sortKey === c.key) view.sortDir = -view.sortDir;
        else {
          view.sortKey = c.key;
          view.sortDir = 1;
        }
        applyTable();
      });
      headRow.append(
        h("th", { scope: "col", class: c.num ? "num" : "", "data-key": c.key }, btn),
      );
    }
    return h(
      "section",
      { "aria-labelledby": "h-table" },
      h(
        "h2",
        { id: "h-table" },
        "Segments ",
        h("span", { class: "count", id: "row-count", "aria-live": "polite" }, ""),
      ),
      h(
        "div",
        { class: "filters" },
        statusSet,
        reasonSel,
        search,
        h("label", { class: "chip" }, unexp, "unexpected only"),
      ),
      h(
        "div",
        { class: "scroll" },
        h(
          "table",
          { class: "ranges", id: "ranges" },
          h("caption", { class: "hint", hidden: true }, "Aligned address ranges of both cores"),
          h("thead", {}, headRow),
          h("tbody"),
        ),
      ),
    );
  }

  /** Filters, sorts and redraws the table body. */
  function applyTable() {
    const table = document.getElementById("ranges");
    if (!table) return;
    const col = COLUMNS.find((c) => c.key === view.sortKey) ?? COLUMNS[0];
    const rows = view.ranges.filter((r) => {
      if (!view.statuses.has(r.status)) return false;
      if (view.reason && !r.codes.includes(view.reason)) return false;
      if (view.unexpectedOnly && !r.failing) return false;
      if (view.text) {
        const hay = `${r.name} ${hex(r.start)} ${hex(r.end)} ${r.codes.join(" ")} ${r.status}`
          .toLowerCase();
        if (!hay.includes(view.text)) return false;
      }
      return true;
    });
    if (col) {
      rows.sort((x, y) => {
        const a = col.value(x), b = col.value(y);
        const c = typeof a === "string" || typeof b === "string"
          ? String(a).localeCompare(String(b))
          : a < b
          ? -1
          : a > b
          ? 1
          : 0;
        return (c || x.i - y.i) * view.sortDir;
      });
    }
    for (const th of table.querySelectorAll("thead th")) {
      const k = th.getAttribute("data-key");
      if (k === view.sortKey) {
        th.setAttribute("aria-sort", view.sortDir > 0 ? "ascending" : "descending");
      } else th.removeAttribute("aria-sort");
    }
    const tbody = /** @type {HTMLElement} */ (table.querySelector("tbody"));
    tbody.replaceChildren(...rows.map((r) => tableRow(r)));
    const count = document.getElementById("row-count");
    if (count) count.textContent = `· ${rows.length} of ${view.ranges.length} ranges`;
  }

  /** @param {Range} r */
  function tableRow(r) {
    const tr = h("tr", {
      tabindex: 0,
      class: r.failing ? "fail" : "",
      "data-i": r.i,
      "data-status": r.status,
      "aria-selected": view.selected === r.i ? "true" : "false",
    });
    for (const c of COLUMNS) {
      const cls = c.num
        ? "num"
        : c.key === "start" || c.key === "end"
        ? "addr"
        : c.key === "name"
        ? "map"
        : c.key === "a" || c.key === "b"
        ? "side"
        : "";
      tr.append(h("td", { class: cls }, c.cell(r)));
    }
    tr.addEventListener("click", () => select(r.i, true));
    tr.addEventListener("keydown", (ev) => {
      const k = ev.key;
      if (k === "Enter" || k === " ") {
        ev.preventDefault();
        select(r.i, true);
      } else if (k === "ArrowDown" || k === "ArrowUp") {
        ev.preventDefault();
        const next = k === "ArrowDown" ? tr.nextElementSibling : tr.previousElementSibling;
        if (next instanceof HTMLElement) next.focus();
      }
    });
    return tr;
  }

  // ---------------------------------------------------------------- notes and files

  /** @param {any} r */
  function notesSection(r) {
    const notes = Array.isArray(r?.notes) ? r.notes.map(diffOf) : [];
    const sec = h(
      "section",
      { "aria-labelledby": "h-notes" },
      h(
        "h2",
        { id: "h-notes" },
        "Notes ",
        h(
          "span",
          { class: "count" },
          `· ${
            plural(notes.length, "difference")
          } in threads, registers, signal, process, auxv, NT_FILE`,
        ),
      ),
    );
    if (!notes.length) {
      sec.append(h("p", { class: "hint" }, "The notes of both cores agree."));
      return sec;
    }
    sec.append(
      h(
        "table",
        { class: "plain", id: "notes" },
        h(
          "thead",
          {},
          h("tr", {}, h("th", {}, "difference"), h("th", {}, "reasons"), h("th", {}, "verdict")),
        ),
        h(
          "tbody",
          {},
          ...notes.map((/** @type {Diff} */ n) =>
            h(
              "tr",
              { class: n.expected ? "" : "fail" },
              h("td", {}, n.text),
              h(
                "td",
                {},
                ...n.reasons.map((q) =>
                  h(
                    "div",
                    {},
                    h("code", {}, q.code),
                    " ",
                    h("span", { class: "cert", title: certaintyText(q.certainty) }, q.certainty),
                    ` ${q.text}`,
                  )
                ),
                n.unexplained ? h("code", { class: "tag-bad" }, "unexplained") : null,
              ),
              h(
                "td",
                {},
                n.unexplained
                  ? h("span", { class: "tag-unexpl" }, "UNEXPLAINED")
                  : n.expected
                  ? h("span", { class: "tag-ok" }, "expected")
                  : h("span", { class: "tag-bad" }, "UNEXPECTED"),
              ),
            )
          ),
        ),
      ),
    );
    return sec;
  }

  /** @param {any} r */
  function filesSection(r) {
    const files = Array.isArray(r?.files) ? r.files : [];
    const yes = (/** @type {unknown} */ v) => (v ? "yes" : h("b", {}, "no"));
    return h(
      "section",
      { "aria-labelledby": "h-files" },
      h(
        "h2",
        { id: "h-files" },
        "Files a debugger needs ",
        h(
          "span",
          { class: "count" },
          `· ${files.length} from NT_FILE; ELF header page saved → build-id lookup`,
        ),
      ),
      files.length
        ? h(
          "table",
          { class: "plain", id: "files" },
          h(
            "thead",
            {},
            h(
              "tr",
              {},
              h("th", {}, "path"),
              h("th", {}, "lowest address"),
              h("th", {}, "header in A"),
              h("th", {}, "header in B"),
            ),
          ),
          h(
            "tbody",
            {},
            ...files.map((/** @type {any} */ f) =>
              h(
                "tr",
                {},
                h("td", { class: "mono" }, String(f?.path ?? "")),
                h("td", { class: "mono" }, hex(big(f?.start))),
                h("td", {}, yes(f?.headerInA)),
                h("td", {}, yes(f?.headerInB)),
              )
            ),
          ),
        )
        : h("p", { class: "hint" }, "No NT_FILE entries."),
    );
  }

  void route();
})();
