(() => {
  // api/web/src/api.ts
  var TOKEN_KEY = "coredelta.token";
  function token() {
    try {
      return sessionStorage.getItem(TOKEN_KEY) ?? "";
    } catch {
      return "";
    }
  }
  function setToken(t) {
    try {
      sessionStorage.setItem(TOKEN_KEY, t);
    } catch {
    }
  }
  function authHeaders() {
    const t = token();
    return t ? { authorization: `Bearer ${t}` } : {};
  }
  var HttpError = class extends Error {
    /** HTTP status. */
    status;
    /** Response body. */
    body;
    /**
     * Creates the error.
     *
     * @param status HTTP status
     * @param body response body
     */
    constructor(status, body) {
      let msg = `HTTP ${status}`;
      try {
        const p = JSON.parse(body);
        msg = `${p.title ?? msg}: ${p.detail ?? ""}`;
      } catch {
      }
      super(msg);
      this.status = status;
      this.body = body;
    }
  };
  async function getJson(url, onHeaders) {
    const res = await fetch(url, { headers: { accept: "application/json", ...authHeaders() } });
    if (!res.ok) throw new HttpError(res.status, await res.text());
    onHeaders?.(res);
    return await res.json();
  }
  var RANGES_PAGE = 2e3;
  async function fetchRanges(id, first, count) {
    const out = [];
    let cursor = first;
    while (out.length < count) {
      const limit = Math.min(RANGES_PAGE, count - out.length);
      const page = await getJson(
        `/v1/reports/${encodeURIComponent(id)}/ranges?cursor=${cursor}&limit=${limit}`
      );
      if (page.items.length === 0) break;
      out.push(...page.items);
      cursor += page.items.length;
    }
    return out.slice(0, count);
  }

  // api/web/src/dom.ts
  function h(tag, attrs = {}, ...kids) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
      if (v === void 0 || v === false) continue;
      if (typeof v === "function") e.addEventListener(k.slice(2), v);
      else if (k === "style") e.style.cssText = String(v);
      else e.setAttribute(k, v === true ? "" : String(v));
    }
    for (const k of kids) {
      if (k !== null && k !== void 0 && k !== false) {
        e.append(typeof k === "number" ? String(k) : k);
      }
    }
    return e;
  }
  function byId(id) {
    const e = document.getElementById(id);
    if (!e) throw new Error(`the page has no #${id}`);
    return e;
  }
  function cssColor(name, el = document.documentElement) {
    return getComputedStyle(el).getPropertyValue(`--${name}`).trim() || "#888";
  }

  // lib/report/units.ts
  var UNITS = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
  function formatBytes(n) {
    let v = n, u = 0;
    while (Math.abs(v) >= 1024 && u < UNITS.length - 1) {
      v /= 1024;
      u++;
    }
    const digits = u === 0 || v >= 100 ? 0 : v >= 10 ? 1 : 2;
    return `${Number(v.toFixed(digits))} ${UNITS[u]}`;
  }
  function plural(n, one, many = `${one}s`) {
    return `${n.toLocaleString("en-US")} ${n === 1 ? one : many}`;
  }

  // api/web/src/nav.ts
  var shownPath = location.pathname;
  function goTo(path) {
    history.pushState(null, "", path);
    shownPath = location.pathname;
  }
  function onPathChange(route2) {
    globalThis.addEventListener("popstate", () => {
      if (location.pathname === shownPath) return;
      shownPath = location.pathname;
      route2();
    });
  }

  // api/web/src/validate.ts
  var FIELDS = ["a", "b", "smaps", "filter", "expect", "token"];
  var FIELD_LABELS = {
    a: "Core A",
    b: "Core B",
    smaps: "smaps",
    filter: "coredump_filter",
    expect: "Expectation",
    token: "Bearer token"
  };
  function validateForm(input2) {
    const errors = [];
    for (const f of ["a", "b"]) {
      const c = input2[f];
      const id = c.id.trim().toLowerCase();
      if (c.file) {
        if (c.file.size === 0) {
          errors.push({
            field: f,
            message: `${c.file.name} is empty (0 bytes): choose a core file.`
          });
        }
      } else if (!id) {
        errors.push({
          field: f,
          message: `Choose or drop a core for ${FIELD_LABELS[f]}, or give a stored digest id.`
        });
      } else if (!/^[0-9a-f]{64}$/.test(id)) {
        errors.push({
          field: f,
          message: "A digest id is 64 hex digits (the id POST /v1/cores returned)."
        });
      }
    }
    if (!errors.length && !!input2.a.file !== !!input2.b.file) {
      errors.push({
        field: input2.a.file ? "b" : "a",
        message: "Give both cores as files, or both as stored digest ids."
      });
    }
    if (input2.smaps && input2.smaps.size === 0) {
      errors.push({ field: "smaps", message: `${input2.smaps.name} is empty (0 bytes).` });
    }
    return errors;
  }
  var isField = (v) => typeof v === "string" && FIELDS.includes(v);
  function placeProblem(status, body) {
    let p = {};
    try {
      const parsed = JSON.parse(body);
      if (parsed && typeof parsed === "object") p = parsed;
    } catch {
    }
    const title = typeof p.title === "string" ? p.title : `HTTP ${status}`;
    const detail = typeof p.detail === "string" ? p.detail : body.slice(0, 300);
    const where = [];
    const says = (s) => detail.toLowerCase().includes(s.toLowerCase());
    if (typeof p.field === "string" && !isField(p.field) && !says(p.field)) {
      where.push(`field ${p.field}`);
    }
    if (typeof p.offset === "number") {
      const hex2 = `0x${p.offset.toString(16)}`;
      if (!says(hex2) && !says(`offset ${p.offset}`)) where.push(`byte ${hex2}`);
    }
    if (typeof p.line === "number" && !says(`line ${p.line}`)) where.push(`line ${p.line}`);
    const field = status === 401 ? "token" : [p.part, p.field].find(isField);
    const message = `${title}: ${detail}${where.length ? ` (${where.join(", ")})` : ""}`;
    return field ? { field, message } : { message };
  }

  // api/web/src/form.ts
  var input = (id) => byId(id);
  var control = (f) => byId(`in-${f}`);
  function setupForm(onReport) {
    const form = byId("form");
    const statusEl = byId("status");
    const submit = byId("submit");
    const cancel = byId("cancel");
    const formError = byId("form-error");
    let inFlight = null;
    let timer;
    form.noValidate = true;
    const clearField = (f) => {
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
    const showErrors = (errors, summary) => {
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
            onclick: (ev) => {
              ev.preventDefault();
              control(first.field).focus();
            }
          }, `Go to ${FIELD_LABELS[first.field]}`)
        );
        if (first.field === "token") byId("token-field").hidden = false;
        control(first.field).focus();
      }
      formError.hidden = false;
      byId("new").open = true;
    };
    const showProblem = (status, body) => {
      const p = placeProblem(status, body);
      if (p.field) {
        showErrors(
          [{ field: p.field, message: p.message }],
          `The server refused the request (${status}).`
        );
      } else showErrors([], p.message);
    };
    const busy = (on) => {
      submit.disabled = on;
      cancel.hidden = !on;
      if (!on) {
        clearInterval(timer);
        inFlight = null;
      }
    };
    const processing = (what) => {
      const t0 = Date.now();
      clearInterval(timer);
      const tick = () => statusEl.textContent = `${what} · ${Math.floor((Date.now() - t0) / 1e3)} s`;
      tick();
      timer = setInterval(tick, 500);
    };
    const finish = (text, id) => {
      let report;
      try {
        report = JSON.parse(text);
      } catch {
        showErrors([], "The server answered with something that is not a report.");
        return;
      }
      statusEl.textContent = `Done: ${report.verdict}.`;
      if (/^[0-9a-f]{16,128}$/.test(id)) goTo(`/reports/${id}`);
      byId("new").open = false;
      onReport(report, id);
    };
    const showFile = (f) => {
      const file = input(`in-${f}`).files?.[0];
      byId(`info-${f}`).textContent = file ? `${file.name} · ${formatBytes(file.size)}` : "";
      byId(`prog-${f}`).hidden = true;
      clearField(f);
      if (file && file.size === 0) {
        showErrors(
          [{ field: f, message: `${file.name} is empty (0 bytes).` }],
          "An empty file cannot be compared."
        );
      }
    };
    const setFile = (f, file) => {
      const dt = new DataTransfer();
      dt.items.add(file);
      input(`in-${f}`).files = dt.files;
      showFile(f);
    };
    const placeFiles = (files) => {
      for (const file of files) {
        const slot = /maps/i.test(file.name) && !input("in-smaps").files?.length ? "smaps" : ["a", "b", "smaps"].find((f) => !input(`in-${f}`).files?.length);
        if (slot) setFile(slot, file);
      }
    };
    for (const f of ["a", "b", "smaps"]) {
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
        const files = [...e.dataTransfer?.files ?? []];
        const first = files.shift();
        if (first) setFile(f, first);
        placeFiles(files);
      });
    }
    for (const f of ["a", "b"]) {
      input(`id-${f}`).addEventListener("input", () => clearField(f));
    }
    document.addEventListener("dragover", (e) => e.preventDefault());
    document.addEventListener("drop", (e) => {
      e.preventDefault();
      placeFiles([...e.dataTransfer?.files ?? []]);
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
    const progress = (f, done, total) => {
      const box = byId(`prog-${f}`);
      const pct = total > 0 ? Math.floor(done / total * 100) : 0;
      box.querySelector("progress").value = pct;
      box.querySelector(".progress-text").textContent = `${formatBytes(Math.round(done))} / ${formatBytes(total)} · ${pct}%`;
    };
    const upload = (a, b, smaps, filter, expect) => {
      const body = new FormData();
      body.append("a", a, a.name);
      body.append("b", b, b.name);
      if (smaps) body.append("smaps", smaps, smaps.name);
      if (filter) body.append("filter", filter);
      if (expect !== "auto") body.append("expect", expect);
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
        statusEl.textContent = `Uploading ${Math.floor(ev.loaded / ev.total * 100)}%`;
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
          "The upload failed: the server could not be reached or closed the connection."
        );
      });
      xhr.send(body);
    };
    const diffIds = async (a, b, smaps, filter, expect) => {
      const ctl = new AbortController();
      inFlight = ctl;
      busy(true);
      processing("Comparing the stored digests");
      try {
        const req = { a, b };
        if (smaps) req.smaps = await smaps.text();
        if (filter) req.filter = filter;
        if (expect !== "auto") req.expect = expect;
        const res = await fetch("/v1/diffs?format=json", {
          method: "POST",
          headers: {
            "content-type": "application/json",
            accept: "application/json",
            ...authHeaders()
          },
          body: JSON.stringify(req),
          signal: ctl.signal
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
      const fileOf = (f) => input(`in-${f}`).files?.[0];
      const a = fileOf("a"), b = fileOf("b"), smaps = fileOf("smaps");
      const errors = validateForm({
        a: { ...a ? { file: a } : {}, id: input("id-a").value },
        b: { ...b ? { file: b } : {}, id: input("id-b").value },
        ...smaps ? { smaps } : {}
      });
      if (errors.length) {
        showErrors(
          errors,
          errors.length === 1 ? "One field needs attention." : `${errors.length} fields need attention.`
        );
        return;
      }
      const filter = input("in-filter").value.trim();
      const expect = byId("in-expect").value;
      if (a && b) upload(a, b, smaps, filter, expect);
      else {
        void diffIds(
          input("id-a").value.trim().toLowerCase(),
          input("id-b").value.trim().toLowerCase(),
          smaps,
          filter,
          expect
        );
      }
    });
  }

  // api/web/src/keys.ts
  function moveIndex(key, i, n, page, horizontal = false) {
    if (n <= 0) return void 0;
    const next = horizontal ? "ArrowRight" : "ArrowDown";
    const prev = horizontal ? "ArrowLeft" : "ArrowUp";
    let j;
    switch (key) {
      case next:
        j = i + 1;
        break;
      case prev:
        j = i - 1;
        break;
      case "PageDown":
        j = i + page;
        break;
      case "PageUp":
        j = i - page;
        break;
      case "Home":
        j = 0;
        break;
      case "End":
        j = n - 1;
        break;
      default:
        return void 0;
    }
    return Math.max(0, Math.min(n - 1, j));
  }

  // api/web/src/history.ts
  function historyQuery(q) {
    const p = new URLSearchParams({ limit: "20" });
    if (q.verdict) p.set("verdict", q.verdict);
    if (q.text.trim()) p.set("q", q.text.trim());
    if (q.cursor) p.set("cursor", q.cursor);
    return p.toString();
  }
  var proc = (p) => p.name || p.pid !== void 0 ? `${p.name ?? "?"}${p.pid !== void 0 ? ` (${p.pid})` : ""}` : "";
  function setupHistory() {
    const panel = byId("history");
    const form = byId("history-form");
    const text = byId("history-q");
    const verdict = byId("history-verdict");
    const list = byId("history-list");
    const more = byId("history-more");
    const status = byId("history-status");
    let cursor;
    let active = 0;
    panel.hidden = false;
    const focusable = () => [...list.querySelectorAll("a")];
    const rove = (j) => {
      const links2 = focusable();
      links2.forEach((a, k) => a.tabIndex = k === j ? 0 : -1);
      active = j;
      links2[j]?.focus();
    };
    const load = async (append) => {
      status.textContent = "Loading…";
      try {
        const page = await getJson(
          `/v1/reports?${historyQuery({
            text: text.value,
            verdict: verdict.value,
            cursor: append ? cursor : void 0
          })}`
        );
        cursor = page.nextCursor;
        const items = page.items.map(
          (it) => h(
            "li",
            { class: `hitem ${it.verdict}` },
            h(
              "a",
              { href: `/reports/${encodeURIComponent(it.id)}`, tabindex: -1 },
              h("span", { class: `badge v-${it.verdict}` }, it.verdict.toUpperCase()),
              " ",
              h("span", { class: "wrap" }, `${it.labels.a} vs ${it.labels.b}`)
            ),
            h(
              "span",
              { class: "small muted" },
              ` ${[proc(it.processes.a), proc(it.processes.b)].filter(Boolean).join(" / ")} · ${new Date(it.createdAt).toLocaleString()} · ${it.counts.differences} differences, ${it.counts.unexpected} unexpected`
            )
          )
        );
        if (append) list.append(...items);
        else list.replaceChildren(...items);
        const links2 = focusable();
        links2.forEach((a, k) => a.tabIndex = k === (append ? active : 0) ? 0 : -1);
        more.hidden = !cursor;
        status.textContent = links2.length ? `${links2.length} ${links2.length === 1 ? "report" : "reports"} listed${cursor ? " (more below)" : ""}` : "No reports match.";
      } catch (e) {
        status.textContent = `Cannot list reports: ${e instanceof Error ? e.message : String(e)}`;
        if (e instanceof HttpError && e.status === 401) {
          byId("token-field").hidden = false;
          status.textContent += " Enter the bearer token under New comparison.";
        }
      }
    };
    list.addEventListener("keydown", (e) => {
      const links2 = focusable();
      const j = moveIndex(e.key, active, links2.length, 5);
      if (j === void 0) return;
      e.preventDefault();
      rove(j);
    });
    list.addEventListener("focusin", (e) => {
      const k = focusable().indexOf(e.target);
      if (k >= 0) active = k;
    });
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      void load(false);
    });
    verdict.addEventListener("change", () => void load(false));
    more.addEventListener("click", () => void load(true));
    panel.addEventListener("toggle", () => {
      if (panel.open && !list.childElementCount) void load(false);
    });
    if (panel.open) void load(false);
  }

  // lib/report/view.ts
  var STATUS_ORDER = [
    "differs",
    "truncated",
    "size-differs",
    "flags-differ",
    "only-a",
    "only-b",
    "not-dumped",
    "same"
  ];
  var STATUS_TEXT = {
    "differs": { label: "differs", text: "saved in both cores, some pages differ" },
    "truncated": { label: "truncated", text: "pages missing from a truncated core" },
    "size-differs": { label: "size differs", text: "the cores saved different amounts" },
    "flags-differ": { label: "flags differ", text: "same contents, different p_flags" },
    "only-a": { label: "only in A", text: "covered by a PT_LOAD of A only" },
    "only-b": { label: "only in B", text: "covered by a PT_LOAD of B only" },
    "not-dumped": { label: "not dumped", text: "mapped, but saved in neither core" },
    "same": { label: "same", text: "saved in both cores with the same content" }
  };
  var SAME = STATUS_ORDER.indexOf("same");
  var PAGE_CLASS_TEXT = {
    d: "content differs",
    t: "missing from a truncated file",
    a: "saved only in A",
    b: "saved only in B",
    z: "all-zero page in one, unsaved in the other",
    s: "saved in both, same",
    n: "saved in neither"
  };
  var RELATION_TITLE = {
    "same-process": "Same process",
    "same-program": "Same program, another run",
    "different-program": "Different programs",
    "unknown": "Identity unknown"
  };
  function reportTop(r) {
    const s = r.summary;
    const headline = [
      r.expectation,
      plural(s.ranges, "range"),
      `${plural(s.differences, "difference")} (${s.unexpected.toLocaleString("en-US")} unexpected, ${s.unexplained.toLocaleString("en-US")} unexplained)`
    ].join(" · ");
    const banners = [];
    const id = r.identity;
    if (id) {
      banners.push({
        kind: "identity",
        level: id.relation === "same-process" ? "info" : id.relation === "different-program" ? "error" : "warn",
        title: RELATION_TITLE[id.relation] ?? id.relation,
        text: id.text,
        details: id.evidence.map(
          (e) => `${e.field}: ${e.same ? `${e.a} in both` : `A ${e.a} · B ${e.b}`}`
        )
      });
    }
    for (const c of r.context.contradictions ?? []) {
      banners.push({
        kind: "contradiction",
        level: "error",
        title: `${c.what} contradicts the cores`,
        text: c.text,
        details: [`you gave ${c.given}`, `the cores fit ${c.fits}`]
      });
    }
    for (const side of ["a", "b"]) {
      const core = r[side];
      if (!core.truncation && !core.truncated) continue;
      const t = core.truncation;
      banners.push({
        kind: "truncation",
        level: "warn",
        title: `Core ${side.toUpperCase()} is truncated`,
        text: t?.text ?? `${core.label} was cut short; its missing pages are marked truncated`,
        details: t ? [
          `${formatBytes(t.fileSize)} of ${formatBytes(t.expectedSize)}: ${formatBytes(t.missingBytes)} (${plural(t.missingPages, "page")}) missing`,
          ...t.cutInNotes ? ["cut inside the notes"] : [],
          ...t.byCoreLimit ? ["cut at the core size limit (ulimit -c)"] : []
        ] : []
      });
    }
    for (const i of r.context.inferred ?? []) {
      banners.push({
        kind: "inferred",
        level: "info",
        title: `${i.setting} inferred: ${i.value}`,
        text: i.text,
        details: []
      });
    }
    for (const w of r.context.warnings) {
      banners.push({ kind: "warning", level: "warn", title: "Note", text: w, details: [] });
    }
    const byStatus = STATUS_ORDER.map((status) => ({
      status,
      label: STATUS_TEXT[status].label,
      count: s.byStatus[status] ?? 0
    }));
    return { verdict: r.verdict, word: r.verdict.toUpperCase(), headline, banners, byStatus };
  }

  // api/web/src/banners.ts
  function verdictBlock(verdict, headline) {
    return h(
      "section",
      {
        id: "verdict",
        class: `verdict ${verdict}`,
        "data-verdict": verdict,
        tabindex: -1,
        "aria-label": `Verdict: ${verdict}`
      },
      h("span", { class: "word" }, verdict.toUpperCase()),
      " ",
      h("span", { class: "headline" }, headline)
    );
  }
  function bannerList(top) {
    return h(
      "ul",
      { id: "banners", class: "banners", "aria-label": "What to know first" },
      ...top.banners.map(
        (b) => h(
          "li",
          { class: `banner ${b.level}`, "data-kind": b.kind },
          h("b", { class: "btitle" }, b.title),
          " ",
          h("span", {}, b.text),
          b.details.length ? h("ul", { class: "bdetails" }, ...b.details.map((d) => h("li", {}, d))) : false
        )
      )
    );
  }

  // api/web/src/lists.ts
  var LIST_STEP = 100;
  function steppedList(attrs, items, render, step = LIST_STEP) {
    const list = h("ul", attrs);
    const more = h("button", { type: "button", class: "more" });
    let shown = 0;
    const grow = () => {
      const next = items.slice(shown, shown + step);
      list.append(...next.map(render));
      shown += next.length;
      const left = items.length - shown;
      more.hidden = left === 0;
      more.textContent = `Show ${Math.min(step, left)} more (${left.toLocaleString("en-US")} left)`;
    };
    more.addEventListener("click", grow);
    grow();
    return h("div", {}, list, more);
  }
  function notesSection(r) {
    return h(
      "section",
      { "aria-labelledby": "h-notes" },
      h("h2", { id: "h-notes" }, `Note differences (${r.notes.length.toLocaleString("en-US")})`),
      r.notes.length ? steppedList({ class: "diffs", id: "notes" }, r.notes, (d) => h(
        "li",
        { class: "diff" },
        h("b", {}, d.kind),
        ` · ${d.text}`,
        d.reasons.length ? h("span", { class: "small" }, " ", ...d.reasons.map((x) => h("code", {}, x.code))) : h("span", { class: "state unexplained" }, " unexplained")
      )) : h("p", { class: "muted" }, "None.")
    );
  }
  function filesSection(r) {
    return h(
      "section",
      { "aria-labelledby": "h-files" },
      h(
        "h2",
        { id: "h-files" },
        `Files a debugger needs (${r.files.length.toLocaleString("en-US")})`
      ),
      r.files.length ? steppedList({ class: "files", id: "files" }, r.files, (f) => h(
        "li",
        {},
        h("span", { class: "mono wrap" }, f.path),
        ` · ELF header saved in A: ${f.headerInA ? "yes" : "no"}, B: ${f.headerInB ? "yes" : "no"}`
      )) : h("p", { class: "muted" }, "None.")
    );
  }

  // lib/elf/names.ts
  var EM_NAMES = {
    0: "EM_NONE",
    1: "EM_M32",
    2: "EM_SPARC",
    3: "EM_386",
    4: "EM_68K",
    5: "EM_88K",
    6: "EM_IAMCU",
    7: "EM_860",
    8: "EM_MIPS",
    9: "EM_S370",
    10: "EM_MIPS_RS3_LE",
    15: "EM_PARISC",
    17: "EM_VPP500",
    18: "EM_SPARC32PLUS",
    19: "EM_960",
    20: "EM_PPC",
    21: "EM_PPC64",
    22: "EM_S390",
    23: "EM_SPU",
    36: "EM_V800",
    37: "EM_FR20",
    38: "EM_RH32",
    39: "EM_RCE",
    40: "EM_ARM",
    41: "EM_FAKE_ALPHA",
    42: "EM_SH",
    43: "EM_SPARCV9",
    44: "EM_TRICORE",
    45: "EM_ARC",
    46: "EM_H8_300",
    47: "EM_H8_300H",
    48: "EM_H8S",
    49: "EM_H8_500",
    50: "EM_IA_64",
    51: "EM_MIPS_X",
    52: "EM_COLDFIRE",
    53: "EM_68HC12",
    54: "EM_MMA",
    55: "EM_PCP",
    56: "EM_NCPU",
    57: "EM_NDR1",
    58: "EM_STARCORE",
    59: "EM_ME16",
    60: "EM_ST100",
    61: "EM_TINYJ",
    62: "EM_X86_64",
    63: "EM_PDSP",
    64: "EM_PDP10",
    65: "EM_PDP11",
    66: "EM_FX66",
    67: "EM_ST9PLUS",
    68: "EM_ST7",
    69: "EM_68HC16",
    70: "EM_68HC11",
    71: "EM_68HC08",
    72: "EM_68HC05",
    73: "EM_SVX",
    74: "EM_ST19",
    75: "EM_VAX",
    76: "EM_CRIS",
    77: "EM_JAVELIN",
    78: "EM_FIREPATH",
    79: "EM_ZSP",
    80: "EM_MMIX",
    81: "EM_HUANY",
    82: "EM_PRISM",
    83: "EM_AVR",
    84: "EM_FR30",
    85: "EM_D10V",
    86: "EM_D30V",
    87: "EM_V850",
    88: "EM_M32R",
    89: "EM_MN10300",
    90: "EM_MN10200",
    91: "EM_PJ",
    92: "EM_OPENRISC",
    93: "EM_ARC_COMPACT",
    94: "EM_XTENSA",
    95: "EM_VIDEOCORE",
    96: "EM_TMM_GPP",
    97: "EM_NS32K",
    98: "EM_TPC",
    99: "EM_SNP1K",
    100: "EM_ST200",
    101: "EM_IP2K",
    102: "EM_MAX",
    103: "EM_CR",
    104: "EM_F2MC16",
    105: "EM_MSP430",
    106: "EM_BLACKFIN",
    107: "EM_SE_C33",
    108: "EM_SEP",
    109: "EM_ARCA",
    110: "EM_UNICORE",
    111: "EM_EXCESS",
    112: "EM_DXP",
    113: "EM_ALTERA_NIOS2",
    114: "EM_CRX",
    115: "EM_XGATE",
    116: "EM_C166",
    117: "EM_M16C",
    118: "EM_DSPIC30F",
    119: "EM_CE",
    120: "EM_M32C",
    131: "EM_TSK3000",
    132: "EM_RS08",
    133: "EM_SHARC",
    134: "EM_ECOG2",
    135: "EM_SCORE7",
    136: "EM_DSP24",
    137: "EM_VIDEOCORE3",
    138: "EM_LATTICEMICO32",
    139: "EM_SE_C17",
    140: "EM_TI_C6000",
    141: "EM_TI_C2000",
    142: "EM_TI_C5500",
    143: "EM_TI_ARP32",
    144: "EM_TI_PRU",
    160: "EM_MMDSP_PLUS",
    161: "EM_CYPRESS_M8C",
    162: "EM_R32C",
    163: "EM_TRIMEDIA",
    164: "EM_QDSP6",
    165: "EM_8051",
    166: "EM_STXP7X",
    167: "EM_NDS32",
    168: "EM_ECOG1X",
    169: "EM_MAXQ30",
    170: "EM_XIMO16",
    171: "EM_MANIK",
    172: "EM_CRAYNV2",
    173: "EM_RX",
    174: "EM_METAG",
    175: "EM_MCST_ELBRUS",
    176: "EM_ECOG16",
    177: "EM_CR16",
    178: "EM_ETPU",
    179: "EM_SLE9X",
    180: "EM_L10M",
    181: "EM_K10M",
    183: "EM_AARCH64",
    185: "EM_AVR32",
    186: "EM_STM8",
    187: "EM_TILE64",
    188: "EM_TILEPRO",
    189: "EM_MICROBLAZE",
    190: "EM_CUDA",
    191: "EM_TILEGX",
    192: "EM_CLOUDSHIELD",
    193: "EM_COREA_1ST",
    194: "EM_COREA_2ND",
    195: "EM_ARCV2",
    196: "EM_OPEN8",
    197: "EM_RL78",
    198: "EM_VIDEOCORE5",
    199: "EM_78KOR",
    200: "EM_56800EX",
    201: "EM_BA1",
    202: "EM_BA2",
    203: "EM_XCORE",
    204: "EM_MCHP_PIC",
    205: "EM_INTELGT",
    210: "EM_KM32",
    211: "EM_KMX32",
    212: "EM_EMX16",
    213: "EM_EMX8",
    214: "EM_KVARC",
    215: "EM_CDP",
    216: "EM_COGE",
    217: "EM_COOL",
    218: "EM_NORC",
    219: "EM_CSR_KALIMBA",
    220: "EM_Z80",
    221: "EM_VISIUM",
    222: "EM_FT32",
    223: "EM_MOXIE",
    224: "EM_AMDGPU",
    243: "EM_RISCV",
    247: "EM_BPF",
    252: "EM_CSKY",
    258: "EM_LOONGARCH",
    36902: "EM_ALPHA"
  };
  var NT_CORE_NAMES = {
    1: "NT_PRSTATUS",
    2: "NT_PRFPREG",
    3: "NT_PRPSINFO",
    4: "NT_TASKSTRUCT",
    5: "NT_PLATFORM",
    6: "NT_AUXV",
    7: "NT_GWINDOWS",
    8: "NT_ASRS",
    10: "NT_PSTATUS",
    13: "NT_PSINFO",
    14: "NT_PRCRED",
    15: "NT_UTSNAME",
    16: "NT_LWPSTATUS",
    17: "NT_LWPSINFO",
    20: "NT_PRFPXREG",
    256: "NT_PPC_VMX",
    257: "NT_PPC_SPE",
    258: "NT_PPC_VSX",
    259: "NT_PPC_TAR",
    260: "NT_PPC_PPR",
    261: "NT_PPC_DSCR",
    262: "NT_PPC_EBB",
    263: "NT_PPC_PMU",
    264: "NT_PPC_TM_CGPR",
    265: "NT_PPC_TM_CFPR",
    266: "NT_PPC_TM_CVMX",
    267: "NT_PPC_TM_CVSX",
    268: "NT_PPC_TM_SPR",
    269: "NT_PPC_TM_CTAR",
    270: "NT_PPC_TM_CPPR",
    271: "NT_PPC_TM_CDSCR",
    272: "NT_PPC_PKEY",
    273: "NT_PPC_DEXCR",
    274: "NT_PPC_HASHKEYR",
    512: "NT_386_TLS",
    513: "NT_386_IOPERM",
    514: "NT_X86_XSTATE",
    516: "NT_X86_SHSTK",
    517: "NT_X86_XSAVE_LAYOUT",
    768: "NT_S390_HIGH_GPRS",
    769: "NT_S390_TIMER",
    770: "NT_S390_TODCMP",
    771: "NT_S390_TODPREG",
    772: "NT_S390_CTRS",
    773: "NT_S390_PREFIX",
    774: "NT_S390_LAST_BREAK",
    775: "NT_S390_SYSTEM_CALL",
    776: "NT_S390_TDB",
    777: "NT_S390_VXRS_LOW",
    778: "NT_S390_VXRS_HIGH",
    779: "NT_S390_GS_CB",
    780: "NT_S390_GS_BC",
    781: "NT_S390_RI_CB",
    782: "NT_S390_PV_CPU_DATA",
    1024: "NT_ARM_VFP",
    1025: "NT_ARM_TLS",
    1026: "NT_ARM_HW_BREAK",
    1027: "NT_ARM_HW_WATCH",
    1028: "NT_ARM_SYSTEM_CALL",
    1029: "NT_ARM_SVE",
    1030: "NT_ARM_PAC_MASK",
    1031: "NT_ARM_PACA_KEYS",
    1032: "NT_ARM_PACG_KEYS",
    1033: "NT_ARM_TAGGED_ADDR_CTRL",
    1034: "NT_ARM_PAC_ENABLED_KEYS",
    1035: "NT_ARM_SSVE",
    1036: "NT_ARM_ZA",
    1037: "NT_ARM_ZT",
    1038: "NT_ARM_FPMR",
    1039: "NT_ARM_POE",
    1040: "NT_ARM_GCS",
    1536: "NT_ARC_V2",
    1792: "NT_VMCOREDD",
    2048: "NT_MIPS_DSP",
    2049: "NT_MIPS_FP_MODE",
    2050: "NT_MIPS_MSA",
    2304: "NT_RISCV_CSR",
    2305: "NT_RISCV_VECTOR",
    2306: "NT_RISCV_TAGGED_ADDR_CTRL",
    2560: "NT_LOONGARCH_CPUCFG",
    2561: "NT_LOONGARCH_CSR",
    2562: "NT_LOONGARCH_LSX",
    2563: "NT_LOONGARCH_LASX",
    2564: "NT_LOONGARCH_LBT",
    2565: "NT_LOONGARCH_HW_BREAK",
    2566: "NT_LOONGARCH_HW_WATCH",
    1179208773: "NT_FILE",
    1189489535: "NT_PRXFPREG",
    1397311305: "NT_SIGINFO"
  };

  // lib/elf/constants.ts
  var PF_X = 1;
  var PF_W = 2;
  var PF_R = 4;
  var MACHINE_NAMES = {
    ...EM_NAMES,
    0: "EM_NONE",
    2: "EM_SPARC",
    3: "EM_386",
    8: "EM_MIPS",
    20: "EM_PPC",
    21: "EM_PPC64",
    22: "EM_S390",
    40: "EM_ARM",
    42: "EM_SH",
    50: "EM_IA_64",
    62: "EM_X86_64",
    183: "EM_AARCH64",
    243: "EM_RISCV",
    258: "EM_LOONGARCH"
  };
  var CORE_NOTE_NAMES = {
    ...NT_CORE_NAMES,
    1: "NT_PRSTATUS",
    2: "NT_PRFPREG",
    3: "NT_PRPSINFO",
    4: "NT_TASKSTRUCT",
    6: "NT_AUXV",
    1189489535: "NT_PRXFPREG",
    1397311305: "NT_SIGINFO",
    1179208773: "NT_FILE",
    512: "NT_386_TLS",
    513: "NT_386_IOPERM",
    514: "NT_X86_XSTATE",
    516: "NT_X86_SHSTK",
    517: "NT_X86_XSAVE_LAYOUT",
    1024: "NT_ARM_VFP",
    1025: "NT_ARM_TLS",
    1026: "NT_ARM_HW_BREAK",
    1027: "NT_ARM_HW_WATCH",
    1028: "NT_ARM_SYSTEM_CALL",
    1029: "NT_ARM_SVE",
    1030: "NT_ARM_PAC_MASK",
    1033: "NT_ARM_TAGGED_ADDR_CTRL",
    1035: "NT_ARM_SSVE",
    1036: "NT_ARM_ZA"
  };
  function flagString(flags) {
    return `${flags & PF_R ? "R" : " "}${flags & PF_W ? "W" : " "}${flags & PF_X ? "E" : " "}`;
  }

  // lib/report/escape.ts
  var XML_INVALID = new RegExp(
    "[\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\ufffe\\uffff]|[\\ud800-\\udbff](?![\\udc00-\\udfff])|(?<![\\ud800-\\udbff])[\\udc00-\\udfff]",
    "gu"
  );
  var CONTROLS = new RegExp(
    "[\\u0000-\\u001f\\u007f-\\u009f\\u061c\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069]",
    "g"
  );

  // lib/elf/program_header.ts
  var TWO_32 = 2 ** 32;
  var HIGH_LIMIT = 2 ** 21;

  // lib/elf/registers.ts
  var AARCH64_REGS = [
    ...Array.from({ length: 31 }, (_, i) => `x${i}`),
    "sp",
    "pc",
    "pstate"
  ];
  var M68K_REGS = [
    ...Array.from({ length: 7 }, (_, i) => `d${i + 1}`),
    ...Array.from({ length: 7 }, (_, i) => `a${i}`),
    "d0",
    "usp",
    "orig_d0",
    "stkadj_sr",
    "pc",
    "fmtvec"
  ];

  // lib/elf/build_id.ts
  var PAGE_MASK = ~0xfffn;
  var MAX_FILE_TABLE = 4 * 1024 * 1024;

  // lib/report/diff_common.ts
  function reasonCodes(ds) {
    const codes = /* @__PURE__ */ new Set();
    for (const d of ds) {
      if (d.unexplained) codes.add("unexplained");
      for (const r of d.reasons) codes.add(r.code);
    }
    return [...codes];
  }
  function failing(r) {
    return r.differences.some((d) => !d.expected);
  }
  function shortName(name) {
    if (!name) return "";
    if (name.startsWith("[")) return name;
    const i = name.lastIndexOf("/");
    return i >= 0 ? name.slice(i + 1) : name;
  }

  // lib/report/view_rows.ts
  function reportRows(report) {
    const rows = [];
    const runs = report.collapsed ?? [];
    let k = 0, full = 0;
    const flush = (upTo) => {
      while (k < runs.length && runs[k].before <= upTo) {
        const run = runs[k++];
        rows.push({ kind: "run", run, first: full });
        full += run.ranges;
      }
    };
    report.ranges.forEach((range, i) => {
      flush(i);
      rows.push({ kind: "range", range });
      full++;
    });
    flush(Number.MAX_SAFE_INTEGER);
    return rows;
  }
  function expandRun(rows, pos, ranges) {
    return [
      ...rows.slice(0, pos),
      ...ranges.map((range) => ({ kind: "range", range })),
      ...rows.slice(pos + 1)
    ];
  }
  function indexReport(report, rows = reportRows(report)) {
    const n = rows.length;
    const status = new Uint8Array(n), fail = new Uint8Array(n);
    const text = new Array(n);
    const order = new Map(STATUS_ORDER.map((s, i) => [s, i]));
    const same = STATUS_ORDER.indexOf("same");
    for (let i = 0; i < n; i++) {
      const row = rows[i];
      if (row.kind === "run") {
        status[i] = same;
        text[i] = `${row.run.ranges} equal ranges ${row.run.start}`;
        continue;
      }
      const r = row.range;
      status[i] = order.get(r.status) ?? same;
      fail[i] = failing(r) ? 1 : 0;
      text[i] = `${r.name} ${r.start} ${reasonCodes(r.differences).join(" ")}`.toLowerCase();
    }
    return { report, rows, status, failing: fail, text };
  }
  function expandIndex(idx, pos, ranges) {
    const rows = expandRun(idx.rows, pos, ranges);
    const added = indexReport(idx.report, rows.slice(pos, pos + ranges.length));
    const splice = (old, mid) => {
      const out = new Uint8Array(rows.length);
      out.set(old.subarray(0, pos));
      out.set(mid, pos);
      out.set(old.subarray(pos + 1), pos + mid.length);
      return out;
    };
    return {
      report: idx.report,
      rows,
      status: splice(idx.status, added.status),
      failing: splice(idx.failing, added.failing),
      text: [...idx.text.slice(0, pos), ...added.text, ...idx.text.slice(pos + 1)]
    };
  }
  function selectRows(idx, q) {
    const n = idx.status.length;
    const want = q.status ? STATUS_ORDER.indexOf(q.status) : -1;
    const text = (q.text ?? "").trim().toLowerCase();
    if (want < 0 && !q.failingOnly && !text) return Uint32Array.from({ length: n }, (_, i) => i);
    const out = new Uint32Array(n);
    let k = 0;
    for (let i = 0; i < n; i++) {
      if (want >= 0 && idx.status[i] !== want) continue;
      if (q.failingOnly && !idx.failing[i]) continue;
      if (text && !idx.text[i].includes(text)) continue;
      out[k++] = i;
    }
    return out.slice(0, k);
  }
  function orderRows(idx, rows, order) {
    if (order === "address") return rows;
    const key = new Float64Array(idx.rows.length);
    for (const i of rows) {
      if (order === "status") key[i] = idx.status[i];
      else {
        const row = idx.rows[i];
        const r = row.kind === "run" ? row.run : row.range;
        key[i] = -Number((BigInt(r.end) - BigInt(r.start)) / 4096n);
      }
    }
    return rows.slice().sort((x, y) => key[x] - key[y] || x - y);
  }

  // lib/report/view_ranges.ts
  function address(v) {
    return `0x${BigInt(v).toString(16).padStart(12, "0")}`;
  }
  function bytesOf(r) {
    return Number(BigInt(r.end) - BigInt(r.start));
  }
  function sideText(s) {
    return s.present ? `${flagString(s.flags ?? 0).replaceAll(" ", ".")} ${s.saved}` : "-";
  }
  function runView(run, i) {
    return {
      run: true,
      i,
      start: address(run.start),
      end: address(run.end),
      size: formatBytes(bytesOf(run)),
      name: `${plural(run.ranges, "range")} equal in both cores (${plural(run.pages, "page")}), not listed`,
      short: plural(run.ranges, "equal range"),
      status: "same",
      statusLabel: STATUS_TEXT.same.label,
      a: "",
      b: "",
      codes: [],
      failing: false
    };
  }
  function viewOf(row, i) {
    return row.kind === "run" ? runView(row.run, i) : rowView(row.range, i);
  }
  function rowView(r, i) {
    return {
      run: false,
      i,
      start: address(r.start),
      end: address(r.end),
      size: formatBytes(bytesOf(r)),
      name: r.name,
      short: shortName(r.name),
      status: r.status,
      statusLabel: STATUS_TEXT[r.status]?.label ?? r.status,
      a: sideText(r.a),
      b: sideText(r.b),
      codes: reasonCodes(r.differences),
      failing: failing(r)
    };
  }
  function differenceState(d) {
    return d.unexplained ? "unexplained" : d.expected ? "expected" : "unexpected";
  }
  var TALLY_LABELS = {
    same: "same",
    different: "different",
    zeroVsMissing: "zero vs missing",
    onlyA: "only in A",
    onlyB: "only in B",
    neither: "in neither",
    truncated: "truncated"
  };
  function detailView(r, i) {
    const side = (label, s) => ({
      side: label,
      text: s.present ? `PT_LOAD #${s.index ?? "?"} · ${flagString(s.flags ?? 0).replaceAll(" ", ".")} · saved ${formatBytes(Number(BigInt(s.saved)))}${s.segment ? ` · segment ${address(s.segment.vaddr)} filesz ${s.segment.filesz} memsz ${s.segment.memsz}` : ""}` : "no PT_LOAD covers this range"
    });
    return {
      ...rowView(r, i),
      pages: Math.ceil(bytesOf(r) / 4096),
      sides: [side("A", r.a), side("B", r.b)],
      tally: Object.keys(TALLY_LABELS).filter((k) => (r.pages?.[k] ?? 0) > 0).map((k) => ({ label: TALLY_LABELS[k], count: r.pages[k] })),
      differences: r.differences.map((d) => ({
        kind: d.kind,
        text: d.text,
        state: differenceState(d),
        reasons: d.reasons.map((x) => ({ code: x.code, text: x.text, certainty: x.certainty })),
        ...d.predicted ? { predicted: d.predicted } : {}
      })),
      runs: (r.runs ?? []).map(
        (x) => `${address(x.start)}-${address(x.end)} (${plural(x.pages, "page")})`
      ),
      runsTotal: r.runsTotal ?? 0
    };
  }
  function pageStrip(r) {
    const total = Math.ceil(bytesOf(r) / 4096);
    const map = r.pageMap;
    if (map) {
      return [...map.cells].map((cls, c) => ({
        cls,
        first: c * map.bucket,
        count: Math.min(map.bucket, total - c * map.bucket)
      }));
    }
    const t = r.pages;
    const parts = [
      ["d", t?.different ?? 0],
      ["t", t?.truncated ?? 0],
      ["a", t?.onlyA ?? 0],
      ["b", t?.onlyB ?? 0],
      ["z", t?.zeroVsMissing ?? 0],
      ["s", t?.same ?? 0],
      ["n", t?.neither ?? 0]
    ];
    let first = 0;
    return parts.filter(([, n]) => n > 0).map(([cls, count]) => {
      const cell = { cls, first, count };
      first += count;
      return cell;
    });
  }
  function mapBins(status, from, to, n) {
    const count = Math.max(0, to - from);
    const bins = Math.min(n, count);
    const k = STATUS_ORDER.length;
    const worst = new Uint8Array(bins).fill(255);
    const counts = new Uint32Array(bins * k);
    for (let i = from; i < to; i++) {
      const b = Math.floor((i - from) * bins / count);
      const st = status[i];
      if (st < worst[b]) worst[b] = st;
      counts[b * k + st]++;
    }
    return { bins, worst, counts };
  }
  function rowStrip(row) {
    if (row.kind === "range") return pageStrip(row.range);
    const total = Math.ceil(bytesOf(row.run) / 4096), same = Math.min(row.run.pages, total);
    const cells = [{ cls: "s", first: 0, count: same }];
    if (total > same) cells.push({ cls: "n", first: same, count: total - same });
    return cells;
  }

  // api/web/src/detail.ts
  function renderDetail(into, row, i, smaps, onExpand) {
    if (!row) {
      into.replaceChildren(h("p", { class: "muted" }, "Select a range in the map or the table."));
      return;
    }
    if (row.kind === "run") {
      renderRun(into, row.run, i, onExpand);
      return;
    }
    const r = row.range;
    const v = detailView(r, i);
    const strip = pageStrip(r);
    const total = strip.reduce((s, c) => s + c.count, 0) || 1;
    const bucket = r.pageMap?.bucket ?? 0;
    into.replaceChildren(
      h(
        "p",
        { class: "dname" },
        h("span", { class: `badge st-${v.status}` }, v.statusLabel),
        " ",
        v.name || "(anonymous mapping)"
      ),
      h(
        "dl",
        { class: "kv" },
        h("dt", {}, "range"),
        h("dd", { class: "mono" }, `${v.start}-${v.end}`),
        h("dt", {}, "size"),
        h("dd", {}, `${v.size} · ${plural(v.pages, "page")}`),
        ...v.sides.flatMap((s) => [h("dt", {}, s.side), h("dd", { class: "mono" }, s.text)]),
        h("dt", {}, "pages"),
        h(
          "dd",
          {},
          v.tally.map((t) => `${t.label} ${t.count.toLocaleString("en-US")}`).join(" · ") || "-"
        )
      ),
      h("h3", {}, "Pages"),
      h(
        "div",
        {
          class: "strip",
          role: "img",
          "aria-label": `Page strip: ${strip.filter((c) => c.cls !== "n" && c.cls !== "s").length} cells with differences${bucket > 1 ? `, ${bucket} pages per cell` : ""}`
        },
        ...strip.map(
          (c) => h("span", {
            class: `cell pg-${c.cls}`,
            "data-page": c.cls,
            style: `flex-grow:${c.count / total}`,
            title: `pages ${c.first}-${c.first + c.count - 1}: ${PAGE_CLASS_TEXT[c.cls] ?? c.cls}`
          })
        )
      ),
      h(
        "p",
        { class: "muted small" },
        r.pageMap ? bucket > 1 ? `Each cell is ${bucket} pages and shows its worst page.` : "One cell per page." : "This report has no page map: the strip shows proportions, not positions."
      ),
      h("h3", {}, `Differences (${v.differences.length})`),
      v.differences.length ? h(
        "ul",
        { class: "diffs" },
        ...v.differences.map(
          (d) => h(
            "li",
            { class: `diff ${d.state}` },
            h("span", { class: `state ${d.state}` }, d.state),
            " ",
            h("b", {}, d.kind),
            d.state === "unexplained" ? h("span", {}, " · seen: ", d.text) : ` · ${d.text}`,
            d.state === "unexplained" ? h(
              "p",
              { class: "small predicted" },
              "predicted: ",
              d.predicted ?? (smaps ? "no rule of either producer, for the given smaps and filter, produces this" : "nothing (without smaps only patterns unique to one rule are recognised)")
            ) : h(
              "ul",
              { class: "reasons" },
              ...d.reasons.map(
                (x) => h("li", {}, h("code", {}, x.code), ` (${x.certainty}) ${x.text}`)
              )
            )
          )
        )
      ) : h("p", { class: "muted" }, "No differences."),
      ...v.runs.length ? [h(
        "p",
        { class: "small mono wrap" },
        `Differing runs (${v.runs.length} of ${v.runsTotal}): ${v.runs.join(", ")}`
      )] : []
    );
  }
  function renderRun(into, run, i, onExpand) {
    const v = runView(run, i);
    const status = h("p", { class: "small", role: "status" });
    const button = h(
      "button",
      { type: "button", id: "expand-run" },
      run.ranges === 1 ? "List this range" : `List these ${v.short}`
    );
    button.addEventListener("click", async () => {
      if (!onExpand) return;
      button.disabled = true;
      status.textContent = "Loading the ranges…";
      try {
        await onExpand(i);
      } catch (e) {
        button.disabled = false;
        status.textContent = `Cannot list them: ${e instanceof Error ? e.message : String(e)}`;
      }
    });
    into.replaceChildren(
      h("p", { class: "dname" }, h("span", { class: "badge st-same" }, "same"), " ", v.name),
      h(
        "dl",
        { class: "kv" },
        h("dt", {}, "range"),
        h("dd", { class: "mono" }, `${v.start}-${v.end}`),
        h("dt", {}, "size"),
        h("dd", {}, v.size)
      ),
      h(
        "p",
        { class: "muted" },
        "The report counts ranges equal in both cores instead of listing them."
      ),
      ...onExpand ? [button, status] : []
    );
  }

  // api/web/src/window.ts
  function rowWindow(scrollTop, height, rowHeight, count, overscan) {
    const first = Math.max(0, Math.floor(scrollTop / rowHeight) - overscan);
    const last = Math.min(count, Math.ceil((scrollTop + height) / rowHeight) + overscan);
    return { first, last: Math.max(first, last) };
  }
  function scrollFor(i, scrollTop, height, rowHeight) {
    const top = i * rowHeight, bottom = top + rowHeight;
    if (top < scrollTop) return top;
    if (bottom > scrollTop + height) return bottom - height;
    return scrollTop;
  }
  function zoomSpan(s, at, factor, n) {
    const width = Math.min(n, Math.max(1, Math.round((s.to - s.from) * factor)));
    const rel = s.to > s.from ? (at - s.from) / (s.to - s.from) : 0;
    const from = Math.round(at - rel * width);
    return clampSpan(from, width, n);
  }
  function panSpan(s, delta, n) {
    return clampSpan(s.from + Math.round(delta), s.to - s.from, n);
  }
  function spanWith(s, i, n) {
    if (i >= s.from && i < s.to) return s;
    const width = s.to - s.from;
    return clampSpan(i - Math.floor(width / 2), width, n);
  }
  function clampSpan(from, width, n) {
    const f = Math.max(0, Math.min(n - width, from));
    return { from: f, to: f + width };
  }

  // api/web/src/map.ts
  var HEIGHT = 56;
  var MIN_BIN_PX = 2;
  var LABEL_PX = 48;
  function addressMap(idx, onSelect) {
    const n = idx.status.length;
    const rows = idx.rows;
    let span = { from: 0, to: n };
    let cursor = -1;
    const canvas = h("canvas", { "aria-hidden": "true", height: HEIGHT });
    const readout = h("p", { class: "map-readout", id: "map-readout", "aria-live": "polite" });
    const tip = h("div", { class: "map-tip", role: "tooltip", id: "map-tip", hidden: true });
    const box = h(
      "div",
      {
        id: "map",
        class: "map",
        tabindex: 0,
        role: "application",
        "aria-roledescription": "address-space map",
        "aria-label": "Address-space map: Left and Right move between ranges, plus and minus zoom, Enter shows the pages of the range, Page Up and Page Down pan, 0 or Escape shows all",
        "aria-describedby": "map-readout"
      },
      canvas,
      tip
    );
    const rangeLegend = STATUS_ORDER.map(
      (s) => h("li", {}, h("span", { class: `swatch st-${s}` }), STATUS_TEXT[s].label)
    );
    const pageLegend = Object.entries(PAGE_CLASS_TEXT).map(
      ([c, text]) => h("li", {}, h("span", { class: `swatch pg-${c}` }), text)
    );
    const legend = h("ul", { class: "legend", "aria-label": "Map colours" }, ...rangeLegend);
    let legendOf = "ranges";
    const syncLegend = () => {
      const want = span.to - span.from === 1 ? "pages" : "ranges";
      if (want === legendOf) return;
      legendOf = want;
      legend.replaceChildren(...want === "pages" ? pageLegend : rangeLegend);
    };
    const element = h("div", { class: "map-wrap" }, box, readout, legend);
    const colours = /* @__PURE__ */ new Map();
    const colour = (name) => {
      let c = colours.get(name);
      if (!c) colours.set(name, c = cssColor(name, box));
      return c;
    };
    const rangeAt = (x) => {
      const w = canvas.clientWidth || 1;
      const i = span.from + Math.floor(x / w * (span.to - span.from));
      return Math.max(span.from, Math.min(span.to - 1, i));
    };
    const describe = (i) => {
      const row = rows[i];
      if (!row) return "";
      const v = viewOf(row, i);
      return `${v.run ? "Row" : "Range"} ${(i + 1).toLocaleString("en-US")} of ${n.toLocaleString("en-US")}: ${v.name || "(anonymous)"} ${v.start}-${v.end}, ${v.statusLabel}`;
    };
    const draw = () => {
      const w = Math.max(1, canvas.clientWidth);
      const dpr = globalThis.devicePixelRatio || 1;
      if (canvas.width !== Math.round(w * dpr)) canvas.width = Math.round(w * dpr);
      canvas.height = Math.round(HEIGHT * dpr);
      const ctx = canvas.getContext("2d");
      if (!ctx || n === 0) return;
      ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
      syncLegend();
      ctx.clearRect(0, 0, w, HEIGHT);
      const count = span.to - span.from;
      if (count === 1) {
        const cells = rowStrip(rows[span.from]);
        const total = cells.reduce((s, c) => s + c.count, 0) || 1;
        let x = 0;
        for (const c of cells) {
          const cw = c.count / total * w;
          ctx.fillStyle = colour(`pg-${c.cls}`);
          ctx.fillRect(x, 8, Math.max(cw - (cells.length < 200 ? 1 : 0), 1), HEIGHT - 16);
          x += cw;
        }
      } else {
        const m = mapBins(idx.status, span.from, span.to, Math.floor(w / MIN_BIN_PX));
        const bw = w / m.bins, k = STATUS_ORDER.length, top = 8, full = HEIGHT - 16;
        for (let b = 0; b < m.bins; b++) {
          let total = 0, present = 0;
          for (let st = 0; st < k; st++) {
            total += m.counts[b * k + st];
            if (m.counts[b * k + st]) present++;
          }
          const spare = full - 3 * present;
          let y = top;
          for (let st = 0; st < k; st++) {
            const c = m.counts[b * k + st];
            if (!c) continue;
            const hgt = 3 + spare * c / total;
            ctx.fillStyle = colour(`st-${STATUS_ORDER[st]}`);
            ctx.fillRect(b * bw, y, Math.max(bw - (bw > 4 ? 1 : 0), 1), hgt);
            y += hgt;
          }
        }
        const drawn = [];
        if (bw >= LABEL_PX) {
          ctx.font = "11px system-ui, sans-serif";
          ctx.textBaseline = "middle";
          ctx.fillStyle = colour("map-ink");
          for (let b = 0; b < m.bins; b++) {
            const row = rows[span.from + b];
            const label = row.kind === "run" ? viewOf(row, 0).short : shortName(row.range.name);
            if (label && ctx.measureText(label).width <= bw - 6) {
              ctx.fillText(label, b * bw + 3, HEIGHT / 2);
              drawn.push(label);
            }
          }
        }
        canvas.dataset.labels = drawn.join("\n");
      }
      if (cursor >= span.from && cursor < span.to && count > 1) {
        const x0 = (cursor - span.from) / count * w, x1 = (cursor + 1 - span.from) / count * w;
        const cx = Math.min(x0, w - 3), cw = Math.max(x1 - x0, 3);
        ctx.fillStyle = colour("focus");
        ctx.fillRect(cx, 1, cw, 5);
        ctx.fillRect(cx, HEIGHT - 6, cw, 5);
      }
    };
    const setCursor = (i, notify) => {
      cursor = i;
      span = spanWith(span, i, n);
      const lo = viewOf(rows[span.from], span.from), hi = viewOf(rows[span.to - 1], span.to - 1);
      readout.textContent = `${describe(i)} · showing rows ${(span.from + 1).toLocaleString("en-US")}-${span.to.toLocaleString("en-US")}, ${lo.start}-${hi.end}${span.to - span.from === 1 ? " (zoomed to its pages)" : ""}`;
      draw();
      if (notify) onSelect(i);
    };
    const zoom = (at, factor) => {
      span = zoomSpan(span, at, factor, n);
      if (cursor >= 0) setCursor(cursor, false);
      else draw();
    };
    box.addEventListener("keydown", (e) => {
      const width = span.to - span.from;
      const k = e.key;
      if (k === "+" || k === "=") zoom(cursor >= 0 ? cursor : span.from, 0.5);
      else if (k === "-" || k === "_") zoom(cursor >= 0 ? cursor : span.from, 2);
      else if (k === "0" || k === "Escape") {
        span = { from: 0, to: n };
        if (cursor >= 0) setCursor(cursor, false);
        else draw();
      } else if (k === "Enter" && cursor >= 0) {
        span = { from: cursor, to: cursor + 1 };
        setCursor(cursor, false);
      } else if (k === "PageDown" || k === "PageUp") {
        span = panSpan(span, (k === "PageDown" ? 1 : -1) * width, n);
        setCursor(k === "PageDown" ? span.from : span.to - 1, true);
      } else {
        const j = moveIndex(k, cursor, n, width, true);
        if (j === void 0) return;
        setCursor(j, true);
      }
      e.preventDefault();
    });
    box.addEventListener("focus", () => {
      if (cursor < 0 && n) setCursor(span.from, true);
    });
    canvas.addEventListener("wheel", (e) => {
      e.preventDefault();
      zoom(rangeAt(e.offsetX), e.deltaY < 0 ? 0.5 : 2);
    }, { passive: false });
    let drag;
    canvas.addEventListener("pointerdown", (e) => {
      drag = { x: e.offsetX, from: span.from, moved: false };
    });
    canvas.addEventListener("pointermove", (e) => {
      const i = rangeAt(e.offsetX);
      const r = rows[i] && viewOf(rows[i], i);
      if (drag && Math.abs(e.offsetX - drag.x) > 4) {
        drag.moved = true;
        const per = (span.to - span.from) / (canvas.clientWidth || 1);
        span = panSpan(
          { from: drag.from, to: drag.from + span.to - span.from },
          (drag.x - e.offsetX) * per,
          n
        );
        draw();
      }
      if (!r) return;
      const aggregated = span.to - span.from > Math.floor((canvas.clientWidth || 1) / MIN_BIN_PX);
      tip.textContent = span.to - span.from === 1 ? tipForPage(i, e.offsetX / (canvas.clientWidth || 1)) : `${r.name || "(anonymous)"} · ${r.start} · ${r.statusLabel}${aggregated ? " (and neighbours in this bin)" : ""}`;
      tip.hidden = false;
      tip.style.left = `${Math.min(e.offsetX, (canvas.clientWidth || 0) - 200)}px`;
    });
    canvas.addEventListener("pointerleave", () => {
      tip.hidden = true;
      drag = void 0;
    });
    canvas.addEventListener("pointerup", (e) => {
      if (drag && !drag.moved) {
        box.focus({ preventScroll: true });
        setCursor(rangeAt(e.offsetX), true);
      }
      drag = void 0;
    });
    const tipForPage = (i, frac) => {
      const cells = rowStrip(rows[i]);
      const total = cells.reduce((s, c) => s + c.count, 0);
      const page = Math.floor(frac * total);
      const cell = cells.find((c) => page >= c.first && page < c.first + c.count) ?? cells[0];
      const r = viewOf(rows[i], i);
      return `${r.name || "(anonymous)"} pages ${cell ? cell.first : 0}-${cell ? cell.first + cell.count - 1 : 0}: ${cell ? PAGE_CLASS_TEXT[cell.cls] : ""}`;
    };
    return {
      element,
      select: (i) => setCursor(i, false),
      draw
    };
  }

  // api/web/src/table.ts
  var OVERSCAN = 8;
  var COLUMNS = [
    { key: "i", label: "#", wide: true },
    { key: "status", label: "Status" },
    { key: "name", label: "Mapping" },
    { key: "start", label: "Start", wide: true },
    { key: "size", label: "Size", wide: true },
    { key: "a", label: "A", wide: true },
    { key: "b", label: "B", wide: true },
    { key: "codes", label: "Reasons" }
  ];
  function rangeTable(idx, onSelect) {
    let rows = new Uint32Array(0);
    let active = -1;
    let rowHeight = 0;
    const head = h(
      "div",
      { class: "tr th", role: "row", "aria-rowindex": 1 },
      ...COLUMNS.map(
        (c) => h("span", { class: `td c-${c.key}${c.wide ? " wide" : ""}`, role: "columnheader" }, c.label)
      )
    );
    const body = h("div", { class: "tbody", role: "rowgroup" });
    const thead = h("div", { role: "rowgroup", class: "thead" }, head);
    const spacer = h("div", { class: "spacer" }, body);
    const grid = h(
      "div",
      {
        id: "ranges",
        class: "grid scroller",
        role: "grid",
        tabindex: 0,
        "aria-label": "Ranges (arrow keys move, the active row is shown in the detail pane)",
        "aria-colcount": COLUMNS.length
      },
      thead,
      spacer
    );
    const scroller = grid;
    const viewHeight = () => Math.max(rowHeight, (scroller.clientHeight || 600) - thead.offsetHeight);
    const count = h("p", { class: "count", role: "status" });
    const element = h("div", { class: "table-wrap" }, count, grid);
    const measure = () => {
      const v = parseFloat(getComputedStyle(grid).getPropertyValue("--row-h"));
      rowHeight = Number.isFinite(v) && v > 0 ? v : 30;
    };
    const row = (pos) => {
      const i = rows[pos];
      const v = viewOf(idx.rows[i], i);
      const cells = {
        i: String(i + 1),
        status: h("span", { class: `badge st-${v.status}` }, v.statusLabel),
        name: h(
          "span",
          { class: "name", title: v.name || "(anonymous)" },
          v.short || "(anonymous)",
          h("span", { class: "addr" }, ` ${v.start}`)
        ),
        start: v.start,
        size: v.size,
        a: v.a,
        b: v.b,
        codes: v.codes.join(" ")
      };
      return h(
        "div",
        {
          class: `tr${v.failing ? " failing" : ""}${v.run ? " run" : ""}`,
          role: "row",
          id: `row-${i}`,
          "data-i": i,
          "data-status": v.status,
          "aria-rowindex": pos + 2,
          "aria-selected": pos === active ? "true" : "false",
          style: `top:${pos * rowHeight}px`
        },
        ...COLUMNS.map(
          (c) => h("span", {
            class: `td c-${c.key}${c.wide ? " wide" : ""}`,
            role: "gridcell",
            title: c.key === "codes" ? v.codes.join(" ") : void 0
          }, cells[c.key])
        )
      );
    };
    let drawn = "";
    const draw = (force = false) => {
      const w = rowWindow(
        scroller.scrollTop,
        viewHeight(),
        rowHeight,
        rows.length,
        OVERSCAN
      );
      const key = `${w.first}:${w.last}:${active}`;
      if (!force && key === drawn) return;
      drawn = key;
      const kids = [];
      for (let p = w.first; p < w.last; p++) kids.push(row(p));
      if (rows.length === 0) {
        kids.push(h(
          "div",
          { class: "tr empty", role: "row" },
          h("span", { class: "td", role: "gridcell" }, "No row matches the filters.")
        ));
      }
      body.replaceChildren(...kids);
      const cur = rows[active];
      if (cur !== void 0 && active >= w.first && active < w.last) {
        grid.setAttribute("aria-activedescendant", `row-${cur}`);
      } else grid.removeAttribute("aria-activedescendant");
    };
    const moveTo = (pos, notify) => {
      active = pos;
      scroller.scrollTop = scrollFor(pos, scroller.scrollTop, viewHeight(), rowHeight);
      draw(true);
      if (notify && rows[pos] !== void 0) onSelect(rows[pos]);
    };
    scroller.addEventListener("scroll", () => draw(), { passive: true });
    grid.addEventListener("keydown", (e) => {
      const page = Math.max(1, Math.floor(viewHeight() / rowHeight) - 1);
      const j = moveIndex(e.key, active, rows.length, page);
      if (j === void 0) return;
      e.preventDefault();
      moveTo(j, true);
    });
    grid.addEventListener("focus", () => {
      if (active < 0 && rows.length) moveTo(0, true);
    });
    body.addEventListener("click", (e) => {
      const tr = e.target.closest(".tr[data-i]");
      if (!tr) return;
      const pos = Number(tr.getAttribute("aria-rowindex")) - 2;
      grid.focus({ preventScroll: true });
      moveTo(pos, true);
    });
    return {
      element,
      setRows(next) {
        const keep = rows[active];
        rows = next;
        active = keep === void 0 ? -1 : rows.indexOf(keep);
        measure();
        spacer.style.height = `${rows.length * rowHeight}px`;
        grid.setAttribute("aria-rowcount", String(rows.length + 1));
        const runs = idx.rows.reduce((n, row2) => n + (row2.kind === "run" ? 1 : 0), 0);
        count.textContent = `${rows.length.toLocaleString("en-US")} of ${idx.status.length.toLocaleString("en-US")} rows listed${runs > 0 ? ` (${runs.toLocaleString("en-US")} of them runs of ranges equal in both cores)` : ""}`;
        if (active >= 0) moveTo(active, false);
        else {
          scroller.scrollTop = 0;
          draw(true);
        }
      },
      select(i) {
        const pos = rows.indexOf(i);
        if (pos >= 0) moveTo(pos, false);
      },
      refresh() {
        measure();
        spacer.style.height = `${rows.length * rowHeight}px`;
        draw(true);
      }
    };
  }

  // api/web/src/ranges_view.ts
  var resizing;
  function rangesView(r, id) {
    let idx = indexReport(r);
    let map, table;
    let current = -1;
    const mapHolder = h("div", {});
    const tableHolder = h("div", {});
    const detailBody = h("div", { id: "detail-body" });
    const expand = async (pos) => {
      const row = idx.rows[pos];
      if (!row || row.kind !== "run" || !id) return;
      const ranges = await fetchRanges(id, row.first, row.run.ranges);
      idx = expandIndex(idx, pos, ranges);
      build();
      apply();
      select(pos, "code");
    };
    const select = (i, from) => {
      current = i;
      if (from !== "map") map.select(i);
      if (from !== "table") table.select(i);
      renderDetail(detailBody, idx.rows[i], i, r.context.smaps, id ? expand : void 0);
    };
    const build = () => {
      map = addressMap(idx, (i) => select(i, "map"));
      table = rangeTable(idx, (i) => select(i, "table"));
      mapHolder.replaceChildren(map.element);
      tableHolder.replaceChildren(table.element);
    };
    const statusSel = h(
      "select",
      { id: "f-status", "aria-label": "Show status" },
      h("option", { value: "" }, "all statuses"),
      ...STATUS_ORDER.filter((s) => (r.summary.byStatus[s] ?? 0) > 0).map(
        (s) => h("option", { value: s }, `${STATUS_TEXT[s].label} (${r.summary.byStatus[s]})`)
      )
    );
    const orderSel = h(
      "select",
      { id: "f-order", "aria-label": "Order" },
      h("option", { value: "address" }, "by address"),
      h("option", { value: "size" }, "largest first"),
      h("option", { value: "status" }, "worst status first")
    );
    const failingBox = h("input", { type: "checkbox", id: "f-failing" });
    const search = h("input", {
      type: "search",
      id: "f-text",
      placeholder: "name, address or reason",
      "aria-label": "Search ranges",
      autocomplete: "off",
      spellcheck: "false"
    });
    const apply = () => table.setRows(orderRows(
      idx,
      selectRows(idx, {
        status: statusSel.value,
        failingOnly: failingBox.checked,
        text: search.value
      }),
      orderSel.value
    ));
    statusSel.addEventListener("change", apply);
    orderSel.addEventListener("change", apply);
    failingBox.addEventListener("change", apply);
    let pending = 0;
    search.addEventListener("input", () => {
      cancelAnimationFrame(pending);
      pending = requestAnimationFrame(apply);
    });
    const filters = h(
      "div",
      { class: "filters", role: "search", "aria-label": "Filter the table" },
      statusSel,
      h("label", { class: "check" }, failingBox, " only failing"),
      search,
      orderSel
    );
    return {
      mapSection: h(
        "section",
        { "aria-labelledby": "h-map" },
        h("h2", { id: "h-map" }, "Address space"),
        mapHolder
      ),
      tableSection: h(
        "section",
        { "aria-labelledby": "h-table" },
        h("h2", { id: "h-table" }, "Ranges"),
        filters,
        tableHolder
      ),
      detail: h(
        "aside",
        { class: "detail", "aria-labelledby": "h-detail" },
        h("h2", { id: "h-detail" }, "Selected range"),
        detailBody
      ),
      start() {
        build();
        table.setRows(selectRows(idx, {}));
        map.draw();
        let first = -1;
        for (let i = 0; i < idx.failing.length && first < 0; i++) if (idx.failing[i]) first = i;
        for (let i = 0; i < idx.status.length && first < 0; i++) {
          if (idx.status[i] !== SAME) first = i;
        }
        if (first >= 0) select(first, "code");
        else renderDetail(detailBody, void 0, -1, r.context.smaps);
        let raf = 0;
        resizing?.abort();
        resizing = new AbortController();
        globalThis.addEventListener("resize", () => {
          cancelAnimationFrame(raf);
          raf = requestAnimationFrame(() => {
            map.draw();
            table.refresh();
            if (current >= 0) table.select(current);
          });
        }, { signal: resizing.signal });
      }
    };
  }

  // api/web/src/report.ts
  var nextFrame = () => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
  async function loadReport(id) {
    const result = byId("result");
    const report = await getJson(
      `/v1/reports/${encodeURIComponent(id)}?format=json`,
      (res) => {
        performance.mark("cd:response");
        const v = res.headers.get("coredelta-verdict");
        if (v === "pass" || v === "fail") {
          result.replaceChildren(verdictBlock(v, "loading the ranges…"));
          result.hidden = false;
          performance.mark("cd:verdict");
        }
      }
    );
    await showReport(report, id);
  }
  async function showReport(r, id) {
    const result = byId("result");
    const top = reportTop(r);
    document.title = `coredelta · ${top.word} · ${r.a.label} vs ${r.b.label}`;
    const verdict = verdictBlock(top.verdict, top.headline);
    if (id) verdict.append(" ", links(id));
    result.replaceChildren(verdict, bannerList(top), cards(r, top));
    result.hidden = false;
    if (performance.getEntriesByName("cd:verdict").length === 0) performance.mark("cd:verdict");
    performance.mark("cd:summary");
    await nextFrame();
    const ranges = rangesView(r, id);
    result.append(
      h(
        "div",
        { class: "layout" },
        h("div", { class: "main-col" }, ranges.mapSection, ranges.tableSection),
        ranges.detail
      ),
      // Below the ranges and their detail (on a phone the detail follows the table directly).
      notesSection(r),
      filesSection(r)
    );
    ranges.start();
    performance.mark("cd:ready");
  }
  function links(id) {
    const formats = [
      ["json", "JSON", "json"],
      ["md", "Markdown", "md"],
      ["junit", "JUnit", "xml"],
      ["html", "HTML", "html"],
      ["text", "text", "txt"]
    ];
    return h(
      "span",
      { class: "links" },
      h("a", { href: `/reports/${encodeURIComponent(id)}`, id: "permalink" }, "Permalink"),
      " · download ",
      ...formats.flatMap(([fmt, label, ext]) => [
        " ",
        h("a", {
          href: `/v1/reports/${encodeURIComponent(id)}?format=${fmt}`,
          download: `coredelta-${id.slice(0, 12)}.${ext}`,
          "data-format": fmt,
          onclick: (e) => void downloadWithToken(e)
        }, label)
      ])
    );
  }
  async function downloadWithToken(e) {
    const link = e.currentTarget;
    if (!token()) return;
    e.preventDefault();
    const res = await fetch(link.href, { headers: authHeaders() });
    const url = URL.createObjectURL(await res.blob());
    h("a", { href: url, download: link.download }).click();
    setTimeout(() => URL.revokeObjectURL(url), 1e4);
  }
  function cards(r, top) {
    const core = (title, c) => h(
      "section",
      { class: "card" },
      h("h2", { class: "card-title" }, title),
      h(
        "dl",
        { class: "kv" },
        h("dt", {}, "file"),
        h("dd", { class: "mono wrap" }, c.label),
        h("dt", {}, "producer"),
        h("dd", {}, c.producer),
        h("dt", {}, "size"),
        h("dd", {}, formatBytes(c.size)),
        h("dt", {}, "resident (est.)"),
        h(
          "dd",
          {},
          `${formatBytes(Number(BigInt(c.memory.residentBytes.min)))}-${formatBytes(Number(BigInt(c.memory.residentBytes.max)))} · pages ${c.memory.nonZeroPages.toLocaleString("en-US")} non-zero, ${c.memory.zeroPages.toLocaleString("en-US")} zero, ${c.memory.unsavedPages.toLocaleString("en-US")} unsaved`
        ),
        h("dt", {}, "XXH3-64"),
        h("dd", { class: "mono" }, c.fileHash),
        h("dt", {}, "PT_LOAD · threads"),
        h("dd", {}, `${c.loads} · ${c.threads}`),
        ...c.process ? [h("dt", {}, "process"), h("dd", {}, `${c.process.name} (pid ${c.process.pid})`)] : [],
        ...c.modules ? [
          h("dt", {}, "modules"),
          h(
            "dd",
            {},
            `${c.modules.length} ELF files, ${c.modules.filter((m) => m.buildId).length} with a build-id in the core`
          )
        ] : []
      )
    );
    return h(
      "div",
      { class: "cards" },
      core("Core A", r.a),
      core("Core B", r.b),
      h(
        "section",
        { class: "card" },
        h("h2", { class: "card-title" }, "Context"),
        h(
          "dl",
          { class: "kv" },
          h("dt", {}, "smaps"),
          h(
            "dd",
            {},
            r.context.smaps ? "given: reasons are predicted" : "not given: reasons inferred"
          ),
          h("dt", {}, "filter"),
          h("dd", { class: "mono" }, r.context.filter ?? "-"),
          ...r.context.settings ? [
            h("dt", {}, "settings"),
            h(
              "dd",
              {},
              `kernel profile ${r.context.settings.kernelProfile} · GDB use-coredump-filter ${r.context.settings.gdbUseFilter ? "on" : "off"}, dump-excluded-mappings ${r.context.settings.gdbDumpExcluded ? "on" : "off"}`
            )
          ] : [],
          h("dt", {}, "ranges"),
          h(
            "dd",
            {},
            top.byStatus.filter((s) => s.count).map(
              (s) => `${s.label} ${s.count.toLocaleString("en-US")}`
            ).join(" · ")
          )
        )
      )
    );
  }

  // api/web/src/main.ts
  async function route() {
    const m = /^\/reports\/([^/]+)\/?$/.exec(location.pathname);
    const result = byId("result"), loadError = byId("load-error");
    const details = byId("new");
    loadError.hidden = true;
    if (!m) {
      result.hidden = true;
      result.replaceChildren();
      details.open = true;
      return;
    }
    const id = decodeURIComponent(m[1]);
    details.open = false;
    try {
      await loadReport(id);
    } catch (e) {
      result.hidden = true;
      if (e instanceof HttpError && e.status === 401) {
        byId("token-field").hidden = false;
        details.open = true;
      }
      loadError.textContent = `Cannot show report ${id}: ${e instanceof Error ? e.message : String(e)}`;
      loadError.hidden = false;
    }
  }
  setupForm((report, id) => {
    void showReport(report, id).then(() => byId("verdict").focus());
  });
  setupHistory();
  onPathChange(() => void route());
  void route();
})();
