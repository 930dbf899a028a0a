// The console's page and its script, served by console.ts. Plain DOM, no framework, no outside
// resources (the CSP forbids them). Everything from the gateways is untrusted: it goes in as text only.

export const CONSOLE_HTML = `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>九小场所监管平台 county platform</title>
<style>
body { font-family: "WenQuanYi Zen Hei", "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; margin: 0; background: #f4f5f7; color: #1d2330; }
header { background: #1d3557; color: #fff; padding: 10px 16px; display: flex; gap: 24px; align-items: baseline; flex-wrap: wrap; }
header h1 { font-size: 20px; margin: 0; }
main { display: grid; grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); gap: 12px; padding: 12px; }
section { background: #fff; border-radius: 6px; padding: 10px 12px; box-shadow: 0 1px 2px #0002; }
h2 { font-size: 16px; margin: 0 0 8px; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { text-align: left; padding: 4px 6px; border-bottom: 1px solid #e3e5ea; vertical-align: top; }
tr.sel { background: #fff3c4; }
.risk-red { background: #d62828; color: #fff; } .risk-orange { background: #f77f00; color: #fff; }
.risk-yellow { background: #fcbf49; } .risk-blue { background: #3a86ff; color: #fff; }
.chip { padding: 1px 6px; border-radius: 8px; white-space: nowrap; }
.online { color: #2a9d8f; } .offline { color: #999; } .silent { color: #e76f51; }
.alarm { color: #d62828; font-weight: bold; } .warning { color: #f77f00; } .fault { color: #6c757d; }
button { margin: 1px; font-size: 12px; }
#live { max-height: 220px; overflow: auto; font-size: 12px; margin: 0; padding-left: 18px; }
#timeline li { margin-bottom: 4px; font-size: 13px; }
#rolloutForm { display: flex; flex-wrap: wrap; gap: 8px; font-size: 12px; margin-bottom: 6px; }
#rolloutBoxes { max-height: 240px; overflow: auto; display: block; }
.bar { display: inline-block; height: 8px; background: #2a9d8f; vertical-align: middle; }
.bar.failed { background: #d62828; }
.muted { color: #777; font-size: 12px; }
</style>
</head>
<body>
<header>
 <h1>九小场所 县级监管平台 <small>county platform</small></h1>
 <span id="conn">连接中 connecting…</span>
 <span id="intake"></span>
 <label>值班员 operator <input id="by" size="12" value="值班员"></label>
</header>
<main>
 <div>
  <section id="scenarios" hidden>
   <h2>模拟场景 simulated venue <span class="muted">演示 demo: the simulator stands in for the venue's sensors</span></h2>
   <div id="scenarioButtons"></div>
  </section>
  <section>
   <h2>未结案件 open cases <span id="caseCount" class="muted"></span></h2>
   <div id="townships" class="muted"></div>
   <table id="cases"><thead><tr><th>案件 case</th><th>场所 venue</th><th>报警 alarm</th><th>层级 level</th><th>状态 status</th><th>部门 department</th><th>操作 actions</th></tr></thead><tbody></tbody></table>
  </section>
  <section id="rolloutSection">
   <h2>升级与配置下发 rollouts <span id="rolloutCount" class="muted"></span></h2>
   <form id="rolloutForm" hidden>
    <label>内容 what <select id="kind"><option value="software">软件 software</option><option value="config">配置 config</option></select></label>
    <label data-kind="software">版本 release <select id="release"></select></label>
    <label data-kind="config" hidden>名称 version <input id="cfgVersion" size="14"></label>
    <label data-kind="config" hidden>修改 change <textarea id="cfgSet" rows="2" cols="44" placeholder="devices[kitchen-gas].channels.lel.warning = 8"></textarea></label>
    <label>分批 waves <input id="waves" value="0.01, 0.1, 1" size="12"></label>
    <label>速率 offers/s <input id="rate" value="50" size="4"></label>
    <label>失败中止 abort % <input id="abortPct" value="5" size="3"></label>
    <label>至少应答 after <input id="minAnswered" value="10" size="4"></label>
    <button id="startRollout" type="submit">开始下发 start rollout</button>
    <span id="rolloutMsg" class="muted"></span>
   </form>
   <table id="rollouts"><thead><tr><th>批次 rollout</th><th>内容 what</th><th>状态 state</th><th>波次 wave</th><th>保持 kept</th><th>失败 failed</th><th>进行中 under way</th><th>等待 waiting</th><th>失败率 failure</th></tr></thead><tbody></tbody></table>
   <div id="rolloutReason" class="muted"></div>
   <table id="rolloutBoxes"><tbody></tbody></table>
  </section>
  <section>
   <h2>场所 venues <span id="venueCount" class="muted"></span></h2>
   <table id="venues"><thead><tr><th>场所 venue</th><th>风险 risk</th><th>乡镇 township</th><th>网关 gateway</th><th>下次核查 inspection due</th><th></th></tr></thead><tbody></tbody></table>
  </section>
 </div>
 <div>
  <section>
   <h2>案件经过 case timeline <span id="tlCase" class="muted"></span></h2>
   <ol id="timeline"><li class="muted">点击案件查看 click a case</li></ol>
  </section>
  <section>
   <h2>动态 live</h2>
   <ul id="live"></ul>
  </section>
  <section>
   <h2>协议违规 contract violations <span id="violCount" class="muted"></span></h2>
   <table id="violations"><tbody></tbody></table>
  </section>
 </div>
</main>
<script src="/console.js"></script>
</body>
</html>
`;

