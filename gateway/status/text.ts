// `jiuxiao-gateway status` in a terminal: what the status page shows, in the same order (what matters on
// site first: the worst state, a closed gas valve, whether the platform hears the box), as plain lines.
// With the broker down the box must not look healthy here either.

import type { StatusSnapshot } from './snapshot.js';
import { clockText, localTime, type OutputState } from './words.js';

const pad = (s: string, n: number) => (s.length >= n ? `${s} ` : s.padEnd(n));

function value(v: number | boolean | null, unit: string | null, label: string | null): string {
  if (v === null) return '';
  const text = typeof v === 'number' ? String(Number(v.toPrecision(6))) : v ? 'on' : 'off';
  return `${text}${unit ? ` ${unit}` : ''}${label ? ` (${label})` : ''}`;
}

const word = (st: OutputState | null, level: string | null) => st ?? level ?? '?';

export function renderStatusText(s: StatusSnapshot): string {
  const out: string[] = [];
  const worst = (['alarm', 'fault', 'warning'] as const).find((w) => s.channels.some((c) => c.state === w)) ?? 'normal';
  out.push(`${s.venue.name} (${s.venue.id}, ${s.venue.category}) · ${s.venue.riskLabel} · ${worst.toUpperCase()}`);
  if (s.closedValves.length) out.push(`GAS VALVE CLOSED: ${s.closedValves.join(', ')} — local reset needed on site (jiuxiao-gateway reset)`);
  const backlog = Object.entries(s.uplink.backlog).filter(([, n]) => n > 0);
  const total = backlog.reduce((a, [, n]) => a + n, 0);
  const unacked = s.openAlarms.filter((a) => !a.acknowledged).length;
  const uplink = !s.uplink.configured
    ? 'not configured'
    : [
        s.uplink.connected ? 'connected' : `NOT connected${s.uplink.error ? ` (${s.uplink.error})` : ''}`,
        s.uplink.url ?? '',
        `backlog ${total}${backlog.length ? ` (${backlog.map(([k, n]) => `${k} ${n}`).join(', ')})` : ''}`,
        ...(s.uplink.shed.rows ? [`telemetry shed ${s.uplink.shed.rows}`] : []),
        ...(unacked ? [`${unacked} alarm${unacked > 1 ? 's' : ''} not acknowledged by the platform`] : []),
      ]
        .filter(Boolean)
        .join(' · ');
  out.push(`${pad('uplink', 10)}${uplink}`);
  const st = s.storage;
  out.push(
    `${pad('storage', 10)}${
      st.ok
        ? 'ok'
        : `FAILING: ${st.lastError ?? ''}; ${st.unrecorded} events not recorded${st.unsaved ? ', state not saved' : ''}${st.outboxInMemory ? ', outbox in memory only' : ''} (outputs are still driven)`
    }`,
  );
  out.push(`${pad('time', 10)}${clockText(s.gateway.at, s.gateway.clock)} · gateway ${s.gateway.id} ${s.gateway.version} · up ${s.gateway.uptimeS} s`);
  out.push('channels');
  for (const c of s.channels)
    out.push(
      `  ${pad(`${c.device}/${c.channel}`, 36)} ${pad(`${c.state.toUpperCase()}${c.latched ? ' (latched)' : ''}`, 18)} ${value(c.value, c.unit, c.label)}`.trimEnd(),
    );
  out.push('outputs');
  for (const o of s.outputs) {
    const seen = o.level === o.desired ? word(o.observedState, o.level) : `${word(o.observedState, o.level)} (demanded ${word(o.desiredState, o.desired)})`;
    out.push(
      `  ${pad(o.id, 20)} ${pad(seen, 14)} ${o.ok ? 'ok' : `FAULT: ${o.detail ?? ''}`}${s.closedValves.includes(o.id) ? '  (closed: local reset needed)' : ''}${o.reason ? `  why: ${o.reason}` : ''}`,
    );
  }
  out.push('devices');
  for (const d of s.devices) {
    const online = d.online === null ? 'unknown' : d.online ? 'online' : 'OFFLINE';
    const good = d.lastGoodAt ? ` · last good ${localTime(d.lastGoodAt)}` : '';
    out.push(
      `  ${pad(d.id, 20)} ${pad(online, 8)} ${d.lastReason}${d.maintenance ? ' · IN MAINTENANCE' : ''} · polls ${d.polls}, failures ${d.failures}${good}`,
    );
  }
  out.push('buses');
  for (const b of s.buses) out.push(`  ${pad(b.id, 20)} ${b.link}${b.reason ? `  ${b.reason}` : ''}`);
  return `${out.join('\n')}\n`;
}
