import { describe, expect, it } from 'vitest';
import { escapeHtml, renderStatusPage } from './page.js';
import { authorized } from './status-server.js';
import { sampleSnapshot } from '../../test/helpers/status-snapshot.js';

describe('status page', () => {
  it('shows the worst state, the values with units, offline devices and a closed valve', () => {
    const html = renderStatusPage(sampleSnapshot());
    expect(html).toMatch(/<title>GW-1 — 报警 alarm<\/title>/);
    expect(html).toMatch(/<td class="alarm">报警 alarm<\/td><td>31\.25 %LEL<\/td><td>是 yes<\/td>/);
    expect(html).toMatch(/离线设备 offline devices: 1/);
    expect(html).toMatch(/gas valve closed, local reset needed: valve/);
    expect(html).toMatch(/alarms not acknowledged by the platform 1/);
    expect(html).toMatch(/class="banner red">高风险 high risk/);
  });

  it('shows each output desired against observed, an output fault, and why the uplink is down', () => {
    const html = renderStatusPage(sampleSnapshot());
    expect(html).toMatch(
      /<td>fan<\/td><td>fan<\/td><td>开 on<\/td><td class="fault">关 off<\/td><td class="fault">故障 fault<\/td><td>linkage gas: gas\/lel alarm<\/td><td>read back off after driving on<\/td>/,
    );
    // A valve reads closed, not a relay level: an installer cannot know which level closes it.
    expect(html).toMatch(/<td>valve<\/td><td>gas-valve<\/td><td>已关闭 closed<\/td><td>已关闭 closed<\/td><td>正常 ok<\/td>/);
    expect(html).toMatch(/原因 why: connect ECONNREFUSED 127\.0\.0\.1:8883/);
    expect(html).toMatch(/<h2>存储 Storage<\/h2>\n<p>正常 ok<\/p>/);
  });

  it('puts the state, the closed valve and the uplink before any table, so they are above the fold', () => {
    const html = renderStatusPage(sampleSnapshot());
    const firstTable = html.indexOf('<table');
    for (const mark of ['id="state-banner"', 'id="valve-banner"', 'id="uplink-banner"', '平台未连接 platform NOT connected · 待发 backlog 4'])
      expect(html.indexOf(mark), mark).toBeLessThan(firstTable);
    expect(renderStatusPage(sampleSnapshot({ uplink: { ...sampleSnapshot().uplink, connected: true, error: null } }))).toMatch(
      /class="banner ok">平台已连接 platform connected · 待发 backlog 4/,
    );
  });

  it('storage trouble is a banner that says the outputs are still driven', () => {
    const html = renderStatusPage(
      sampleSnapshot({ storage: { ok: false, failures: 3, lastError: 'database or disk is full', unrecorded: 2, unsaved: true, outboxInMemory: false } }),
    );
    expect(html).toMatch(
      /存储故障 storage failing: database or disk is full · 失败 failures 3 · 未记录事件 events not recorded 2 · 状态未保存 state not saved — 联动照常 outputs are still driven/,
    );
  });

  it('escapes everything that comes from config files and devices', () => {
    const html = renderStatusPage(
      sampleSnapshot({ devices: [{ ...sampleSnapshot().devices[0]!, id: '<script>alert(1)</script>', lastReason: 'a "quoted" & <b>' }] }),
    );
    expect(html).not.toMatch(/<script>/);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('a &quot;quoted&quot; &amp; &lt;b&gt;');
    expect(escapeHtml(`'`)).toBe('&#39;');
  });

  it('all normal: the banner says so, and empty tables say they are empty', () => {
    const html = renderStatusPage(sampleSnapshot({ channels: [], devices: [], outputs: [], closedValves: [], openAlarms: [] }));
    expect(html).toMatch(/<title>GW-1 — 正常 normal<\/title>/);
    expect(html).toMatch(/no channels/);
    expect(html).not.toMatch(/local reset needed/);
  });
});

describe('status page token', () => {
  const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
  it('no token configured: open (loopback only, the config check sees to that)', () => expect(authorized(undefined, undefined)).toBe(true));
  it('takes a Bearer token or Basic with any user name and the token as password', () => {
    expect(authorized('Bearer s3cret-token', 's3cret-token')).toBe(true);
    expect(authorized('bearer  s3cret-token', 's3cret-token')).toBe(true);
    expect(authorized(basic('installer', 's3cret-token'), 's3cret-token')).toBe(true);
    expect(authorized(basic('', 's3cret:with-colon'), 's3cret:with-colon')).toBe(true);
  });
  it('refuses a missing, wrong or differently long token, and other schemes', () => {
    expect(authorized(undefined, 's3cret-token')).toBe(false);
    expect(authorized('Bearer s3cret-tokeN', 's3cret-token')).toBe(false);
    expect(authorized('Bearer s3cret', 's3cret-token')).toBe(false);
    expect(authorized(basic('s3cret-token', ''), 's3cret-token')).toBe(false);
    expect(authorized('Digest s3cret-token', 's3cret-token')).toBe(false);
    expect(authorized('Basic !!!notbase64', 's3cret-token')).toBe(false);
  });
});
