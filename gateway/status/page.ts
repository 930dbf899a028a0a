// The status page as HTML: one self-contained document, no script, refreshed by the browser every 5 s.
// Labels in Chinese with the English beside them (installers and county staff read Chinese; the code
// and the platform team read English). What matters on site is at the top, above the fold of a laptop
// (1280×1000) and of a phone: the worst state, a closed gas valve, whether the platform hears the box.
// Every value is escaped: device ids and reasons come from config files and from devices on a bus.

import type { StatusSnapshot } from './snapshot.js';
import { clockText, localTime, OUTPUT_WORD, STATE_WORD, valueText, worstState, type OutputState } from './words.js';

const STATE_LABEL: Record<string, string> = STATE_WORD;
const RISK_CLASS: Record<string, string> = { red: 'red', orange: 'orange', yellow: 'yellow', blue: 'blue' };

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

const e = (v: unknown): string => escapeHtml(v === null || v === undefined ? '—' : String(v));

function table(head: string[], rows: string[][], empty: string): string {
  if (!rows.length) return `<p class="empty">${e(empty)}</p>`;
  return `<table><thead><tr>${head.map((h) => `<th>${e(h)}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.join('')}</tr>`).join('')}</tbody></table>`;
}

const td = (v: unknown, cls?: string) => `<td${cls ? ` class="${cls}"` : ''}>${e(v)}</td>`;

const outputWord = (st: OutputState | null, level: string | null): string => (st ? OUTPUT_WORD[st] : (level ?? '?'));

export function renderStatusPage(s: StatusSnapshot): string {
  const worst = worstState(s.channels.map((c) => c.state));
  const offline = s.devices.filter((d) => d.online === false).length;
  const backlogTotal = Object.values(s.uplink.backlog).reduce((a, n) => a + n, 0);
  const backlog = Object.entries(s.uplink.backlog)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
  const unacked = s.openAlarms.filter((a) => !a.acknowledged).length;
  const uplinkBanner = !s.uplink.configured
    ? `<span class="banner muted">${e('上报未配置 uplink not configured')}</span>`
    : `<span id="uplink-banner" class="banner ${s.uplink.connected ? 'ok' : 'fault'}">${e(
        `${s.uplink.connected ? '平台已连接 platform connected' : '平台未连接 platform NOT connected'} · 待发 backlog ${backlogTotal}`,
      )}</span>`;
  return `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="5">
<title>${e(s.gateway.id)} — ${e(STATE_LABEL[worst])}</title>
<style>
body{font:15px/1.4 system-ui,sans-serif;margin:.8rem 1rem;color:#222}h1{font-size:1.3rem;margin:.2rem 0}h2{font-size:1.05rem;margin:1rem 0 .3rem}
table{border-collapse:collapse;width:100%;max-width:60rem}th,td{border-bottom:1px solid #ddd;padding:.2rem .5rem;text-align:left;vertical-align:top}
th{background:#f4f4f4;font-weight:600}.empty{color:#777}.small{color:#666;font-size:.85rem}
.normal{color:#1a7f37}.warning{background:#fff4c2}.alarm{background:#d1242f;color:#fff;font-weight:700}.fault{background:#9a6700;color:#fff}
.offline{background:#ffe0e0}.banner{padding:.4rem .8rem;border-radius:.3rem;display:inline-block;margin:.2rem .2rem .2rem 0}
.ok{background:#dafbe1;color:#1a7f37}.muted{background:#eee;color:#555}.valve{font-size:1.2rem;display:block;max-width:58rem}
.red{background:#d1242f;color:#fff}.orange{background:#e36209;color:#fff}.yellow{background:#f5d90a}.blue{background:#0969da;color:#fff}
</style></head><body>
<h1>${e(s.venue.name)} <span class="small">${e(s.venue.id)} · ${e(s.venue.category)}</span></h1>
<div><span class="banner ${RISK_CLASS[s.venue.risk] ?? ''}">${e(s.venue.riskLabel)}</span>
 <span id="state-banner" class="banner ${worst}">${e(STATE_LABEL[worst])}</span>
 ${uplinkBanner}
 ${unacked ? `<span class="banner warning">${e(`平台未确认报警 alarms not acknowledged by the platform ${unacked}`)}</span>` : ''}
 ${offline ? `<span class="banner offline">${e(`离线设备 offline devices: ${offline}`)}</span>` : ''}
 ${s.storage.ok ? '' : `<span class="banner fault">${e('存储故障 storage failing')}</span>`}</div>
${s.closedValves.length ? `<p id="valve-banner" class="alarm banner valve">${e(`燃气阀已关闭，需现场复位 gas valve closed, local reset needed: ${s.closedValves.join(', ')}`)}</p>` : ''}
<p class="small">网关 gateway ${e(s.gateway.id)} · 版本 version ${e(s.gateway.version)} · 运行 uptime ${e(s.gateway.uptimeS)} s ·
时间 time ${e(clockText(s.gateway.at, s.gateway.clock, s.gateway.timeZone))}</p>

<h2>通道 Channels</h2>
${table(
  ['设备 device', '通道 channel', '类型 kind', '状态 state', '数值 value', '锁存 latched'],
  s.channels.map((c) => [
    td(c.device),
    td(c.channel),
    td(c.kind),
    td(STATE_LABEL[c.state] ?? c.state, c.state),
    td(valueText(c.value, c.unit, c.label)),
    td(c.latched ? '是 yes' : ''),
  ]),
  'no channels',
)}

<h2>输出 Outputs</h2>
${table(
  ['输出 output', '用途 role', '要求 desired', '实际 observed', '正常 ok', '原因 why', '说明 detail'],
  s.outputs.map((o) => [
    td(o.id),
    td(o.role),
    td(outputWord(o.desiredState, o.desired)),
    td(outputWord(o.observedState, o.level), o.level !== o.desired ? 'fault' : undefined),
    td(o.ok ? '正常 ok' : '故障 fault', o.ok ? undefined : 'fault'),
    td(o.reason),
    td(o.detail),
  ]),
  'no outputs',
)}

<h2>上报 Uplink</h2>
<p>${e(!s.uplink.configured ? '未配置 not configured' : s.uplink.connected ? '已连接 connected' : '未连接 not connected')}${s.uplink.url ? ` · ${e(s.uplink.url)}` : ''}${s.uplink.error ? ` · ${e(`原因 why: ${s.uplink.error}`)}` : ''} · 待发 backlog ${e(backlog || '0')} · 丢弃遥测 telemetry shed ${e(s.uplink.shed.rows)}
 · 未确认报警 alarms not acknowledged by the platform ${e(unacked)}</p>

${
  s.centre
    ? `<h2>监控中心 Fire-monitoring centre (GB/T 26875.3)</h2>
<p${s.centre.connected ? '' : ' class="fault banner"'}>${e(
        `${s.centre.connected ? '已连接 connected' : '未连接 NOT connected'} · ${s.centre.address}${s.centre.error ? ` · 原因 why: ${s.centre.error}` : ''} · 待发 backlog ${s.centre.backlog} · 已确认 confirmed ${s.centre.confirmed} · 被否认 denied ${s.centre.denied}`,
      )}</p>
${
  s.centre.inspection
    ? `<p class="warning banner">${e(
        `监控中心查岗：请在 ${localTime(s.centre.inspection.deadline, s.gateway.timeZone)} 前应答 · INSPECTION (查岗) from the centre: answer by then with \`jiuxiao-gateway answer-inspection\``,
      )}</p>
