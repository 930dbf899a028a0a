import { describe, expect, it } from 'vitest';
import { renderStatusPage } from './page.js';
import { renderStatusText } from './text.js';
import { sampleSnapshot } from '../../test/helpers/status-snapshot.js';

describe('status in a terminal', () => {
  it('says first what matters on site: the worst state, the closed valve, a broker that is down and the backlog', () => {
    const lines = renderStatusText(sampleSnapshot()).split('\n');
    expect(lines[0]).toBe('老王火锅 (V-1, catering) · 高风险 high risk · ALARM');
    expect(lines[1]).toMatch(/^GAS VALVE CLOSED: valve — local reset needed/);
    expect(lines[2]).toBe(
      'uplink    NOT connected (connect ECONNREFUSED 127.0.0.1:8883) · mqtts://[redacted]@platform:8883 · backlog 4 (alarm 1, telemetry 3) · alarms not acknowledged by the platform: 1',
    );
    expect(lines[3]).toBe('storage   ok');
  });

  it('shows values, outputs in their own words with faults, and offline devices', () => {
    const text = renderStatusText(sampleSnapshot());
    expect(text).toMatch(/ {2}gas\/lel +ALARM \(latched\) +31\.25 %LEL\n/);
    expect(text).toMatch(/ {2}valve +closed +ok {2}\(closed: local reset needed\)/);
    expect(text).toMatch(/ {2}fan +off \(demanded on\) +FAULT: read back off after driving on/);
    expect(text).toMatch(/ {2}gas +OFFLINE +timeout · polls 10, failures 3\n/);
    expect(text).toMatch(/ {2}rs485 +up\n/);
  });

  it('in Chinese: the same picture, ids and reasons as they are', () => {
    const lines = renderStatusText(sampleSnapshot(), 'zh').split('\n');
    expect(lines[0]).toBe('老王火锅 (V-1, catering) · 高风险 high risk · 报警');
    expect(lines[1]).toBe('燃气阀已关闭：valve —— 需现场复位（jiuxiao-gateway reset）');
    expect(lines[2]).toMatch(/^上报 {6}未连接 \(connect ECONNREFUSED 127\.0\.0\.1:8883\) · .* · 待发 4 \(alarm 1, telemetry 3\) · 平台未确认报警：1 条$/);
    expect(lines).toContain('  fan                  关（要求 开）  故障：read back off after driving on  原因：linkage gas: gas/lel alarm');
    expect(lines.join('\n')).toMatch(/ {2}gas +离线 +timeout · 轮询 10 次，失败 3 次/);
  });

  it('a healthy box says so, and an unconfigured uplink is not mistaken for a connected one', () => {
    const text = renderStatusText(
      sampleSnapshot({
        closedValves: [],
        openAlarms: [],
        channels: [],
        uplink: { configured: false, url: null, connected: false, error: null, backlog: {}, shed: { rows: 0, bytes: 0 } },
        storage: { ok: false, failures: 1, lastError: 'disk I/O error', unrecorded: 2, unsaved: true, outboxInMemory: true },
      }),
    );
    expect(text.split('\n')[0]).toMatch(/· NORMAL$/);
    expect(text).not.toMatch(/GAS VALVE/);
    expect(text).toMatch(/^uplink {4}not configured$/m);
    expect(text).toMatch(/^storage {3}FAILING: disk I\/O error; 2 events not recorded, state not saved, outbox in memory only \(outputs are still driven\)$/m);
  });

  it('a GB/T 26875.3 centre, when configured, has its own line and section: link, backlog, confirmed and denied', () => {
    const centre = {
      address: '10.0.0.5:9002',
      connected: false,
      error: 'connect ECONNREFUSED 10.0.0.5:9002',
      backlog: 4,
      confirmed: 12,
      denied: 1,
      setAside: 0,
      lastConfirmAt: null,
      inspection: null,
    };
    const snap = sampleSnapshot({ centre });
    expect(renderStatusText(snap)).toMatch(
      /^centre {4}NOT connected \(connect ECONNREFUSED 10\.0\.0\.5:9002\) · 10\.0\.0\.5:9002 · backlog 4 · confirmed 12, denied 1$/m,
    );
    expect(renderStatusText(snap, 'zh')).toMatch(/^监控中心 {2}未连接 .* · 待发 4 · 已确认 12，被否认 1$/m);
    expect(renderStatusPage(snap)).toMatch(
      /监控中心 Fire-monitoring centre \(GB\/T 26875\.3\)<\/h2>\n<p class="fault banner">未连接 NOT connected · 10\.0\.0\.5:9002/,
    );
    // An inspection (查岗) waiting for a person: said with its deadline in the venue's time, and how to answer.
    const asked = sampleSnapshot({ centre: { ...centre, inspection: { askedAt: '2026-11-30T10:00:00.000Z', deadline: '2026-11-30T10:10:00.000Z' } } });
    expect(renderStatusText(asked)).toMatch(
      /INSPECTION \(查岗\) from the centre: answer by 2026-11-30 18:10:00 UTC\+08:00 with `jiuxiao-gateway answer-inspection`/,
    );
    expect(renderStatusText(asked, 'zh')).toMatch(/监控中心查岗：请在 2026-11-30 18:10:00 UTC\+08:00 前执行/);
    expect(renderStatusPage(asked)).toMatch(/class="warning banner">监控中心查岗：请在 2026-11-30 18:10:00 UTC\+08:00 前应答/);
    expect(renderStatusText(sampleSnapshot())).not.toMatch(/^centre/m);
    expect(renderStatusPage(sampleSnapshot())).not.toMatch(/监控中心/);
  });
});
