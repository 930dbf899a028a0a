// `jiuxiao-gateway status` in a terminal: what the status page shows, in the same order (what matters on
// site first: the worst state, a closed gas valve, whether the platform hears the box), as plain lines.
// With the broker down the box must not look healthy here either.

import type { StatusSnapshot } from './snapshot.js';
import { padTo as pad, translator, type Lang } from '../i18n/i18n.js';
import { STATUS_MESSAGES } from './messages.js';
import { clockText, localTime, valueText, worstState, type OutputState } from './words.js';

export function renderStatusText(s: StatusSnapshot, lang: Lang = 'en'): string {
  const t = translator(STATUS_MESSAGES, lang);
  const state = (x: string) => (x === 'fault' ? t('faultState') : t(x as 'normal' | 'warning' | 'alarm'));
  const word = (st: OutputState | null, level: string | null) => (st ? t(st) : (level ?? '?'));
  const out: string[] = [];
  const worst = worstState(s.channels.map((c) => c.state));
  out.push(`${s.venue.name} (${s.venue.id}, ${s.venue.category}) · ${s.venue.riskLabel} · ${state(worst)}`);
  if (s.closedValves.length) out.push(t('valveClosed', { valves: s.closedValves.join(', ') }));
  const backlog = Object.entries(s.uplink.backlog).filter(([, n]) => n > 0);
  const total = backlog.reduce((a, [, n]) => a + n, 0);
  const unacked = s.openAlarms.filter((a) => !a.acknowledged).length;
  const uplink = !s.uplink.configured
    ? t('notConfigured')
    : [
        s.uplink.connected ? t('connected') : `${t('notConnected')}${s.uplink.error ? ` (${s.uplink.error})` : ''}`,
        s.uplink.url ?? '',
        `${t('backlog', { n: total })}${backlog.length ? ` (${backlog.map(([k, n]) => `${k} ${n}`).join(', ')})` : ''}`,
        ...(s.uplink.shed.rows ? [t('shed', { n: s.uplink.shed.rows })] : []),
        ...(unacked ? [t('unacked', { n: unacked })] : []),
      ]
        .filter(Boolean)
        .join(' · ');
  out.push(`${pad(t('uplink'), 10)}${uplink}`);
  const c = s.centre;
  if (c) {
    const link = c.connected ? t('connected') : `${t('notConnected')}${c.error ? ` (${c.error})` : ''}`;
    out.push(
      `${pad(t('centre'), 10)}${[link, c.address, t('backlog', { n: c.backlog }), t('centreCounts', { confirmed: c.confirmed, denied: c.denied })].join(' · ')}`,
    );
    if (c.inspection) out.push(`${pad('', 10)}${t('centreInspection', { deadline: localTime(c.inspection.deadline, s.gateway.timeZone) })}`);
  }
  const st = s.storage;
  out.push(
    `${pad(t('storage'), 10)}${
      st.ok
        ? t('ok')
        : t('storageFailing', {
            error: st.lastError ?? '',
            n: st.unrecorded,
            unsaved: st.unsaved ? t('stateNotSaved') : '',
            memory: st.outboxInMemory ? t('outboxInMemory') : '',
          })
    }`,
  );
  out.push(
    `${pad(t('time'), 10)}${clockText(s.gateway.at, s.gateway.clock, s.gateway.timeZone)} · ${t('gatewayLine', { id: s.gateway.id, version: s.gateway.version, s: s.gateway.uptimeS })}`,
  );
  out.push(t('channels'));
  for (const c of s.channels)
    out.push(
      `  ${pad(`${c.device}/${c.channel}`, 36)} ${pad(`${state(c.state)}${c.latched ? t('latched') : ''}`, 18)} ${valueText(c.value, c.unit, c.label) ?? ''}`.trimEnd(),
    );
  out.push(t('outputs'));
  for (const o of s.outputs) {
    const seen =
      o.level === o.desired ? word(o.observedState, o.level) : t('demanded', { seen: word(o.observedState, o.level), want: word(o.desiredState, o.desired) });
    out.push(
      `  ${pad(o.id, 20)} ${pad(seen, 14)} ${o.ok ? t('ok') : t('fault', { detail: o.detail ?? '' })}${s.closedValves.includes(o.id) ? t('closedReset') : ''}${o.reason ? t('why', { reason: o.reason }) : ''}`,
    );
  }
  out.push(t('devices'));
  for (const d of s.devices) {
    const online = d.online === null ? t('unknown') : d.online ? t('online') : t('offline');
    const good = d.lastGoodAt ? t('lastGood', { at: localTime(d.lastGoodAt, s.gateway.timeZone) }) : '';
    out.push(
      `  ${pad(d.id, 20)} ${pad(online, 8)} ${d.lastReason}${d.maintenance ? t('maintenance') : ''}${t('polls', { polls: d.polls, failures: d.failures })}${good}`,
    );
  }
  out.push(t('buses'));
  for (const b of s.buses) out.push(`  ${pad(b.id, 20)} ${b.link}${b.reason ? `  ${b.reason}` : ''}`);
  return `${out.join('\n')}\n`;
}
