// dsim view: the page that draws a recorded run (tools/cli/view_page.h writes the data this
// reads). Plain JavaScript, no library: a canvas space-time diagram that draws only what is
// in the visible time window, and counts events per pixel when that window holds too many.
"use strict";
(function () {
  const $ = (id) => document.getElementById(id);
  const meta = JSON.parse($("dsim-meta").textContent);
  const N = meta.events;
  const KINDS = meta.kinds;  // index -> "send", "deliver", ...
  const K = Object.fromEntries(KINDS.map((k, i) => [k, i]));
  const S = meta.strings;
  const NAMES = meta.names;
  const NN = NAMES.length;
  const DETAIL_LIMIT = 12000;  // events in the window above which lanes show counts, not events

  // ---- data ---------------------------------------------------------------------------
  function base64Bytes(text) {
    text = text.trim();
    if (Uint8Array.fromBase64) return Uint8Array.fromBase64(text);
    const bin = atob(text);
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  }
  async function inflate(bytes) {
    if (bytes.length === 0) return new Uint8Array(0);
    const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate-raw"));
    return new Uint8Array(await new Response(stream).arrayBuffer());
  }
  async function inflateText(bytes) {
    return new TextDecoder().decode(await inflate(bytes));
  }

  const kind = new Uint8Array(N);     // TraceKind
  const tagged = new Uint8Array(N);   // send: rewritten by a Byzantine fault; deliver: a duplicate
  const beat = new Uint8Array(N);     // a heartbeat (says only "alive") or its answer
  const story = new Uint8Array(N);    // an observation of the protocol's story (elections, decisions)
  const node = new Int32Array(N);     // -1: none
  const peer = new Int32Array(N);
  const name = new Uint32Array(N);    // into S
  const time = new Float64Array(N);   // ns
  const link = new Int32Array(N).fill(-1);   // deliver/drop -> its send
  const cause = new Int32Array(N).fill(-1);  // drop -> S
  const deliveredAt = new Int32Array(N).fill(-1);  // send -> its first delivery
  const droppedAt = new Int32Array(N).fill(-1);    // send -> its drop
  let maxFlight = 0;  // the longest send -> delivery/drop, ns

  function decodeColumns(bytes) {
    const sizes = meta.columns;
    let at = 0;
    const section = () => { const s = bytes.subarray(at, at + sizes[0]); at += sizes.shift(); return s; };
    const kinds = section();
    for (let i = 0; i < N; i++) {
      const b = kinds[i];
      kind[i] = b & 15; tagged[i] = (b >> 4) & 1; beat[i] = (b >> 5) & 1; story[i] = (b >> 6) & 1;
    }
    const reader = (buf) => { let p = 0; return () => { let v = 0, m = 1, b; do { b = buf[p++]; v += (b & 127) * m; m *= 128; } while (b & 128); return v; }; };
    let r = reader(section());
    for (let i = 0; i < N; i++) node[i] = r() - 1;
    r = reader(section());
    for (let i = 0; i < N; i++) peer[i] = r() - 1;
    r = reader(section());
    for (let i = 0; i < N; i++) name[i] = r();
    r = reader(section());
    let t = 0;
    for (let i = 0; i < N; i++) { t += r(); time[i] = t; }
    r = reader(section());
    for (let i = 0; i < N; i++) {
      if (kind[i] !== K.deliver && kind[i] !== K.drop) continue;
      const back = r();
      if (back === 0) continue;
      const s = i - back;
      link[i] = s;
      if (kind[i] === K.deliver) { if (deliveredAt[s] < 0) deliveredAt[s] = i; }
      else droppedAt[s] = i;
      if (time[i] - time[s] > maxFlight) maxFlight = time[i] - time[s];
    }
    r = reader(section());
    for (let i = 0; i < N; i++) if (kind[i] === K.drop) cause[i] = r();
  }

  // Chunks of events' texts and states, inflated on first use.
  const chunkBlob = { bytes: null, offsets: [] };
  const chunks = new Map();     // index -> {d, s, c}
  const pending = new Map();    // index -> Promise
  function chunkOffsets() {
    if (chunkBlob.bytes) return;
    chunkBlob.bytes = base64Bytes($("dsim-chunks").textContent);
    let at = 0;
    for (const size of meta.chunks) { chunkBlob.offsets.push([at, size]); at += size; }
  }
  function loadChunk(c) {
    if (chunks.has(c)) return Promise.resolve(chunks.get(c));
    if (pending.has(c)) return pending.get(c);
    chunkOffsets();
    const [at, size] = chunkBlob.offsets[c] || [0, 0];
    const p = inflateText(chunkBlob.bytes.subarray(at, at + size)).then((text) => {
      const chunk = JSON.parse(text);
      chunks.set(c, chunk);
      pending.delete(c);
      onChunk(c, chunk);
      return chunk;
    });
    pending.set(c, p);
    return p;
  }
  // An event's own text if its chunk is in, else null (and the chunk is asked for).
  function detail(i) {
    const c = Math.floor(i / meta.chunk);
    const chunk = chunks.get(c);
    if (chunk) return chunk.d[i - c * meta.chunk];
    loadChunk(c);
    return null;
  }
  let redrawSoon = false;
  function onChunk(c, chunk) {
    if (hideText) applyHideToChunk(c, chunk);
    if (!redrawSoon) { redrawSoon = true; requestAnimationFrame(() => { redrawSoon = false; draw(); }); }
  }

  // ---- derived spans ------------------------------------------------------------------
  const endNs = Math.max(meta.end_ns, N ? time[N - 1] : 0);
  const tAfter = (after) => (after > 0 && after <= N ? time[after - 1] : 0);
  let downSpans = [], faultBands = [], clockMarks = [], roleSpans = [];
  function deriveSpans() {
    downSpans = meta.down.map(([v, from, to]) => ({ node: v, t0: time[from], t1: to < 0 ? endNs : time[to], from, to }));
    faultBands = meta.faults
      .filter(([what]) => what !== "crash" && what !== "restart")
      .map(([what, from, to, label, nodes]) => ({ what, from, to, label, nodes, t0: time[from], t1: to < 0 ? endNs : time[to] }));
    clockMarks = meta.clocks.map(([i, label, offset]) => ({ i, label, offset, node: node[i], t: time[i] }));
    const open = new Array(NN).fill(null);
    for (const [v, after, role] of meta.roles) {
      const t = tAfter(after);
      if (open[v]) { open[v].t1 = t; roleSpans.push(open[v]); }
      open[v] = S[role] ? { node: v, role: S[role], t0: t, t1: endNs } : null;
    }
    for (const s of open) if (s) roleSpans.push(s);
  }

  // ---- colours ------------------------------------------------------------------------
  function hue(str) { let h = 2166136261; for (let i = 0; i < str.length; i++) { h ^= str.charCodeAt(i); h = Math.imul(h, 16777619); } return (h >>> 0) % 360; }
  const typeColour = new Map();
  function colourOf(n) {
    let c = typeColour.get(n);
    if (!c) { c = `hsl(${hue(S[n] || "")} 62% 42%)`; typeColour.set(n, c); }
    return c;
  }
  const ROLE_COLOURS = { leader: "#f9c74f", candidate: "#c77dff", pre_candidate: "#e0b3ff", precandidate: "#e0b3ff",
    coordinator: "#f9c74f", follower: null, participant: null, "": null };
  function roleColour(role) {
    if (role in ROLE_COLOURS) return ROLE_COLOURS[role];
    return `hsl(${hue(role)} 70% 75%)`;
  }
  const CLIENT_COLOURS = { invoke: "#1a73e8", ok: "#188038", fail: "#d93025", info: "#e37400" };
  const BYZANTINE = "#c2185b";

  // ---- filters ------------------------------------------------------------------------
  const nodeOn = new Uint8Array(NN).fill(1);
  const typeOn = new Map();  // key "kind:name" -> bool
  const visible = new Uint8Array(N).fill(1);  // passes every filter
  const hidden = new Uint8Array(N);           // hidden by the text filter
  let hideText = "";
  let hideBeats = false;
  let win = null;  // {t0, t1} time window, ns
  const typeKey = (i) => {
    const k = kind[i];
    if (k === K.deliver || k === K.drop) return "send:" + S[name[i]];
    return KINDS[k] + ":" + S[name[i]];
  };
  function recomputeVisible() {
    const typeCache = new Map();
    for (let i = 0; i < N; i++) {
      let ok = !hidden[i] && !(hideBeats && beat[i]);
      if (ok && node[i] >= 0 && !nodeOn[node[i]]) ok = false;
      if (ok && (kind[i] === K.send || kind[i] === K.deliver || kind[i] === K.drop) && peer[i] >= 0 && !nodeOn[peer[i]]) ok = false;
      if (ok) {
        const key = (kind[i] << 20) | name[i];
        let on = typeCache.get(key);
        if (on === undefined) { on = typeOn.get(typeKey(i)) !== false; typeCache.set(key, on); }
        ok = on;
      }
      if (ok && win && (time[i] < win.t0 || time[i] > win.t1)) ok = false;
      visible[i] = ok ? 1 : 0;
    }
  }
  function applyHideToChunk(c, chunk) {
    const base = c * meta.chunk;
    for (let j = 0; j < chunk.d.length; j++) {
      const i = base + j;
      let text = chunk.d[j];
      if ((kind[i] === K.deliver || kind[i] === K.drop) && link[i] >= 0) text = detail(link[i]) || text;
      hidden[i] = hideText && text && text.includes(hideText) ? 1 : 0;
    }
  }

  // ---- view state ---------------------------------------------------------------------
  const canvas = $("canvas");
  const ctx = canvas.getContext("2d");
  let W = 0, H = 0, dpr = 1;
  let t0 = 0, t1 = Math.max(1, endNs);  // visible time window, ns
  let vy = 0;          // vertical scroll, px
  let sel = -1;        // selected event
  let large = false;
  let lanes = [];      // lane index -> node
  let laneOf = new Int32Array(NN).fill(-1);
  const stats = {};
  let hits = [];       // what the last frame drew, for clicks: [x, y, i] points and [x1, y1, x2, y2, i] segments
  const scale = () => (large ? 1.6 : 1);
  // Lanes share the height there is, between 34 and 90 px (times the font scale).
  const laneH = () => Math.round(Math.max(34 * scale(), Math.min(90 * scale(), (H - axisH() - 8) / Math.max(1, lanes.length))));
  const gutter = () => Math.round(64 * scale());
  const axisH = () => Math.round(30 * scale());
  const font = (px, weight) => `${weight || ""} ${Math.round(px * scale())}px system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif`;

  function layoutLanes() {
    lanes = [];
    laneOf.fill(-1);
    for (let v = 0; v < NN; v++) if (nodeOn[v]) { laneOf[v] = lanes.length; lanes.push(v); }
  }
  const laneY = (v) => axisH() + laneOf[v] * laneH() + laneH() / 2 - vy;
  const xOf = (t) => gutter() + ((t - t0) / (t1 - t0)) * (W - gutter() - 8);
  const tOf = (x) => t0 + ((x - gutter()) / (W - gutter() - 8)) * (t1 - t0);

  function lowerBound(t) { let lo = 0, hi = N; while (lo < hi) { const m = (lo + hi) >> 1; if (time[m] < t) lo = m + 1; else hi = m; } return lo; }
  function upperBound(t) { let lo = 0, hi = N; while (lo < hi) { const m = (lo + hi) >> 1; if (time[m] <= t) lo = m + 1; else hi = m; } return lo; }

  function fmt(ns) {
    if (Math.abs(ns) >= 10e9) return (ns / 1e9).toFixed(6) + "s";
    return (ns / 1e6).toFixed(3) + "ms";
  }
  function niceStep(span, px) {
    const target = span / Math.max(1, px / 110);
    const p = Math.pow(10, Math.floor(Math.log10(target)));
    for (const m of [1, 2, 5, 10]) if (p * m >= target) return p * m;
    return p * 10;
  }
  function fmtTick(ns, step) {
    if (step >= 1e9) return (ns / 1e9).toFixed(Math.max(0, -Math.floor(Math.log10(step / 1e9)))) + "s";
    if (step >= 1e6) return (ns / 1e6).toFixed(Math.max(0, -Math.floor(Math.log10(step / 1e6)))) + "ms";
    if (step >= 1e3) return (ns / 1e3).toFixed(Math.max(0, -Math.floor(Math.log10(step / 1e3)))) + "µs";
    return ns.toFixed(0) + "ns";
  }

  // ---- drawing ------------------------------------------------------------------------
  function resize() {
    dpr = window.devicePixelRatio || 1;
    const r = canvas.getBoundingClientRect();
    W = Math.max(100, r.width); H = Math.max(100, r.height);
    canvas.width = Math.round(W * dpr); canvas.height = Math.round(H * dpr);
    clampVy();
    draw();
  }
  function clampVy() {
    const content = axisH() + lanes.length * laneH() + 10;
    vy = Math.max(0, Math.min(vy, content - H));
  }
  function laneVisible(v) { const y = laneY(v); return y > axisH() - laneH() && y < H + laneH(); }

  let dropLabels = new Map();
  function draw() {
    dropLabels = new Map();
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, W, H);
    hits = [];
    for (const k of ["arrows", "drops", "down", "bands", "badges", "clocks", "roles", "dots", "violation", "selection", "byzantine", "duplicates", "inflight"]) stats[k] = 0;
    stats.lanes = lanes.length;
    const lh = laneH(), gx = gutter(), ax = axisH();
    const lo = lowerBound(t0), hi = upperBound(t1);
    stats.window = hi - lo;
    stats.mode = hi - lo > DETAIL_LIMIT ? "counts" : "events";

    // Lanes, role tints, down spans.
    ctx.save();
    ctx.beginPath(); ctx.rect(gx, ax, W - gx, H - ax); ctx.clip();
    for (let l = 0; l < lanes.length; l++) {
      const y = ax + l * lh - vy;
      if (y > H || y + lh < ax) continue;
      ctx.fillStyle = l % 2 ? "#f6f7f8" : "#ffffff";
      if (lanes[l] >= meta.servers) ctx.fillStyle = l % 2 ? "#f3f6fb" : "#f9fbfe";
      ctx.fillRect(gx, y, W - gx, lh);
    }
    for (const r of roleSpans) {
      if (laneOf[r.node] < 0 || r.t1 < t0 || r.t0 > t1) continue;
      const c = roleColour(r.role);
      if (!c) continue;
      const x0 = Math.max(gx, xOf(r.t0)), x1 = Math.min(W, xOf(r.t1));
      const y = laneY(r.node);
      ctx.globalAlpha = 0.45; ctx.fillStyle = c; ctx.fillRect(x0, y - lh / 2 + 2, Math.max(1, x1 - x0), lh - 4); ctx.globalAlpha = 1;
      stats.roles++;
      if (x1 - x0 > 60 && stats.mode === "events") {
        ctx.fillStyle = "rgba(0,0,0,.45)"; ctx.font = font(10); ctx.textBaseline = "top";
        ctx.fillText(r.role, x0 + 3, y - lh / 2 + 3);
      }
    }
    for (const d of downSpans) {
      if (laneOf[d.node] < 0 || d.t1 < t0 || d.t0 > t1) continue;
      const x0 = Math.max(gx, xOf(d.t0)), x1 = Math.min(W, xOf(d.t1));
      const y = laneY(d.node) - lh / 2 + 1;
      const w = Math.max(2, x1 - x0);
      ctx.fillStyle = "#c9cccf"; ctx.fillRect(x0, y, w, lh - 2);
      ctx.save();
      ctx.beginPath(); ctx.rect(x0, y, w, lh - 2); ctx.clip();
      ctx.strokeStyle = "rgba(255,255,255,.6)"; ctx.lineWidth = 1;
      ctx.beginPath();
      for (let x = x0 - ((x0 - gx) % 10) - lh; x < x1; x += 10) { ctx.moveTo(x, y + lh - 2); ctx.lineTo(x + lh - 2, y); }
      ctx.stroke();
      ctx.restore();
      ctx.fillStyle = "#555"; ctx.font = font(11, 600); ctx.textBaseline = "middle";
      if (x1 - x0 > 60) ctx.fillText("down", x0 + 14 * scale(), y + lh / 2);
      stats.down++;
    }
    // Fault bands: partitions, cuts, clock faults, Byzantine... across the lanes they name.
    let bandRow = 0;
    for (const b of faultBands) {
      if (b.t1 < t0 || b.t0 > t1) continue;
      let first = Infinity, last = -Infinity;
      const nodesShown = b.nodes.filter((v) => laneOf[v] >= 0);
      if (nodesShown.length === 0 || nodesShown.length === NN) { first = 0; last = lanes.length - 1; }
      else for (const v of nodesShown) { first = Math.min(first, laneOf[v]); last = Math.max(last, laneOf[v]); }
      if (!(first <= last)) continue;
      const x0 = Math.max(gx, xOf(b.t0)), x1 = Math.min(W, xOf(b.t1));
      const y0 = ax + first * lh - vy, y1 = ax + (last + 1) * lh - vy;
      const c = b.what === "partition" ? "255,152,0" : b.what === "cut" || b.what.startsWith("omission") ? "233,30,99" :
        b.what === "clock" ? "3,169,244" : b.what.startsWith("byzantine") ? "194,24,91" : "120,120,120";
      const inset = 2 * (bandRow++ % 3);  // overlapping faults stay apart
      ctx.fillStyle = `rgba(${c},.07)`; ctx.fillRect(x0, y0 + inset, Math.max(2, x1 - x0), y1 - y0 - 2 * inset);
      ctx.strokeStyle = `rgba(${c},.8)`; ctx.lineWidth = 1.5; ctx.setLineDash([6, 3]);
      ctx.strokeRect(x0, y0 + 0.5 + inset, Math.max(2, x1 - x0), y1 - y0 - 1 - 2 * inset); ctx.setLineDash([]);
      ctx.font = font(11, 700); ctx.textBaseline = "bottom";
      const label = b.label.length > 90 ? b.label.slice(0, 88) + "…" : b.label;
      const lx = Math.max(x0 + 4, gx + 4), ly = y1 - 3 - inset - 14 * scale() * ((bandRow - 1) % 3);
      const lw = Math.min(ctx.measureText(label).width, Math.max(30, x1 - lx - 4));
      ctx.fillStyle = "rgba(255,255,255,.85)"; ctx.fillRect(lx - 2, ly - 13 * scale(), lw + 4, 13 * scale());
      ctx.fillStyle = `rgb(${c})`;
      ctx.fillText(label, lx, ly, Math.max(30, x1 - lx - 4));
      hits.push([lx + 6, ly - 6, b.from]);
      stats.bands++;
    }
    ctx.restore();

    // Events.
    ctx.save();
    ctx.beginPath(); ctx.rect(gx, ax, W - gx, H - ax); ctx.clip();
    if (stats.mode === "counts") { drawCounts(lo, hi); drawRareBadges(lo, hi); } else drawEvents(lo, hi);
    // Clock marks.
    for (const m of clockMarks) {
      if (m.t < t0 || m.t > t1 || m.node < 0 || laneOf[m.node] < 0) continue;
      const x = xOf(m.t), y = laneY(m.node);
      ctx.strokeStyle = "#0277bd"; ctx.fillStyle = "#e1f5fe"; ctx.lineWidth = 1.5;
      ctx.beginPath(); ctx.arc(x, y - lh / 2 + 8, 6 * scale(), 0, 7); ctx.fill(); ctx.stroke();
      ctx.beginPath(); ctx.moveTo(x, y - lh / 2 + 8); ctx.lineTo(x, y - lh / 2 + 4); ctx.moveTo(x, y - lh / 2 + 8); ctx.lineTo(x + 3, y - lh / 2 + 8); ctx.stroke();
      ctx.fillStyle = "#0277bd"; ctx.font = font(10, 600); ctx.textBaseline = "middle";
      ctx.fillText("clock " + (m.label.length > 50 ? m.label.slice(0, 48) + "…" : m.label), x + 9, y - lh / 2 + 8);
      hits.push([x, y - lh / 2 + 8, m.i]);
      stats.clocks++;
    }
    // The violation.
    if (meta.violation && meta.violation.event !== undefined) {
      const v = meta.violation.event, tv = time[v];
      if (tv >= t0 && tv <= t1) {
        const x = xOf(tv);
        ctx.strokeStyle = "#d93025"; ctx.lineWidth = 2; ctx.setLineDash([6, 4]);
        ctx.beginPath(); ctx.moveTo(x, ax); ctx.lineTo(x, H); ctx.stroke(); ctx.setLineDash([]);
        if (node[v] >= 0 && laneOf[node[v]] >= 0) {
          const y = laneY(node[v]);
          ctx.lineWidth = 3; ctx.beginPath(); ctx.arc(x, y, 9 * scale(), 0, 7); ctx.stroke();
        }
        let text = "✖ " + meta.violation.invariant + ": " + meta.violation.what;
        ctx.font = font(12, 700);
        const room = W - gx - 22;
        if (ctx.measureText(text).width > room) {  // cut, never squeezed (the details panel has it all)
          while (text.length > 10 && ctx.measureText(text + "…").width > room) text = text.slice(0, -1);
          text += "…";
        }
        const w = ctx.measureText(text).width + 12;
        const bx = Math.min(Math.max(gx + 2, x - w / 2), W - w - 4);
        ctx.fillStyle = "#d93025"; ctx.fillRect(bx, ax + 2, w, 20 * scale());
        ctx.fillStyle = "#fff"; ctx.textBaseline = "middle"; ctx.fillText(text, bx + 6, ax + 2 + 10 * scale(), w - 12);
        hits.push([x, ax + 12, v]);
        stats.violation++;
      }
    }
    // The selection.
    if (sel >= 0 && time[sel] >= t0 && time[sel] <= t1) {
      const x = xOf(time[sel]);
      ctx.strokeStyle = "rgba(26,115,232,.6)"; ctx.lineWidth = 1;
      ctx.beginPath(); ctx.moveTo(x, ax); ctx.lineTo(x, H); ctx.stroke();
      drawSelected(sel);
    }
    ctx.restore();

    // Gutter with lane names, and the time axis.
    ctx.fillStyle = "#fff"; ctx.fillRect(0, 0, gx, H);
    ctx.strokeStyle = "#d9dcde"; ctx.beginPath(); ctx.moveTo(gx - 0.5, 0); ctx.lineTo(gx - 0.5, H); ctx.stroke();
    ctx.textBaseline = "middle"; ctx.font = font(13, 600);
    for (let l = 0; l < lanes.length; l++) {
      const v = lanes[l], y = laneY(v);
      if (y < ax || y > H) continue;
      ctx.fillStyle = v < meta.servers ? "#1d2327" : "#1a73e8";
      ctx.fillText(NAMES[v], 8, y, gx - 12);
      if (v === meta.servers && l > 0) { ctx.strokeStyle = "#9aa0a6"; ctx.beginPath(); ctx.moveTo(0, y - lh / 2); ctx.lineTo(W, y - lh / 2); ctx.stroke(); }
    }
    ctx.fillStyle = "#fff"; ctx.fillRect(0, 0, W, ax);
    ctx.strokeStyle = "#d9dcde"; ctx.beginPath(); ctx.moveTo(0, ax - 0.5); ctx.lineTo(W, ax - 0.5); ctx.stroke();
    const step = niceStep(t1 - t0, W - gx);
    ctx.fillStyle = "#555"; ctx.font = font(11); ctx.textBaseline = "middle";
    for (let t = Math.ceil(t0 / step) * step; t <= t1; t += step) {
      const x = xOf(t);
      ctx.strokeStyle = "#c4c7c9"; ctx.beginPath(); ctx.moveTo(x, ax - 6); ctx.lineTo(x, ax); ctx.stroke();
      ctx.fillText(fmtTick(t, step), x + 3, ax / 2);
    }
    if (win) {  // outside the time window: greyed
      ctx.fillStyle = "rgba(120,120,120,.12)";
      if (win.t0 > t0) ctx.fillRect(gx, ax, xOf(win.t0) - gx, H - ax);
      if (win.t1 < t1) ctx.fillRect(xOf(win.t1), ax, W - xOf(win.t1), H - ax);
    }
    $("lod").hidden = stats.mode !== "counts";
    $("lod").textContent = stats.mode === "counts" ? `${(hi - lo).toLocaleString()} events in view: showing counts per pixel; zoom in to see messages` : "";
    updatePos();
  }

  function drawCounts(lo, hi) {
    const lh = laneH(), gx = gutter(), width = W - gx;
    const buckets = Math.max(1, Math.floor(width / 2));
    const counts = new Uint32Array(lanes.length * buckets);
    const drops = new Uint32Array(lanes.length * buckets);
    const span = t1 - t0;
    for (let i = lo; i < hi; i++) {
      if (!visible[i] || node[i] < 0) continue;
      const l = laneOf[node[i]];
      if (l < 0) continue;
      const b = Math.min(buckets - 1, Math.floor(((time[i] - t0) / span) * buckets));
      counts[l * buckets + b]++;
      if (kind[i] === K.drop) drops[l * buckets + b]++;
    }
    let max = 1;
    for (let j = 0; j < counts.length; j++) if (counts[j] > max) max = counts[j];
    for (let l = 0; l < lanes.length; l++) {
      const y = laneY(lanes[l]);
      if (y < axisH() - lh || y > H + lh) continue;
      for (let b = 0; b < buckets; b++) {
        const c = counts[l * buckets + b];
        if (!c) continue;
        const h = Math.max(1, (Math.log1p(c) / Math.log1p(max)) * (lh - 8));
        ctx.fillStyle = drops[l * buckets + b] ? "#d93025" : "#5f6ed0";
        ctx.fillRect(gx + b * 2, y + lh / 2 - 4 - h, 2, h);
      }
    }
    stats.dots = counts.reduce((a, b) => a + b, 0);
  }

  function arrowHead(x1, y1, x2, y2, size) {
    const a = Math.atan2(y2 - y1, x2 - x1);
    ctx.beginPath();
    ctx.moveTo(x2, y2);
    ctx.lineTo(x2 - size * Math.cos(a - 0.42), y2 - size * Math.sin(a - 0.42));
    ctx.lineTo(x2 - size * Math.cos(a + 0.42), y2 - size * Math.sin(a + 0.42));
    ctx.closePath(); ctx.fill();
  }
  function drawArrow(s, d, emphasis) {
    const x1 = xOf(time[s]), y1 = laneY(node[s]), x2 = xOf(time[d]), y2 = laneY(node[d]);
    const c = tagged[s] ? BYZANTINE : colourOf(name[s]);
    ctx.strokeStyle = c; ctx.fillStyle = c;
    ctx.lineWidth = emphasis ? 3 : tagged[s] ? 2 : 1.2;
    if (tagged[d]) ctx.setLineDash([4, 3]);
    ctx.beginPath(); ctx.moveTo(x1, y1); ctx.lineTo(x2, y2); ctx.stroke(); ctx.setLineDash([]);
    arrowHead(x1, y1, x2, y2, (emphasis ? 10 : 7) * scale());
    hits.push([x1, y1, x2, y2, d]);
    stats.arrows++;
    if (tagged[s]) stats.byzantine++;
    if (tagged[d]) stats.duplicates++;
  }
  function dropEnd(s, d) {
    // Where a drop shows: at its time, part of the way towards the destination.
    const x1 = xOf(time[s]), y1 = laneY(node[s]);
    const yDest = peer[s] >= 0 && laneOf[peer[s]] >= 0 ? laneY(peer[s]) : y1 + laneH();
    let x2 = xOf(time[d]);
    if (x2 - x1 < 16 * scale()) x2 = x1 + 16 * scale();
    return [x1, y1, x2, y1 + (yDest - y1) * 0.45];
  }
  function drawDrop(d, emphasis) {
    const s = link[d] >= 0 ? link[d] : d;
    const [x1, y1, x2, y2] = dropEnd(s, d);
    ctx.strokeStyle = "#d93025"; ctx.lineWidth = emphasis ? 3 : 1.2; ctx.setLineDash([3, 3]);
    ctx.beginPath(); ctx.moveTo(x1, y1); ctx.lineTo(x2, y2); ctx.stroke(); ctx.setLineDash([]);
    const r = 5 * scale();
    ctx.lineWidth = emphasis ? 3 : 2;
    ctx.beginPath(); ctx.moveTo(x2 - r, y2 - r); ctx.lineTo(x2 + r, y2 + r); ctx.moveTo(x2 + r, y2 - r); ctx.lineTo(x2 - r, y2 + r); ctx.stroke();
    if (cause[d] >= 0 && stats.window < 3000) {
      ctx.font = font(10); ctx.textBaseline = "middle";
      const label = S[cause[d]], w = ctx.measureText(label).width;
      const key = Math.round(y2 / 6);  // labels at about the same height must not overlap
      if (!(dropLabels.get(key) > x2 + r)) {
        ctx.fillStyle = "#b3261e"; ctx.fillText(label, x2 + r + 2, y2);
        dropLabels.set(key, x2 + r + 2 + w + 4);
      }
    }
    hits.push([x2, y2, d]);
    hits.push([x1, y1, x2, y2, d]);
    stats.drops++;
  }

  const typeCount = new Map();
  function drawEvents(lo, hi) {
    const lh = laneH();
    // Messages delivered in the window, including those sent before it; and those sent in it
    // and delivered after it (found by looking up to the longest flight past the window).
    const end = upperBound(t1 + maxFlight);
    const start = lowerBound(t0);
    for (let i = start; i < end; i++) {
      const k = kind[i];
      if (k !== K.deliver) continue;
      const s = link[i];
      if (s < 0 || !visible[i] || laneOf[node[i]] < 0 || laneOf[node[s]] < 0) continue;
      if (i >= hi && time[s] > t1) continue;
      if (!laneVisible(node[i]) && !laneVisible(node[s])) continue;
      drawArrow(s, i, false);
    }
    // Messages sent before the window and delivered after it.
    if (maxFlight > 0) {
      for (let i = lowerBound(t1); i < end; i++) {
        if (kind[i] !== K.deliver || link[i] < 0 || time[link[i]] >= t0 || !visible[i]) continue;
        if (laneOf[node[i]] < 0 || laneOf[node[link[i]]] < 0) continue;
        drawArrow(link[i], i, false);
      }
    }
    // Drops, sends never delivered, and every other event as a mark on its lane.
    const badges = [];
    for (let i = lo; i < hi; i++) {
      if (!visible[i] || node[i] < 0 || laneOf[node[i]] < 0 || !laneVisible(node[i])) continue;
      const k = kind[i];
      const x = xOf(time[i]), y = laneY(node[i]);
      if (k === K.drop) { drawDrop(i, false); continue; }
      if (k === K.deliver) continue;
      if (k === K.send) {
        if (deliveredAt[i] < 0 && droppedAt[i] < 0 && peer[i] >= 0 && laneOf[peer[i]] >= 0) {  // in flight when the run ended
          const yd = laneY(peer[i]);
          ctx.strokeStyle = colourOf(name[i]); ctx.setLineDash([2, 3]); ctx.lineWidth = 1;
          ctx.beginPath(); ctx.moveTo(x, y); ctx.lineTo(x + 30, y + (yd - y) * 0.3); ctx.stroke(); ctx.setLineDash([]);
          stats.inflight++;
        }
        ctx.fillStyle = tagged[i] ? BYZANTINE : colourOf(name[i]);
        ctx.fillRect(x - 1.5, y - 1.5, 3, 3);
        hits.push([x, y, i]);
        continue;
      }
      if (k === K.timer) {
        ctx.strokeStyle = "#9aa0a6"; ctx.lineWidth = 1;
        ctx.beginPath(); ctx.arc(x, y + lh * 0.28, 3 * scale(), 0, 7); ctx.stroke();
        hits.push([x, y + lh * 0.28, i]);
        stats.dots++;
        continue;
      }
      if (k === K.crash || k === K.restart) {
        ctx.fillStyle = k === K.crash ? "#d93025" : "#188038"; ctx.font = font(14, 700); ctx.textBaseline = "middle";
        ctx.fillText(k === K.crash ? "✖" : "▲", x - 5, y);
        hits.push([x, y, i]);
        stats.dots++;
        continue;
      }
      if (k === K.client) {
        const c = CLIENT_COLOURS[S[name[i]]] || "#555";
        ctx.fillStyle = c; ctx.fillRect(x - 3 * scale(), y - 3 * scale(), 6 * scale(), 6 * scale());
        hits.push([x, y, i]);
        stats.dots++;
        continue;
      }
      if (k === K.observe) {
        ctx.fillStyle = colourOf(name[i]);
        ctx.beginPath(); ctx.arc(x, y, 3 * scale(), 0, 7); ctx.fill();
        hits.push([x, y, i]);
        badges.push(i);
        stats.dots++;
      }
    }
    drawBadges(badges);
  }

  // Zoomed out, the story still shows (a leader elected, a decision): the observations the
  // protocol names as its story, and the kinds seen at most 64 times in the run.
  function drawRareBadges(lo, hi) {
    const list = [];
    for (let i = lo; i < hi && list.length < 4000; i++)
      if (kind[i] === K.observe && visible[i] && ((story[i] && typeCount.get(name[i]) <= 5000) || typeCount.get(name[i]) <= 64) && node[i] >= 0 && laneOf[node[i]] >= 0 && laneVisible(node[i])) list.push(i);
    drawBadges(list);
  }
  // Observation badges, rarest kinds first, never overlapping on a lane.
  function drawBadges(list) {
    if (list.length === 0) return;
    const placed = new Map();  // lane -> [[x0, x1]]
    list.sort((a, b) => (story[b] - story[a]) || (typeCount.get(name[a]) - typeCount.get(name[b])) || (a - b));
    ctx.font = font(10.5, 600); ctx.textBaseline = "middle";
    const lh = laneH();
    let drawn = 0;
    for (const i of list) {
      if (drawn >= 800) break;
      const full = S[name[i]];
      const short = full.includes(".") ? full.slice(full.indexOf(".") + 1) : full;
      const d = detail(i);
      let text = d ? short + (d ? " " + d : "") : short;
      if (text.length > 34) text = text.slice(0, 33) + "…";
      const w = ctx.measureText(text).width + 8;
      const x = Math.max(gutter() + 2, Math.min(W - w - 4, xOf(time[i]) - w / 2));
      const l = laneOf[node[i]];
      // Two rows of badges per lane: above the line, then below it.
      let y = -1;
      for (const [r, dy] of [[0, -0.27], [1, 0.27]]) {
        const row = placed.get(2 * l + r) || [];
        if (row.some(([a, b]) => x < b + 2 && x + w > a - 2)) continue;
        row.push([x, x + w]); placed.set(2 * l + r, row);
        y = laneY(node[i]) + lh * dy;
        break;
      }
      if (y < 0) continue;
      const c = colourOf(name[i]);
      ctx.fillStyle = "#fff"; ctx.strokeStyle = c; ctx.lineWidth = 1;
      roundRect(x, y - 7 * scale(), w, 14 * scale(), 4); ctx.fill(); ctx.stroke();
      ctx.fillStyle = c; ctx.fillText(text, x + 4, y);
      hits.push([x + w / 2, y, i]);
      drawn++;
      stats.badges++;
    }
  }
  function roundRect(x, y, w, h, r) {
    ctx.beginPath(); ctx.moveTo(x + r, y); ctx.arcTo(x + w, y, x + w, y + h, r); ctx.arcTo(x + w, y + h, x, y + h, r);
    ctx.arcTo(x, y + h, x, y, r); ctx.arcTo(x, y, x + w, y, r); ctx.closePath();
  }
  function drawSelected(i) {
    const k = kind[i];
    if (k === K.deliver && link[i] >= 0) drawArrow(link[i], i, true);
    else if (k === K.send && deliveredAt[i] >= 0) drawArrow(i, deliveredAt[i], true);
    else if (k === K.drop) drawDrop(i, true);
    else if (k === K.send && droppedAt[i] >= 0) drawDrop(droppedAt[i], true);
    if (node[i] >= 0 && laneOf[node[i]] >= 0) {
      const x = xOf(time[i]), y = laneY(node[i]);
      ctx.strokeStyle = "#1a73e8"; ctx.lineWidth = 2.5;
      ctx.beginPath(); ctx.arc(x, y, 7 * scale(), 0, 7); ctx.stroke();
    }
    stats.selection++;
  }

  // ---- selection, details, states -----------------------------------------------------
  function nodeName(v) { return v >= 0 && v < NN ? NAMES[v] : "-"; }
  function esc(s) { return String(s).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]); }
  function eventLine(i) {
    const k = KINDS[kind[i]], n = S[name[i]];
    switch (kind[i]) {
      case K.send: return `${nodeName(node[i])} → ${nodeName(peer[i])} ${n}`;
      case K.deliver: return `${nodeName(node[i])} ← ${nodeName(peer[i])} ${n}${tagged[i] ? " (duplicate)" : ""}`;
      case K.drop: return `${nodeName(node[i])} ✕ ${nodeName(peer[i])} ${n} dropped: ${cause[i] >= 0 ? S[cause[i]] : ""}`;
      case K.timer: return `${nodeName(node[i])} timer ${n}`;
      case K.fault: return `fault ${n}`;
      case K.clock: return `${nodeName(node[i])} clock ${n}`;
      case K.client: return `${nodeName(node[i])} ${n}`;
      default: return `${nodeName(node[i])} ${k}${k === n || !n ? "" : " " + n}`;
    }
  }
  function select(i, follow) {
    if (N === 0) return;
    sel = Math.max(0, Math.min(N - 1, i));
    $("slider").value = String(sel);
    if (follow !== false) keepInView(sel);
    draw();
    showDetails(sel);
    showStates(sel);
  }
  function keepInView(i) {
    const t = time[i], span = t1 - t0;
    if (t < t0 || t > t1) { t0 = t - span / 2; t1 = t + span / 2; }
    if (node[i] >= 0 && laneOf[node[i]] >= 0) {
      const y = laneY(node[i]);
      if (y < axisH() + 10 || y > H - 10) { vy += y - (axisH() + H) / 2; clampVy(); }
    }
  }
  function link_(i, text) { return `<a data-go="${i}">${esc(text)}</a>`; }
  async function showDetails(i) {
    const body = $("detail-body");
    const c = Math.floor(i / meta.chunk);
    await loadChunk(c);
    if (sel !== i) return;
    const k = kind[i];
    const rows = [["event", `#${i} ${KINDS[k]}`], ["time", fmt(time[i])]];
    if (node[i] >= 0) rows.push([k === K.deliver ? "at" : "node", nodeName(node[i])]);
    if (k === K.send || k === K.drop) rows.push(["to", nodeName(peer[i])]);
    if (k === K.deliver) rows.push(["from", nodeName(peer[i])]);
    if (S[name[i]]) rows.push([k === K.send || k === K.deliver || k === K.drop ? "type" : "name", S[name[i]]]);
    if (k === K.drop && cause[i] >= 0) rows.push(["dropped", S[cause[i]]]);
    if (k === K.send && tagged[i]) rows.push(["byzantine", "rewritten by a Byzantine fault"]);
    if (k === K.deliver && tagged[i]) rows.push(["duplicate", "a duplicated copy"]);
    let own = detail(i) || "";
    let html = `<div class="line">${esc(eventLine(i))}</div>`;
    if ((k === K.deliver || k === K.drop) && link[i] >= 0) {
      await loadChunk(Math.floor(link[i] / meta.chunk));
      if (sel !== i) return;
      rows.push(["sent", `${link_(link[i], "#" + link[i])} at ${fmt(time[link[i]])} (${fmt(time[i] - time[link[i]])} in flight)`]);
      own = detail(link[i]) || own;
    }
    if (k === K.send) {
      if (deliveredAt[i] >= 0) rows.push(["delivered", `${link_(deliveredAt[i], "#" + deliveredAt[i])} at ${fmt(time[deliveredAt[i]])}`]);
      else if (droppedAt[i] >= 0) rows.push(["dropped", `${link_(droppedAt[i], "#" + droppedAt[i])} at ${fmt(time[droppedAt[i]])}`]);
      else rows.push(["delivered", "never (in flight when the run ended)"]);
    }
    for (const [key, value] of fieldsOf(own)) rows.push([key, esc(value)]);
    html += "<table>" + rows.map(([a, b]) => `<tr><td>${esc(a)}</td><td class="v">${b}</td></tr>`).join("") + "</table>";
    if (meta.violation && meta.violation.event === i)
      html += `<div class="violation-box"><b>${esc(meta.violation.invariant)}</b>: ${esc(meta.violation.what)}</div>`;
    body.innerHTML = html;
  }
  // "k=v k2=[a b] k3={...}" -> [[k, v], ...]; text that is not in that form stays whole.
  function fieldsOf(text) {
    const out = [];
    if (!text) return out;
    let m = /^#\d+ ?/.exec(text);
    if (m) { out.push(["message id", m[0].trim()]); text = text.slice(m[0].length); }
    let i = 0;
    const keyRe = /^([A-Za-z_][\w.]*)=/;
    while (i < text.length) {
      const km = keyRe.exec(text.slice(i));
      if (!km) { out.push(["text", text.slice(i)]); break; }
      i += km[0].length;
      let depth = 0, j = i, quote = false;
      for (; j < text.length; j++) {
        const ch = text[j];
        if (quote) { if (ch === "\\") j++; else if (ch === '"') quote = false; continue; }
        if (ch === '"') quote = true;
        else if (ch === "[" || ch === "{" || ch === "(") depth++;
        else if (ch === "]" || ch === "}" || ch === ")") depth--;
        else if (ch === " " && depth <= 0 && keyRe.test(text.slice(j + 1))) break;
      }
      out.push([km[1], text.slice(i, j)]);
      i = j + 1;
    }
    return out;
  }
  // A handler's events: the one that woke it and what it emitted right after, at the same node
  // and time (tools/cli/trace_text.cc: handler_end). State records follow the last of them.
  function continuesHandler(p, j) {
    const k = kind[j];
    const output = k === K.send || k === K.observe || k === K.client || k === K.drop;
    return output && node[j] === node[p] && time[j] === time[p] && kind[p] !== K.crash && kind[p] !== K.fault;
  }
  function handlerEnd(i) { let j = i + 1; while (j < N && continuesHandler(j - 1, j)) j++; return j; }
  // Every node's state once the handler of event i has run: the snapshot at i's chunk, then
  // the events and state records up to the handler's end (which may be in the next chunk).
  async function stateAt(i) {
    const target = handlerEnd(i);
    const c = Math.floor(i / meta.chunk);
    const first = await loadChunk(c);
    const st = first.s.map((n) => ({ up: n.up, inc: n.inc, s: Object.assign({}, n.s) }));
    const changed = new Map();  // node -> keys the handler changed
    for (let cc = c; cc * meta.chunk < target || cc === c; cc++) {
      const chunk = cc === c ? first : await loadChunk(cc);
      const base = cc * meta.chunk;
      const changes = chunk.c;
      let ci = 0;
      while (ci < changes.length && changes[ci][0] <= base) ci++;  // already in the snapshot (or the previous chunk)
      for (let j = base; j < Math.min(target, base + meta.chunk); j++) {
        const v = node[j];
        if (v >= 0 && v < NN) {
          if (kind[j] === K.crash) st[v].up = false;
          if (kind[j] === K.restart) {
            st[v].up = true; st[v].s = {};
            const m = /incarnation=(\d+)/.exec(chunk.d[j - base] || "");
            if (m) st[v].inc = Number(m[1]);
          }
        }
        for (; ci < changes.length && changes[ci][0] <= j + 1; ci++) {
          const [after, who, ch] = changes[ci];
          for (const key in ch) { if (ch[key] === null) delete st[who].s[key]; else st[who].s[key] = ch[key]; }
          if (after === target) { const set = changed.get(who) || new Set(); for (const key in ch) set.add(key); changed.set(who, set); }
        }
      }
      if (cc * meta.chunk >= N) break;
    }
    return { st, changed, target };
  }
  function clockAt(v, i) {
    let label = "";
    for (const m of clockMarks) { if (m.i > i) break; if (m.node === v) label = m.offset; }
    return label;
  }
  function valueText(v) {
    if (typeof v === "string") return v;
    const s = JSON.stringify(v);
    return s.length > 400 ? s.slice(0, 399) + "…" : s;
  }
  async function showStates(i) {
    const { st, changed, target } = await stateAt(i);
    if (sel !== i) return;
    $("state-at").textContent = target - 1 > i ? `after #${i} and its handler, to #${target - 1} (${fmt(time[i])})` : `after #${i} (${fmt(time[i])})`;
    let html = "";
    for (const v of lanes) {
      const n = st[v];
      if (!n) continue;
      const keys = Object.keys(n.s).sort();
      const role = typeof n.s.role === "string" ? n.s.role : "";
      const rc = role ? roleColour(role) : null;
      const clock = clockAt(v, i);
      html += `<div class="node-state${n.up ? "" : " down"}" data-node="${v}"><div class="head">${esc(NAMES[v])}` +
        (role ? ` <span class="role" style="background:${rc || "#fff"}">${esc(role)}</span>` : "") +
        `<span class="note">${n.up ? "" : "down"}${n.inc ? " · incarnation " + n.inc : ""}${clock ? " · clock " + esc(clock) : ""}</span></div>`;
      if (keys.length) {
        const ch = changed.get(v);
        html += "<table>" + keys.map((k) => `<tr${ch && ch.has(k) ? ' class="changed"' : ""}><td>${esc(k)}</td><td class="v">${esc(valueText(n.s[k]))}</td></tr>`).join("") + "</table>";
      }
      html += "</div>";
    }
    if (!html) html = '<div class="note">No state records in this trace (written with --no-state?).</div>';
    $("state-body").innerHTML = html;
  }
  function updatePos() {
    $("pos").textContent = sel >= 0 ? `#${sel} / ${N} · ${fmt(time[sel])}` : `${N} events · ${fmt(endNs)}`;
  }
  function step(dir, count) {
    let i = sel < 0 ? (dir > 0 ? -1 : N) : sel;
    let moved = 0, last = sel;
    while (moved < count) {
      i += dir;
      if (i < 0 || i >= N) break;
      if (visible[i]) { last = i; moved++; }
    }
    if (last >= 0 && last !== sel) select(last);
  }

  // ---- filters UI ---------------------------------------------------------------------
  function buildFilters() {
    const nodeList = $("node-list");
    nodeList.innerHTML = NAMES.map((n, v) => `<label><input type="checkbox" data-node="${v}" checked> ${esc(n)}${v >= meta.servers ? ' <span class="count">client</span>' : ""}</label>`).join("");
    // Counted by number first (kind and name), turned into "kind:name" keys once each.
    const byNumber = new Map(), perName = new Uint32Array(S.length);
    for (let i = 0; i < N; i++) {
      const k = kind[i] === K.deliver || kind[i] === K.drop ? K.send : kind[i];
      const key = k * 1048576 + name[i];
      byNumber.set(key, (byNumber.get(key) || 0) + 1);
      perName[name[i]]++;
    }
    for (let n = 0; n < S.length; n++) if (perName[n]) typeCount.set(n, perName[n]);
    const counts = new Map();
    for (const [key, c] of byNumber) {
      const text = KINDS[Math.floor(key / 1048576)] + ":" + S[key % 1048576];
      counts.set(text, (counts.get(text) || 0) + c);
    }
    const groups = [["send", "messages"], ["observe", "observations"], ["timer", "timers"], ["client", "client events"],
      ["crash", "crashes"], ["restart", "restarts"], ["fault", "faults"], ["clock", "clock changes"]];
    let html = "";
    for (const [k, label] of groups) {
      const keys = [...counts.keys()].filter((key) => key.startsWith(k + ":")).sort();
      if (!keys.length) continue;
      html += `<div class="kind">${label}</div>`;
      for (const key of keys) {
        const n = key.slice(k.length + 1);
        const sw = k === "send" || k === "observe" ? `<span class="swatch" style="background:${colourOf(S.indexOf(n))}"></span>` : "";
        html += `<label title="${esc(key)}"><input type="checkbox" data-type="${esc(key)}" checked>${sw} ${esc(n || k)}<span class="count">${counts.get(key)}</span></label>`;
      }
    }
    $("type-list").innerHTML = html;
    $("legend").innerHTML = [
      ["#5f6ed0", "message: arrow from send to delivery, coloured by type"], [BYZANTINE, "message rewritten by a Byzantine fault"],
      ["#d93025", "drop (✕, with its cause when zoomed in)"], ["#c9cccf", "node down (crashed)"],
      ["#f9c74f", "role: leader / coordinator"], ["#c77dff", "role: candidate"], ["rgba(255,152,0,.5)", "partition"],
      ["rgba(233,30,99,.5)", "cut link / omission"], ["#0277bd", "clock jump or drift change"],
      ["#1a73e8", "client invoke"], ["#188038", "client ok"], ["#e37400", "client info (unknown)"],
    ].map(([c, t]) => `<div><span class="swatch" style="background:${c}"></span> ${esc(t)}</div>`).join("") +
      '<div>○ timer · ● observation (badge when there is room) · dashed arrow: duplicate</div>';
  }
  function onFilterChange() {
    recomputeVisible();
    draw();
  }
  let hideTimer = 0;
  async function applyHideText(text) {
    hideText = text;
    hidden.fill(0);
    if (!text) { $("hide-status").textContent = ""; onFilterChange(); return; }
    const total = meta.chunks.length;
    $("hide-status").textContent = "reading event texts…";
    for (let c = 0; c < total; c++) {
      await loadChunk(c);
      if (hideText !== text) return;
      applyHideToChunk(c, chunks.get(c));
      if (c % 16 === 15) $("hide-status").textContent = `reading event texts… ${Math.round((100 * c) / total)}%`;
    }
    let n = 0;
    for (let i = 0; i < N; i++) n += hidden[i];
    $("hide-status").textContent = `${n} events hidden`;
    onFilterChange();
  }
  function parseMs(s) {
    s = s.trim();
    if (!s) return null;
    const m = /^(-?\d+(?:\.\d+)?)\s*(ns|us|µs|ms|s)?$/.exec(s);
    if (!m) return NaN;
    const f = { ns: 1, us: 1e3, "µs": 1e3, ms: 1e6, s: 1e9 }[m[2] || "ms"];
    return Number(m[1]) * f;
  }

  // ---- history (Porcupine-style) --------------------------------------------------------
  let history = null;
  let historyKey = null;
  const hcanvas = $("hcanvas");
  const hctx = hcanvas.getContext("2d");
  let hhits = [];
  async function openHistory() {
    if (!meta.history) return;
    $("history").hidden = false;
    if (!history) {
      history = JSON.parse(await inflateText(base64Bytes($("dsim-history").textContent)));
      const keys = [...new Set(history.ops.map((o) => o[5]))].sort();
      const cx = history.counterexample;
      historyKey = cx ? cx.key : "";
      $("history-key").innerHTML = `<option value="">all keys</option>` + keys.filter((k) => k !== "").map((k) => `<option${k === historyKey ? " selected" : ""}>${esc(k)}</option>`).join("");
      $("history-sub").textContent = `${history.ops.length} operations, model ${history.model}` +
        (cx ? ` · not linearizable on key ${JSON.stringify(cx.key)}` : history.unchecked ? " · " + history.unchecked : "");
    }
    drawHistory();
  }
  function drawHistory() {
    const r = hcanvas.getBoundingClientRect();
    const w = Math.max(200, r.width), h = Math.max(100, r.height), d = window.devicePixelRatio || 1;
    hcanvas.width = Math.round(w * d); hcanvas.height = Math.round(h * d);
    const g = hctx;
    g.setTransform(d, 0, 0, d, 0, 0); g.clearRect(0, 0, w, h);
    hhits = [];
    const cx = history.counterexample;
    const ops = history.ops.filter((o) => !historyKey || o[5] === historyKey);
    const blocked = cx ? cx.blocked : -1;
    const prefixAt = new Map();
    if (cx) cx.prefix.forEach((line, k) => prefixAt.set(line, k + 1));
    const concurrent = new Map(cx ? cx.concurrent.map(([line, legal]) => [line, legal]) : []);
    // Time range: around the violation when there is one, else all.
    let lo = Infinity, hi = -Infinity;
    for (const o of ops) { lo = Math.min(lo, time[o[1]]); hi = Math.max(hi, o[2] >= 0 ? time[o[2]] : endNs); }
    if (cx && ops.length > 60) {
      // Around the violation: the stuck operation, those concurrent with it and the last eight
      // of the linearizable prefix (the ones the text below lists).
      const near = new Set([blocked, ...concurrent.keys(), ...cx.prefix.slice(-8)]);
      lo = Infinity; hi = -Infinity;
      for (const o of ops) {
        if (!near.has(o[1])) continue;
        lo = Math.min(lo, time[o[1]]);
        hi = Math.max(hi, o[2] >= 0 ? time[o[2]] : time[o[1]]);
      }
      const pad = (hi - lo) * 0.08 + 1e5; lo -= pad; hi += pad;
    }
    if (!(hi > lo)) { lo = 0; hi = Math.max(1, endNs); }
    const procs = [...new Set(ops.map((o) => o[0]))].sort((a, b) => a - b);
    const gx = Math.round(80 * scale()), top = 30, rowH = Math.max(18, Math.min(40 * scale(), (h - top - 10) / Math.max(1, procs.length)));
    const X = (t) => gx + ((t - lo) / (hi - lo)) * (w - gx - 10);
    g.font = font(12, 600); g.textBaseline = "middle";
    procs.forEach((p, row) => {
      const y = top + row * rowH;
      g.fillStyle = row % 2 ? "#f6f7f8" : "#fff"; g.fillRect(0, y, w, rowH);
      g.fillStyle = "#1d2327"; g.fillText(history.processes[p] || "p" + p, 6, y + rowH / 2, gx - 10);
    });
    const step = niceStep(hi - lo, w - gx);
    g.fillStyle = "#555"; g.font = font(11);
    for (let t = Math.ceil(lo / step) * step; t <= hi; t += step) { const x = X(t); g.fillRect(x, top - 6, 1, 6); g.fillText(fmtTick(t, step), x + 3, top / 2); }
    g.font = font(11, 600);
    let shown = 0;
    for (const o of ops) {
      const [p, inv, comp, status, f, key, input, output, by] = o;
      const ta = time[inv], tb = comp >= 0 ? time[comp] : endNs;
      if (tb < lo || ta > hi) continue;
      const row = procs.indexOf(p), y = top + row * rowH + 3, bh = rowH - 6;
      const x0 = Math.max(gx, X(ta)), x1 = Math.min(w - 10, Math.max(X(tb), X(ta) + 2));
      let fill = status === "ok" ? "#cdeed6" : status === "fail" ? "#e3e5e8" : "#ffe0b2";
      let stroke = status === "ok" ? "#188038" : status === "fail" ? "#80868b" : "#e37400";
      if (prefixAt.has(inv)) { stroke = "#1a73e8"; }
      if (inv === blocked) { fill = "#f6aea9"; stroke = "#d93025"; }
      g.fillStyle = fill; g.fillRect(x0, y, x1 - x0, bh);
      g.strokeStyle = stroke; g.lineWidth = inv === blocked ? 3 : prefixAt.has(inv) ? 2 : 1;
      if (concurrent.has(inv) && inv !== blocked) g.setLineDash([4, 2]);
      g.strokeRect(x0, y, x1 - x0, bh); g.setLineDash([]);
      const label = `${f}${key ? " " + key : ""}${input !== null && input !== undefined ? " " + JSON.stringify(input) : ""}` +
        (status === "ok" && output !== null && output !== undefined ? " → " + JSON.stringify(output) : status && status !== "ok" ? " → " + status : "") +
        (by ? " · " + by : "");
      g.fillStyle = "#1d2327"; g.save(); g.beginPath(); g.rect(x0, y, x1 - x0, bh); g.clip();
      g.fillText((prefixAt.has(inv) ? prefixAt.get(inv) + ". " : "") + label, x0 + 3, y + bh / 2); g.restore();
      hhits.push([x0, y, x1, y + bh, o]);
      shown++;
    }
    // The stuck operation's label in full, below its bar.
    const stuck = hhits.find((hh) => hh[4][1] === blocked);
    if (stuck) {
      const o = stuck[4];
      const text = `cannot be linearized: ${history.processes[o[0]]} ${o[4]} ${o[5]}${o[6] === null ? "" : " " + JSON.stringify(o[6])}` +
        ` → ${o[3]}${o[7] === null ? "" : " " + JSON.stringify(o[7])}${o[8] ? " (answered by " + o[8] + ")" : ""}`;
      g.font = font(12, 700);
      const tw = g.measureText(text).width;
      const tx = Math.max(gx + 2, Math.min(w - tw - 12, stuck[0]));
      g.fillStyle = "#fff"; g.fillRect(tx - 3, stuck[3] + 2, tw + 6, 16 * scale());
      g.fillStyle = "#d93025"; g.textBaseline = "top"; g.fillText(text, tx, stuck[3] + 3);
      g.textBaseline = "middle";
    }
    if (cx) {
      g.font = font(11); g.fillStyle = "#5f6368";
      g.fillText(`blue outline, numbered: the longest linearizable prefix (${cx.prefix.length} ops), in linearization order · red: the operation that cannot follow it · dashed: the operations concurrent with it`,
        gx, Math.min(top + procs.length * rowH + 34 * scale(), h - 10));
    }
    window.dsimView.historyStats = { ops: ops.length, shown, blocked, prefix: cx ? cx.prefix.length : 0, processes: procs.length };
    $("history-info").innerHTML = cx ? esc(cx.text) + "\n" + `<a data-go="${blocked}">select the blocked operation's invocation in the diagram</a>` :
      history.unchecked ? esc(history.unchecked) : `The run's linearizable invariant: ${esc(history.verdict)}. No counterexample to show.`;
  }
  hcanvas.addEventListener("click", (e) => {
    const r = hcanvas.getBoundingClientRect(), x = e.clientX - r.left, y = e.clientY - r.top;
    const hit = hhits.find(([a, b, c, d]) => x >= a && x <= c && y >= b && y <= d);
    if (!hit) return;
    const [p, inv, comp, status, f, key, input, output, by] = hit[4];
    $("history-info").innerHTML = esc(`${history.processes[p]} ${f} ${key} ${JSON.stringify(input)} -> ${status || "pending"} ${output === null ? "" : JSON.stringify(output)}` +
      ` (${fmt(time[inv])} to ${comp >= 0 ? fmt(time[comp]) : "never"}${by ? ", answered by " + by : ""})`) + `\n<a data-go="${inv}">select its invocation (#${inv})</a>`;
  });

  // ---- input --------------------------------------------------------------------------
  function zoom(factor, atX) {
    const tm = atX === undefined ? (sel >= 0 && time[sel] >= t0 && time[sel] <= t1 ? time[sel] : (t0 + t1) / 2) : tOf(atX);
    const span = Math.max(1000, (t1 - t0) * factor);
    const f = (tm - t0) / (t1 - t0);
    t0 = tm - f * span; t1 = t0 + span;
    draw();
  }
  function pan(frac) { const d = (t1 - t0) * frac; t0 += d; t1 += d; draw(); }
  function fit() {
    if (win) { t0 = win.t0; t1 = win.t1; } else { t0 = 0; t1 = Math.max(1, endNs); }
    const pad = (t1 - t0) * 0.01; t0 -= pad; t1 += pad;
    draw();
  }
  function goViolation() {
    if (!meta.violation || meta.violation.event === undefined) return;
    const v = meta.violation.event;
    // About 100 events around it, more of them before.
    const a = time[Math.max(0, v - 60)], b = time[Math.min(N - 1, v + 40)];
    const span = Math.max(b - a, 2e6);
    t0 = time[v] - span * 0.55; t1 = time[v] + span * 0.45;
    select(v);
  }
  function toggleLarge() {
    large = !large;
    document.body.classList.toggle("large", large);
    $("btn-large").classList.toggle("on", large);
    clampVy();
    resize();
    if (!$("history").hidden) drawHistory();
  }
  function hitAt(x, y) {
    let best = -1, bestD = 8 * scale();
    for (const h of hits) {
      let dist;
      if (h.length === 3) dist = Math.hypot(h[0] - x, h[1] - y) - 2;  // points win ties
      else {
        const [x1, y1, x2, y2] = h, dx = x2 - x1, dy = y2 - y1, l2 = dx * dx + dy * dy;
        const u = l2 ? Math.max(0, Math.min(1, ((x - x1) * dx + (y - y1) * dy) / l2)) : 0;
        dist = Math.hypot(x1 + u * dx - x, y1 + u * dy - y);
      }
      if (dist < bestD) { bestD = dist; best = h[h.length - 1]; }
    }
    return best;
  }
  let drag = null;
  canvas.addEventListener("mousedown", (e) => { drag = { x: e.clientX, y: e.clientY, t0, t1, vy, moved: false }; canvas.focus(); });
  window.addEventListener("mousemove", (e) => {
    const r = canvas.getBoundingClientRect();
    if (drag) {
      const dx = e.clientX - drag.x, dy = e.clientY - drag.y;
      if (Math.abs(dx) + Math.abs(dy) > 3) { drag.moved = true; canvas.classList.add("dragging"); }
      if (drag.moved) {
        const dt = (dx / (W - gutter() - 8)) * (drag.t1 - drag.t0);
        t0 = drag.t0 - dt; t1 = drag.t1 - dt; vy = drag.vy - dy; clampVy(); draw();
      }
      return;
    }
    const x = e.clientX - r.left, y = e.clientY - r.top;
    const tip = $("tip");
    if (x < 0 || y < 0 || x > r.width || y > r.height) { tip.hidden = true; return; }
    const i = hitAt(x, y);
    if (i < 0) { tip.hidden = true; return; }
    const d = kind[i] === K.deliver || kind[i] === K.drop ? (link[i] >= 0 ? detail(link[i]) : null) : detail(i);
    tip.textContent = `#${i} ${fmt(time[i])}\n${eventLine(i)}${d ? "\n" + (d.length > 300 ? d.slice(0, 299) + "…" : d) : ""}`;
    tip.hidden = false;
    tip.style.left = Math.min(x + 14, r.width - 320) + "px"; tip.style.top = Math.min(y + 14, r.height - 60) + "px";
  });
  window.addEventListener("mouseup", (e) => {
    if (!drag) return;
    const moved = drag.moved;
    drag = null; canvas.classList.remove("dragging");
    if (moved) return;
    const r = canvas.getBoundingClientRect();
    const i = hitAt(e.clientX - r.left, e.clientY - r.top);
    if (i >= 0) select(i, false);
  });
  canvas.addEventListener("wheel", (e) => {
    e.preventDefault();
    const r = canvas.getBoundingClientRect();
    if (e.shiftKey) { vy += e.deltaY; clampVy(); draw(); return; }
    zoom(Math.exp(e.deltaY * 0.0015), e.clientX - r.left);
  }, { passive: false });
  window.addEventListener("keydown", (e) => {
    if (e.target instanceof HTMLInputElement && e.target.type === "text") return;
    if (e.target instanceof HTMLSelectElement) return;
    const k = e.key;
    if (k === "Escape") { $("history").hidden = true; $("help").hidden = true; return; }
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    const handled = true;
    if (k === "ArrowRight") step(1, e.shiftKey ? 10 : 1);
    else if (k === "ArrowLeft") step(-1, e.shiftKey ? 10 : 1);
    else if (k === "Home") { sel = -1; step(1, 1); }
    else if (k === "End") { sel = N; step(-1, 1); }
    else if (k === "+" || k === "=" || k === "w" || k === "W") zoom(0.6);
    else if (k === "-" || k === "_" || k === "s" || k === "S") zoom(1 / 0.6);
    else if (k === "a" || k === "A") pan(-0.2);
    else if (k === "d" || k === "D") pan(0.2);
    else if (k === "f" || k === "F") fit();
    else if (k === "v" || k === "V") goViolation();
    else if (k === "h" || k === "H") { if ($("history").hidden) openHistory(); else $("history").hidden = true; }
    else if (k === "l" || k === "L") toggleLarge();
    else if (k === "?") $("help").hidden = !$("help").hidden;
    else if (k === "Enter" && sel >= 0) { const span = t1 - t0; t0 = time[sel] - span / 2; t1 = time[sel] + span / 2; draw(); }
    else return;
    if (handled) e.preventDefault();
  });
  document.addEventListener("click", (e) => {
    const a = e.target.closest && e.target.closest("[data-go]");
    if (!a) return;
    $("history").hidden = true;
    const i = Number(a.dataset.go);
    const span = t1 - t0;
    t0 = time[i] - span / 2; t1 = time[i] + span / 2;
    select(i);
  });
  $("node-list").addEventListener("change", (e) => {
    const v = Number(e.target.dataset.node);
    nodeOn[v] = e.target.checked ? 1 : 0;
    layoutLanes(); clampVy(); onFilterChange();
  });
  $("type-list").addEventListener("change", (e) => { typeOn.set(e.target.dataset.type, e.target.checked); onFilterChange(); });
  const setAll = (sel_, attr, on) => {
    for (const b of document.querySelectorAll(sel_)) {
      b.checked = on;
      if (attr === "node") nodeOn[Number(b.dataset.node)] = on ? 1 : 0; else typeOn.set(b.dataset.type, on);
    }
    layoutLanes(); clampVy(); onFilterChange();
  };
  $("nodes-all").onclick = () => setAll("#node-list input", "node", true);
  $("nodes-none").onclick = () => setAll("#node-list input", "node", false);
  $("types-all").onclick = () => setAll("#type-list input", "type", true);
  $("types-none").onclick = () => setAll("#type-list input", "type", false);
  $("hide-beats").addEventListener("change", (e) => { hideBeats = e.target.checked; onFilterChange(); });
  $("hide-text").addEventListener("input", (e) => { clearTimeout(hideTimer); hideTimer = setTimeout(() => applyHideText(e.target.value), 300); });
  $("win-apply").onclick = () => {
    const a = parseMs($("win-from").value), b = parseMs($("win-to").value);
    if (Number.isNaN(a) || Number.isNaN(b)) { $("win-status").textContent = "times are numbers, in ms unless given (ns, us, ms, s)"; return; }
    const from = a === null ? 0 : a, to = b === null ? endNs : b;
    if (!(to > from)) { $("win-status").textContent = "the window must end after it starts"; return; }
    win = { t0: from, t1: to };
    $("win-status").textContent = `${fmt(from)} to ${fmt(to)}`;
    recomputeVisible(); fit();
  };
  $("win-clear").onclick = () => { win = null; $("win-status").textContent = ""; $("win-from").value = ""; $("win-to").value = ""; recomputeVisible(); fit(); };
  $("slider").addEventListener("input", (e) => select(Number(e.target.value)));
  $("btn-prev").onclick = () => step(-1, 1);
  $("btn-next").onclick = () => step(1, 1);
  $("btn-fit").onclick = fit;
  $("btn-violation").onclick = goViolation;
  $("btn-history").onclick = openHistory;
  $("btn-large").onclick = toggleLarge;
  $("btn-help").onclick = () => { $("help").hidden = false; };
  $("help-close").onclick = () => { $("help").hidden = true; };
  $("history-close").onclick = () => { $("history").hidden = true; };
  $("history-key").addEventListener("change", (e) => { historyKey = e.target.value; drawHistory(); });
  window.addEventListener("resize", () => { resize(); if (!$("history").hidden) drawHistory(); });

  // ---- start --------------------------------------------------------------------------
  window.dsimView = {
    meta, stats, ready: false,
    selected: () => sel,
    window: () => [t0, t1],
    visibleCount: () => { let n = 0; for (let i = 0; i < N; i++) n += visible[i]; return n; },
    kindOf: (i) => KINDS[kind[i]],
    nameOf: (i) => S[name[i]],
    timeOf: (i) => time[i],
    select: (i) => select(i),
    stateText: () => $("state-body").innerText,
    // Where event i is drawn, in the page's CSS pixels (null when its lane is hidden): what a
    // click there selects.
    pointOf: (i) => {
      if (node[i] < 0 || laneOf[node[i]] < 0) return null;
      const r = canvas.getBoundingClientRect();
      return [r.left + xOf(time[i]), r.top + laneY(node[i])];
    },
    detailText: () => $("detail-body").innerText,
    historyStats: null,
  };
  async function start() {
    const t = performance.now();
    const phases = {};
    const mark = (what) => { phases[what] = Math.round(performance.now()); };
    mark("script");
    $("title").textContent = meta.title;
    $("subtitle").textContent = `${meta.protocol} · ${N.toLocaleString()} events · ${fmt(endNs)} · digest ${meta.digest}`;
    $("subtitle").title = meta.description || "";
    $("verdicts").innerHTML = meta.verdicts.map((v) => `<span class="chip ${v.verdict}" title="${esc(v.what || v.detail || "")}">${esc(v.name)}</span>`).join("");
    $("btn-violation").disabled = !(meta.violation && meta.violation.event !== undefined);
    $("btn-history").disabled = !meta.history;
    const columns = base64Bytes($("dsim-columns").textContent);
    mark("base64");
    const inflated = await inflate(columns);
    mark("inflate");
    decodeColumns(inflated);
    mark("columns");
    deriveSpans();
    buildFilters();
    layoutLanes();
    mark("filters");
    $("slider").max = String(Math.max(0, N - 1));
    $("loading").hidden = true;
    resize();
    // Options in the address, for a lecturer's bookmark: run.html#large&nobeats&at=4168.
    const opts = new URLSearchParams(location.hash.slice(1));
    if (opts.has("large")) toggleLarge();
    if (opts.has("nobeats")) { hideBeats = true; $("hide-beats").checked = true; recomputeVisible(); }
    if (meta.violation && meta.violation.event !== undefined) goViolation(); else fit();
    if (opts.has("at") && /^\d+$/.test(opts.get("at")) && Number(opts.get("at")) < N) {
      const i = Number(opts.get("at")), span = t1 - t0;
      t0 = time[i] - span / 2; t1 = time[i] + span / 2;
      select(i);
    }
    if (meta.violation && meta.violation.event === undefined)
      $("detail-body").innerHTML = `<div class="violation-box"><b>${esc(meta.violation.invariant)}</b> (found at the end of the run): ${esc(meta.violation.what)}</div>`;
    mark("drawn");
    window.dsimView.phases = phases;
    window.dsimView.ready = true;
    window.dsimView.readyMs = performance.now();
    window.dsimView.loadMs = performance.now() - t;
    document.body.dataset.ready = "1";
  }
  start().catch((e) => {
    $("loading").textContent = "This page could not read its run: " + e.message + " (a browser without DecompressionStream? Chromium 80+, Firefox 113+, Safari 16.4+)";
    window.dsimView.error = String(e);
  });
})();
