// The page's behaviour: add documents, keep the corpus table current, request a brief and follow
// its progress, and open a citation's passage beside the brief. It talks to the JSON API; user
// text is only ever set as text (textContent), never as markup.
"use strict";

(() => {
  const $ = (id) => document.getElementById(id);
  const ID_UNSAFE = /[^A-Za-z0-9._:-]+/g;
  const HTML_SUFFIXES = new Set(["html", "htm"]);

  // --- The JSON API -----------------------------------------------------------------------

  // Signed in with an API key (service/http/sessions.py), the page carries its CSRF token: every
  // request sends it, and a change without it is refused. Without keys there is none to send.
  const csrf = document.querySelector('meta[name="csrf-token"]');
  const CSRF_HEADERS = csrf ? { "X-CSRF-Token": csrf.content } : {};

  async function request(url, init) {
    const response = await fetch(url, { ...init, headers: { ...init.headers, ...CSRF_HEADERS } });
    if (response.status === 401) {
      // The sign-in expired or its key was revoked (or keys were just configured): sign in again
      // and come back here.
      location.assign(`/sign-in?next=${encodeURIComponent(location.pathname + location.search)}`);
      throw new Error("the sign-in has ended; sign in again");
    }
    return response;
  }

  async function api(method, url, body) {
    const init = { method, headers: { Accept: "application/json" } };
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    let response;
    try {
      response = await request(url, init);
    } catch (error) {
      if (error instanceof TypeError) throw new Error("the service did not answer; is it still running?");
      throw error;
    }
    if (response.status === 204) return null;
    const data = await response.json().catch(() => null);
    if (!response.ok) {
      throw failure(response, data && data.error ? data.error.message : `HTTP ${response.status}`);
    }
    return data;
  }

  function failure(response, message) {
    const error = new Error(message);
    error.status = response.status;
    error.retryAfter = response.headers.get("Retry-After");
    return error;
  }

  // A 429 (too many requests of this key or process wait on `?wait=`, e.g. two tabs following
  // briefs, or a rate limit) refused the request before anything was done: it is the service
  // asking to be asked later, not a failure. `patiently` waits as its Retry-After says (at most
  // RETRY_MOST_SECONDS) and asks again, for as long as RETRY_GIVE_UP_MS of 429s in a row.
  const RETRY_MOST_SECONDS = 30;
  const RETRY_DEFAULT_SECONDS = 2;
  const RETRY_GIVE_UP_MS = 5 * 60 * 1000;

  function retryDelayMs(retryAfter) {
    let seconds = RETRY_DEFAULT_SECONDS;
    if (retryAfter && /^\s*\d+\s*$/.test(retryAfter)) {
      seconds = Number(retryAfter);
    } else if (retryAfter && !Number.isNaN(Date.parse(retryAfter))) {
      seconds = (Date.parse(retryAfter) - Date.now()) / 1000; // the HTTP-date form
    }
    seconds = Math.min(Math.max(seconds, 1), RETRY_MOST_SECONDS);
    // A little spread, so that two tabs refused together do not ask again together.
    return seconds * 1000 + Math.random() * 500;
  }

  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  async function patiently(call) {
    const since = Date.now();
    for (;;) {
      try {
        return await call();
      } catch (error) {
        if (error.status !== 429) throw error;
        const delay = retryDelayMs(error.retryAfter);
        if (Date.now() + delay - since > RETRY_GIVE_UP_MS) {
          throw new Error(`the service has been too busy to answer for minutes (${error.message})`);
        }
        await sleep(delay);
      }
    }
  }

  const documentPath = (id) => `/v1/documents/${encodeURIComponent(id)}`;
  const pagePath = (id) => `/documents/${encodeURIComponent(id)}`;

  function say(element, text, isError = false) {
    element.textContent = text;
    element.classList.toggle("error", isError);
  }

  // --- The corpus -------------------------------------------------------------------------

  const rows = $("corpus-rows");

  async function loadCorpus() {
    const documents = [];
    let cursor = null;
    do {
      const query = cursor ? `&cursor=${encodeURIComponent(cursor)}` : "";
      const page = await api("GET", `/v1/documents?limit=500${query}`);
      documents.push(...page.documents);
      cursor = page.next_cursor;
    } while (cursor);
    rows.replaceChildren(...documents.map(corpusRow));
    showCount(documents.length);
  }

  function showCount(count) {
    $("corpus-count").textContent = `(${count} document${count === 1 ? "" : "s"})`;
    $("corpus-empty").hidden = count > 0;
  }

  function corpusRow(doc) {
    const row = $("corpus-row-template").content.firstElementChild.cloneNode(true);
    const field = (name) => row.querySelector(`[data-field="${name}"]`);
    row.dataset.documentId = doc.id;
    field("id").textContent = doc.id;
    field("id").href = pagePath(doc.id);
    field("title").textContent = doc.title || "";
    if (doc.title_source === "derived") {
      field("title").classList.add("derived");
      field("title").title = "Taken from the document's headline: none was sent";
    }
    field("language").textContent = doc.language === "und" ? "unknown" : doc.language;
    field("chars").textContent = doc.chars.toLocaleString("en-US");
    row.querySelector('[data-action="delete"]').setAttribute("aria-label", `Delete document ${doc.id}`);
    return row;
  }

  async function deleteDocument(button) {
    const row = button.closest("tr");
    const id = row.dataset.documentId;
    const status = $("corpus-status");
    button.disabled = true;
    try {
      await api("DELETE", documentPath(id));
    } catch (error) {
      button.disabled = false;
      say(status, `Could not delete ${id}: ${error.message}`, true);
      return;
    }
    const next = row.nextElementSibling || row.previousElementSibling;
    row.remove();
    showCount(rows.children.length);
    say(status, `Deleted document ${id}.`);
    (next ? next.querySelector('[data-action="delete"]') : $("corpus-title")).focus();
  }

  // --- Adding documents -------------------------------------------------------------------

  function documentId(stem) {
    return stem.replace(ID_UNSAFE, "-").replace(/^[-._:]+|[-._:]+$/g, "").slice(0, 128);
  }

  async function documentFromFile(file) {
    const dot = file.name.lastIndexOf(".");
    const stem = dot > 0 ? file.name.slice(0, dot) : file.name;
    const suffix = dot > 0 ? file.name.slice(dot + 1).toLowerCase() : "";
    let raw;
    try {
      raw = new TextDecoder("utf-8", { fatal: true }).decode(await file.arrayBuffer());
    } catch {
      throw new Error("not UTF-8 text");
    }
    const doc = {};
    const id = documentId(stem);
    if (id) doc.id = id;
    // An article page goes as `html`: the service reads its article and metadata (trafilatura).
    if (HTML_SUFFIXES.has(suffix) || file.type === "text/html") doc.html = raw;
    else doc.text = raw.replace(/^\uFEFF/, "");
    if (!(doc.text ?? doc.html).trim()) throw new Error("there is no text in it");
    return doc;
  }

  async function storeDocument(doc) {
    if ($("replace").checked && doc.id) return api("PUT", documentPath(doc.id), doc);
    return api("POST", "/v1/documents", doc);
  }

  function described(result) {
    const stored = result.documents[0];
    const language = stored.language === "und" ? "language unknown" : stored.language;
    return `${stored.id} (${language}, ${stored.status})`;
  }

  async function addFiles(form) {
    const files = [...$("files").files];
    const status = $("add-status");
    if (!files.length) {
      say(status, "Choose one or more files first.", true);
      return;
    }
    const added = [];
    const failed = [];
    for (const [index, file] of files.entries()) {
      say(status, `Adding ${index + 1} of ${files.length}: ${file.name}…`);
      try {
        added.push(described(await storeDocument(await documentFromFile(file))));
      } catch (error) {
        failed.push(`${file.name}: ${error.message}`);
      }
    }
    form.reset();
    await loadCorpus();
    const report = [`Added ${added.length} of ${files.length} files${added.length ? `: ${added.join(", ")}` : ""}.`];
    if (failed.length) report.push(`Not added: ${failed.join("; ")}.`);
    say(status, report.join(" "), failed.length > 0);
  }

  async function addPasted(form) {
    const data = new FormData(form);
    const doc = { text: data.get("text") };
    for (const name of ["title", "id"]) {
      const value = String(data.get(name) || "").trim();
      if (value) doc[name] = value;
    }
    const status = $("add-status");
    try {
      const result = await storeDocument(doc);
      form.reset();
      await loadCorpus();
      say(status, `Added ${described(result)}.`);
    } catch (error) {
      say(status, `Not added: ${error.message}`, true);
    }
  }

  // --- The brief --------------------------------------------------------------------------

  // The same line as the server's (service/http/formats.py progress_text), shown as text.
  function progressText(job) {
    const line = progressLine(job);
    const redone = redoneText(job);
    return redone ? `${line} ${redone}` : line;
  }

  // While work a lost worker left is being redone: that it is, how often and why.
  function redoneText(job) {
    const { note, retries } = job.progress;
    if ((job.status !== "queued" && job.status !== "running") || !(note || retries)) return "";
    let text = "Redoing work a lost worker left" + (retries ? ` (retry ${retries})` : "");
    if (note) text += `: ${note}`;
    return /[.!?]$/.test(text) ? text : `${text}.`;
  }

  function progressLine(job) {
    const { done, total, stage } = job.progress;
    if (job.status === "queued") return `Waiting for a worker to start the brief of ${total} documents.`;
    if (job.status === "running" && stage === "merging") {
      return `Merging the summaries of ${total} documents into one brief.`;
    }
    if (job.status === "running") return `Summarising: ${done} of ${total} documents done.`;
    if (job.status === "failed") return `The brief failed: ${job.error ? job.error.reason : "no reason given"}`;
    return `Done: a brief of ${total} documents.`;
  }

  function showProgress(job) {
    const region = $("brief-progress");
    const text = progressText(job);
    let line = region.querySelector("p");
    if (!line) {
      line = document.createElement("p");
      region.replaceChildren(line);
    }
    if (line.textContent !== text) line.textContent = text;
    line.classList.toggle("error", job.status === "failed");
    let bar = region.querySelector("progress");
    if (job.status === "queued" || job.status === "running") {
      if (!bar) {
        bar = document.createElement("progress");
        bar.setAttribute("aria-label", "Documents summarised");
        region.append(bar);
      }
      bar.max = job.progress.total || 1;
      bar.value = job.progress.done || 0;
    } else if (bar) {
      bar.remove();
    }
  }

  async function follow(job) {
    const path = `/v1/briefs/${encodeURIComponent(job.id)}`;
    while (job.status === "queued" || job.status === "running") {
      showProgress(job); // it stays shown while a 429 is waited out
      job = await patiently(() => api("GET", `${path}?wait=1`));
    }
    showProgress(job);
    if (job.status === "done") await showBrief(path);
  }

  async function showBrief(path) {
    // The service renders the brief (one renderer for this page and `?format=html`).
    const html = await patiently(async () => {
      const response = await request(`${path}?format=html`, { headers: { Accept: "text/html" } });
      if (!response.ok) throw failure(response, `the brief could not be read (HTTP ${response.status})`);
      return response.text();
    });
    const page = new DOMParser().parseFromString(html, "text/html");
    const article = page.getElementById("brief");
    if (!article) throw new Error("the brief could not be read");
    $("brief-output").replaceChildren(document.importNode(article, true));
    $("brief-title").focus();
  }

  async function makeBrief(form) {
    const button = form.querySelector("button");
    button.disabled = true;
    closeSource();
    $("brief-output").replaceChildren();
    try {
      const maxWords = Number(new FormData(form).get("max_words"));
      const job = await patiently(() => api("POST", "/v1/briefs", { max_words: maxWords }));
      history.replaceState(null, "", `?brief=${encodeURIComponent(job.id)}`);
      await follow(job);
    } catch (error) {
      say($("brief-progress"), `No brief: ${error.message}`, true);
    } finally {
      button.disabled = false;
    }
  }

  // --- The source of a citation -----------------------------------------------------------

  const texts = new Map(); // document ID -> {doc, chars}; chars are code points, as offsets count
  let opener = null;

  async function documentText(id) {
    if (!texts.has(id)) {
      const doc = await api("GET", documentPath(id));
      texts.set(id, { doc, chars: Array.from(doc.text) });
    }
    return texts.get(id);
  }

  function citationOf(link) {
    return {
      link,
      id: link.dataset.documentId,
      start: Number(link.dataset.start),
      end: Number(link.dataset.end),
      number: link.dataset.number,
    };
  }

  async function openCitation(link) {
    const citation = citationOf(link);
    const holder = link.closest(".sentence, .figure");
    const all = holder ? [...holder.querySelectorAll("a.cite")].map(citationOf) : [citation];
    const claim = holder ? holder.querySelector(".sentence-text, .figure-text") : null;
    opener = link;
    for (const other of document.querySelectorAll('a.cite[aria-current="true"]')) {
      other.removeAttribute("aria-current");
    }
    link.setAttribute("aria-current", "true");

    const source = $("source");
    const body = $("source-text");
    let entry;
    try {
      entry = await documentText(citation.id);
    } catch (error) {
      showSource(source);
      $("source-title").textContent = `Source ${citation.number}: ${citation.id}`;
      say($("source-meta"), `The document cannot be shown: ${error.message}`, true);
      body.replaceChildren();
      return;
    }
    const { doc, chars } = entry;
    $("source-title").textContent = `Source ${citation.number}: ${doc.title || doc.id}`;
    const support = holder && holder.dataset.support ? ` (support ${holder.dataset.support})` : "";
    $("source-sentence").textContent = claim ? `Cited for: “${claim.textContent.trim()}”${support}` : "";
    $("source-tabs").replaceChildren(...all.map((other) => sourceTab(other, citation)));
    const meta = $("source-meta");
    say(meta, `Document ${doc.id}, characters ${citation.start} to ${citation.end} of ${chars.length}. `);
    const own = document.createElement("a");
    own.href = `${pagePath(doc.id)}?start=${citation.start}&end=${citation.end}#passage`;
    own.textContent = "Open on its own page";
    meta.append(own);

    const mark = document.createElement("mark");
    mark.id = "source-passage";
    mark.tabIndex = -1;
    mark.dataset.documentId = doc.id;
    mark.dataset.start = String(citation.start);
    mark.dataset.end = String(citation.end);
    mark.textContent = chars.slice(citation.start, citation.end).join("");
    body.replaceChildren(
      chars.slice(0, citation.start).join(""),
      mark,
      chars.slice(citation.end).join(""),
    );
    showSource(source);
    reveal(body, mark);
    mark.focus({ preventScroll: true });
  }

  function reveal(box, mark) {
    // Centre the passage in the text box without moving the page (the brief stays where the
    // reader left it); scroll the page only when the box is out of view (a phone's one column).
    const outer = box.getBoundingClientRect();
    const inner = mark.getBoundingClientRect();
    box.scrollTop += inner.top - outer.top - (box.clientHeight - Math.min(inner.height, box.clientHeight)) / 2;
    const now = mark.getBoundingClientRect();
    if (now.top < 0 || now.bottom > window.innerHeight) mark.scrollIntoView({ block: "center" });
  }

  function sourceTab(other, current) {
    const item = document.createElement("li");
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = `[${other.number}] ${other.id}`;
    if (other.link === current.link) button.setAttribute("aria-current", "true");
    button.addEventListener("click", () => openCitation(other.link));
    item.append(button);
    return item;
  }

  function showSource(source) {
    source.hidden = false;
    document.querySelector(".workspace").classList.add("reading");
  }

  function closeSource() {
    $("source").hidden = true;
    document.querySelector(".workspace").classList.remove("reading");
    for (const link of document.querySelectorAll('a.cite[aria-current="true"]')) {
      link.removeAttribute("aria-current");
    }
    if (opener && opener.isConnected) opener.focus();
    opener = null;
  }

  // --- Wiring -----------------------------------------------------------------------------

  function onSubmit(id, handler) {
    $(id).addEventListener("submit", (event) => {
      event.preventDefault();
      handler(event.currentTarget);
    });
  }

  onSubmit("files-form", addFiles);
  onSubmit("paste-form", addPasted);
  onSubmit("brief-form", makeBrief);
  rows.addEventListener("click", (event) => {
    const button = event.target.closest('[data-action="delete"]');
    if (button) deleteDocument(button);
  });
  document.addEventListener("click", (event) => {
    const link = event.target.closest("a.cite");
    const plain = event.button === 0 && !(event.metaKey || event.ctrlKey || event.shiftKey || event.altKey);
    if (!link || !plain) return;
    event.preventDefault();
    openCitation(link);
  });
  $("source-close").addEventListener("click", closeSource);
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && !$("source").hidden) closeSource();
  });

  if (rows.dataset.more === "true") loadCorpus().catch(() => {});
  const shown = $("brief");
  if (shown && (shown.dataset.status === "queued" || shown.dataset.status === "running")) {
    $("brief-output").replaceChildren(); // the script shows the progress from here on
    patiently(() => api("GET", `/v1/briefs/${encodeURIComponent(shown.dataset.jobId)}`))
      .then(follow)
      .catch((error) => say($("brief-progress"), `Cannot follow the brief: ${error.message}`, true));
  }
})();