export const CONSOLE_JS = `'use strict';
const RISK = { red: '红 高风险', orange: '橙 较高风险', yellow: '黄 一般风险', blue: '蓝 低风险' };
const STATE = { warning: '预警 warning', alarm: '报警 alarm', fault: '故障 fault', normal: '已恢复 cleared' };
const STATUS = { assigned: '已分派乡镇 assigned', acknowledged: '已确认 acknowledged', escalated: '已上报县中心 escalated', closed: '已结案 closed' };
const GW = { online: '在线 online', silent: '无心跳 silent', offline: '离线 offline' };
let selected = null;
const byInput = document.getElementById('by');
byInput.value = localStorage.getItem('jx-by') || byInput.value;
byInput.addEventListener('change', () => localStorage.setItem('jx-by', byInput.value));

function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = String(text);
  if (cls) e.className = cls;
  return e;
}
function time(ms) { return ms ? new Date(ms).toLocaleString('zh-CN', { hour12: false }) : '—'; }
function day(ms) { return new Date(ms).toLocaleDateString('zh-CN'); }

async function act(no, action) {
  let text = '';
  if (action === 'close') {
    text = prompt('处置结果 disposition (what was found and done):') || '';
    if (!text.trim()) return;
  }
  if (action === 'escalate') text = prompt('上报原因 why the township cannot solve it:') || '';
  const r = await fetch('/api/cases/' + no + '/' + action, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ by: byInput.value, text }) });
  const body = await r.json();
  if (!r.ok) alert(body.error);
  selected = no;
  refresh();
}

async function inspected(id) {
  const r = await fetch('/api/venues/' + encodeURIComponent(id) + '/inspected', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
  if (!r.ok) alert((await r.json()).error);
  refresh();
}

function showTimeline(c) {
  const ol = document.getElementById('timeline');
  ol.replaceChildren();
  document.getElementById('tlCase').textContent = c ? c.no + ' · ' + c.venueId + ' · ' + c.device + '/' + c.channel : '';
  if (!c) return;
  for (const s of c.timeline) {
    const li = el('li');
    li.append(el('b', s.kind), ' ', el('span', time(s.at), 'muted'), ' ', el('span', s.by, 'muted'), el('div', s.text));
    ol.append(li);
  }
  if (c.disposition) ol.append(el('li', '处置 disposition: ' + c.disposition));
}

async function refresh() {
  const o = await (await fetch('/api/overview')).json();
  document.getElementById('conn').textContent = o.connected ? '已连接 connected' : '未连接 not connected';
  document.getElementById('intake').textContent = '网关 gateways ' + o.gateways.online + '/' + o.gateways.total + ' 在线 online · ' +
    o.intake.ratePerS.toFixed(1) + ' msg/s · 重复 duplicates ' + o.intake.duplicates + ' · 丢失 lost ' + o.intake.lost + ' · 违规 violations ' + o.intake.violations +
    (o.intake.alarmLatencyMs.n ? ' · 报警→立案 alarm→case p50 ' + o.intake.alarmLatencyMs.p50 + ' ms p99 ' + o.intake.alarmLatencyMs.p99 + ' ms' : '') +
    ' · 版本 versions ' + Object.entries(o.gateways.versions).sort((a, b) => b[1] - a[1]).map(([v, n]) => v + ' ×' + n).join(', ');
  const tb = document.querySelector('#cases tbody');
  tb.replaceChildren();
  document.getElementById('caseCount').textContent = String(o.openCases.length);
  const tw = Object.entries(o.byTownship).map(([t, n]) => t + ': 乡镇 township ' + n.township + ' · 县中心 county ' + n.county);
  document.getElementById('townships').textContent = tw.join('  |  ');
  for (const c of o.openCases) {
    const tr = el('tr');
    tr.dataset.no = c.no;
    if (c.no === selected) tr.className = 'sel';
    tr.addEventListener('click', () => { selected = c.no; showTimeline(c); refreshSel(); });
    const venue = el('td');
    venue.append(el('span', c.venueId + ' ', ''), el('span', RISK[c.risk], 'chip risk-' + c.risk));
    const acts = el('td');
    for (const [a, label] of [['acknowledge', '确认 acknowledge'], ['escalate', '上报 escalate'], ['close', '结案 close']]) {
      const b = el('button', label);
      b.dataset.action = a;
      if ((a === 'acknowledge' && c.acknowledgedAt) || (a === 'escalate' && c.escalatedAt)) b.disabled = true;
      b.addEventListener('click', (ev) => { ev.stopPropagation(); act(c.no, a); });
      acts.append(b);
    }
    tr.append(el('td', c.no), venue, el('td', STATE[c.alarmState] + ' · ' + c.kind + (c.test ? ' (测试 test)' : ''), c.alarmState),
      el('td', c.escalatedAt ? '县中心 county' : '乡镇 ' + c.adminCode.slice(0, 9)), el('td', STATUS[c.status]), el('td', c.department || '—'), acts);
    tb.append(tr);
  }
  const all = o.openCases.concat(o.recentCases);
  if (selected) showTimeline(all.find((c) => c.no === selected));
  const vb = document.querySelector('#venues tbody');
  vb.replaceChildren();
  document.getElementById('venueCount').textContent = String(o.venueCount) + ' · ' + Object.entries(o.venuesByRisk).map(([r, n]) => RISK[r] + ' ' + n).join(' · ') +
    (o.venueCount > o.venues.length ? ' (前 ' + o.venues.length + ' first ' + o.venues.length + ' shown)' : '');
  for (const v of o.venues) {
    const tr = el('tr');
    const risk = el('td');
    risk.append(el('span', RISK[v.risk], 'chip risk-' + v.risk));
    const b = el('button', '已核查 inspected');
    b.addEventListener('click', () => inspected(v.id));
    const btd = el('td');
    btd.append(b);
    const due = el('td', day(v.inspectionDue) + (v.lastInspection ? '' : ' (未核查 never)'));
    if (v.inspectionDue <= o.now) due.className = 'alarm';
    tr.append(el('td', v.id), risk, el('td', v.adminCode.slice(0, 9)), el('td', GW[v.state], v.state), due, btd);
    vb.append(tr);
  }
  const vt = document.querySelector('#violations tbody');
  vt.replaceChildren();
  document.getElementById('violCount').textContent = String(o.intake.violations);
  for (const v of o.violations) {
    const tr = el('tr');
    tr.append(el('td', time(v.at), 'muted'), el('td', v.topic), el('td', v.reason));
    vt.append(tr);
  }
}
function refreshSel() { for (const tr of document.querySelectorAll('#cases tbody tr')) tr.className = tr.dataset.no === selected ? 'sel' : ''; }

let pending = null;
function soon() { if (!pending) pending = setTimeout(() => { pending = null; refresh(); }, 250); }
const live = document.getElementById('live');
const events = new EventSource('/api/events');
events.addEventListener('change', (e) => {
  const c = JSON.parse(e.data);
  const li = el('li');
  li.append(el('span', time(c.at) + ' ', 'muted'), el('span', c.text, c.what === 'violation' ? 'fault' : ''));
  live.prepend(li);
  while (live.children.length > 100) live.lastChild.remove();
  soon();
  if (c.text.startsWith('rollout ')) rollouts();
});
events.addEventListener('open', () => soon());

async function scenarios() {
  const list = await (await fetch('/api/scenarios')).json();
  if (!list.length) return;
  const box = document.getElementById('scenarioButtons');
  for (const s of list) {
    const b = el('button', s.text);
    b.dataset.scenario = s.name;
    b.addEventListener('click', async () => {
      const r = await fetch('/api/scenarios/' + s.name, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
      const body = await r.json();
      const li = el('li');
      li.append(el('span', time(Date.now()) + ' ', 'muted'), el('span', r.ok ? '场景 scenario ' + s.name + ' → ' + body.devices.join(', ') : body.error, r.ok ? '' : 'fault'));
      live.prepend(li);
    });
    box.append(b);
  }
  document.getElementById('scenarios').hidden = false;
}
const ROLLOUT = { running: '进行中 running', done: '完成 done', aborted: '已中止 aborted' };
const BOX = { waiting: '等待 waiting', sent: '已下发 sent', probation: '试运行 on trial', kept: '保持 kept', refused: '拒绝 refused',
  'rolled-back': '已回退 rolled back', failed: '失败 failed', 'timed-out': '超时 timed out' };
let rolloutSel = null;
let rolloutTimer = null;
async function rollouts() {
  const list = await (await fetch('/api/rollouts')).json();
  const tb = document.querySelector('#rollouts tbody');
  tb.replaceChildren();
  document.getElementById('rolloutCount').textContent = String(list.length);
  for (const r of list) {
    const c = r.counts;
    const failed = c.refused + c['rolled-back'] + c.failed + c['timed-out'];
    const total = Object.values(c).reduce((a, b) => a + b, 0);
    const tr = el('tr');
    tr.dataset.id = r.id;
    if (r.id === rolloutSel) tr.className = 'sel';
    tr.addEventListener('click', () => { rolloutSel = r.id; rollouts(); });
    const kept = el('td', String(c.kept) + ' ');
    const bar = el('span', null, 'bar');
    bar.style.width = Math.round((60 * c.kept) / total) + 'px';
    kept.append(bar);
    const fail = el('td', String(failed) + ' ', failed ? 'alarm' : '');
    const fbar = el('span', null, 'bar failed');
    fbar.style.width = Math.round((60 * failed) / total) + 'px';
    fail.append(fbar);
    tr.append(el('td', r.id), el('td', (r.kind === 'software' ? '软件 software ' : '配置 config ') + r.version),
      el('td', ROLLOUT[r.state], r.state === 'aborted' ? 'alarm' : r.state === 'done' ? 'online' : ''), el('td', r.wave + '/' + r.waves),
      kept, fail, el('td', String(c.sent + c.probation)), el('td', String(c.waiting)), el('td', r.failurePct + ' %'));
    tb.append(tr);
  }
  const sel = list.find((r) => r.id === rolloutSel);
  document.getElementById('rolloutReason').textContent = sel && sel.reason ? sel.id + ': ' + sel.reason : '';
  // Live while one runs: the waves move every second.
  const running = list.some((r) => r.state === 'running');
  if (running && !rolloutTimer) rolloutTimer = setInterval(rollouts, 1000);
  if (!running && rolloutTimer) { clearInterval(rolloutTimer); rolloutTimer = null; }
  if (rolloutSel) rolloutBoxes();
}
async function rolloutBoxes() {
  const r = await (await fetch('/api/rollouts/' + encodeURIComponent(rolloutSel))).json();
  const tb = document.querySelector('#rolloutBoxes tbody');
  tb.replaceChildren();
  // The boxes that have been offered it, the failed first: what an operator looks at.
  const offered = r.boxes.filter((b) => b.state !== 'waiting');
  const order = (b) => (b.state === 'kept' ? 2 : b.state === 'sent' || b.state === 'probation' ? 1 : 0);
  offered.sort((a, b) => order(a) - order(b));
  for (const b of offered.slice(0, 200)) {
    const tr = el('tr');
    tr.dataset.gw = b.gw;
    tr.append(el('td', b.gw), el('td', BOX[b.state] || b.state, b.state === 'kept' ? 'online' : b.state === 'sent' || b.state === 'probation' ? '' : 'alarm'), el('td', b.reason || '', 'muted'));
    tb.append(tr);
  }
  if (offered.length > 200) tb.append(el('tr', '… ' + (offered.length - 200) + ' more'));
}
const kindSel = document.getElementById('kind');
function showKind() { for (const l of document.querySelectorAll('#rolloutForm [data-kind]')) l.hidden = l.dataset.kind !== kindSel.value; }
kindSel.addEventListener('change', showKind);
async function releases() {
  const list = await (await fetch('/api/releases')).json();
  const configs = await (await fetch('/api/configs')).json();
  if (!list.length && !configs.gateways) return;
  const s = document.getElementById('release');
  for (const r of list) {
    const o = el('option', r.version + ' (' + r.arch + ', ' + Math.round(r.size / 1024) + ' KiB)');
    o.value = r.release;
    s.append(o);
  }
  if (!list.length) kindSel.querySelector('[value=software]').remove();
  if (!configs.gateways) kindSel.querySelector('[value=config]').remove();
  showKind();
  document.getElementById('rolloutForm').hidden = false;
}
/** "path = value" lines: a value that reads as a number or true/false is one, else text. */
function changes(text) {
  return text.split('\\n').map((l) => l.trim()).filter(Boolean).map((l) => {
    const i = l.indexOf('=');
    const raw = i < 0 ? '' : l.slice(i + 1).trim();
    const value = raw === 'true' ? true : raw === 'false' ? false : raw !== '' && !Number.isNaN(Number(raw)) ? Number(raw) : raw;
    return { path: (i < 0 ? l : l.slice(0, i)).trim(), value };
  });
}
document.getElementById('rolloutForm').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const config = kindSel.value === 'config';
  const body = {
    kind: kindSel.value,
    ...(config
      ? { version: document.getElementById('cfgVersion').value, set: changes(document.getElementById('cfgSet').value) }
      : { release: document.getElementById('release').value }),
    waves: document.getElementById('waves').value.split(',').map((w) => Number(w.trim())),
    ratePerS: Number(document.getElementById('rate').value),
    failurePct: Number(document.getElementById('abortPct').value),
    minAnswered: Number(document.getElementById('minAnswered').value),
  };
  const r = await fetch('/api/rollouts', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  const j = await r.json();
  const msg = document.getElementById('rolloutMsg');
  msg.textContent = r.ok ? '已开始 started ' + j.id : j.error;
  msg.className = r.ok ? 'muted' : 'alarm';
  if (r.ok) { rolloutSel = j.id; rollouts(); }
});

scenarios();
releases();
refresh();
rollouts();
setInterval(refresh, 10000);
`;