`
    : ''
}`
    : ''
}
<h2>存储 Storage</h2>
<p${s.storage.ok ? '' : ' class="fault banner"'}>${e(
    s.storage.ok
      ? '正常 ok'
      : `存储故障 storage failing: ${s.storage.lastError ?? ''} · 失败 failures ${s.storage.failures} · 未记录事件 events not recorded ${s.storage.unrecorded}${s.storage.unsaved ? ' · 状态未保存 state not saved' : ''}${s.storage.outboxInMemory ? ' · 仅内存 outbox in memory only' : ''} — 联动照常 outputs are still driven`,
  )}</p>

<h2>设备 Devices</h2>
${table(
  ['设备 device', '型号 profile', '总线 bus', '在线 online', '原因 last reason', '轮询 polls', '失败 failures', '最后正常 last good', '检修 maintenance'],
  s.devices.map((d) => [
    td(d.id),
    td(d.profile),
    td(d.bus),
    td(d.online === null ? '…' : d.online ? '在线 online' : '离线 offline', d.online === false ? 'offline' : undefined),
    td(d.lastReason),
    td(d.polls),
    td(d.failures),
    td(d.lastGoodAt === null ? null : localTime(d.lastGoodAt, s.gateway.timeZone)),
    td(d.maintenance ? '检修中 in maintenance' : ''),
  ]),
  'no devices',
)}

<h2>总线 Buses</h2>
${table(
  ['总线 bus', '链路 link', '原因 reason'],
  s.buses.map((b) => [td(b.id), td(b.link, b.link === 'up' ? 'normal' : 'offline'), td(b.reason)]),
  'no buses',
)}
<p class="small">JSON: <a href="status.json">status.json</a> · 只读页面 read-only: resets and maintenance only from the box (jiuxiao-gateway reset / maintenance)</p>
</body></html>
`;
}
