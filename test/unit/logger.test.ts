// Invariant 8: secrets never reach a log line. Each way a secret can travel is proven separately,
// through the real pino logger into a memory stream.
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../gateway/log/logger.js';
import { formatLine } from '../../gateway/log/pretty.js';
import { redact, redactString } from '../../gateway/log/redact.js';

function capture(pretty = false) {
  const lines: string[] = [];
  const log = createLogger({ level: 'trace', pretty, destination: { write: (s: string) => void lines.push(s) } });
  return { log, lines, text: () => lines.join('') };
}

const SECRET = 'S3cr3t-Value-42';

describe('log redaction', () => {
  it('a password key at any depth', () => {
    const { log, text } = capture();
    log.info({ uplink: { auth: { mqtt: { password: SECRET } } }, list: [{ deep: [{ passwd: SECRET }] }] }, 'connecting');
    expect(text()).not.toContain(SECRET);
    expect(text()).toContain('[redacted]');
  });

  it('keys, tokens and secrets by name and by suffix', () => {
    const { log, text } = capture();
    log.warn({ key: SECRET, apiKey: SECRET, accessToken: SECRET, clientSecret: SECRET, status: { token: SECRET }, privateKey: SECRET, authorization: SECRET });
    expect(text()).not.toContain(SECRET);
  });

  it('credentials inside URLs, in fields, arrays and the message itself', () => {
    const { log, text } = capture();
    log.error(
      { brokers: ['mqtts://gw:' + SECRET + '@platform.example:8883'], url: `wss://user:${SECRET}@host/mqtt` },
      `connect to mqtt://gw:${SECRET}@10.0.0.1:1883 failed`,
    );
    const out = text();
    expect(out).not.toContain(SECRET);
    expect(out).toContain('mqtts://[redacted]@platform.example:8883');
  });

  it('secrets in query strings, key=value text and bearer headers', () => {
    const { log, text } = capture();
    log.info(`GET /status?token=${SECRET}&x=1`);
    log.info({ header: `Bearer ${SECRET}` }, `retry with password=${SECRET}`);
    expect(text()).not.toContain(SECRET);
    expect(text()).toContain('x=1');
  });

  it('error messages and stacks', () => {
    const { log, text } = capture();
    const err = new Error(`getaddrinfo failed for mqtt://u:${SECRET}@broker`) as Error & { password?: string };
    err.password = SECRET;
    log.error(err);
    log.error({ err }, 'uplink failed');
    const out = text();
    expect(out).not.toContain(SECRET);
    expect(out).toContain('"type":"Error"');
    expect(out).toContain('getaddrinfo failed');
  });

  it('printf-style arguments', () => {
    const { log, text } = capture();
    log.info('connecting to %s', `mqtts://gw:${SECRET}@host`);
    expect(text()).not.toContain(SECRET);
  });

  it('child logger bindings', () => {
    const { log, text } = capture();
    log.child({ broker: `mqtt://gw:${SECRET}@host`, password: SECRET }).info('hello');
    log.child({ a: 1 }).child({ token: SECRET }).info('grandchild');
    expect(text()).not.toContain(SECRET);
  });

  it('pretty output is redacted too', () => {
    const { log, text } = capture(true);
    log.info({ password: SECRET, url: `mqtt://a:${SECRET}@h` }, 'pretty');
    expect(text()).not.toContain(SECRET);
    expect(text()).toMatch(/INFO  pretty/);
  });

  it('leaves what is not secret alone and does not modify the caller object', () => {
    const input = { passwordFile: '/etc/jx/mqtt.password', keepaliveS: 30, host: 'platform.example', password: SECRET };
    const out = redact(input) as Record<string, unknown>;
    expect(out).toEqual({ passwordFile: '/etc/jx/mqtt.password', keepaliveS: 30, host: 'platform.example', password: '[redacted]' });
    expect(input.password).toBe(SECRET);
    expect(redactString('mqtt://platform.example:1883/x?qos=1')).toBe('mqtt://platform.example:1883/x?qos=1');
  });

  it('survives cycles and very deep objects', () => {
    const a: Record<string, unknown> = { name: 'a' };
    a.self = a;
    let deep: Record<string, unknown> = { password: SECRET };
    for (let i = 0; i < 50; i++) deep = { d: deep };
    const { log, text } = capture();
    log.info({ a, deep });
    expect(text()).toContain('[circular]');
    expect(text()).not.toContain(SECRET);
  });
});

describe('log format', () => {
  it('JSON lines by default, with ISO time and level labels', () => {
    const { log, lines } = capture();
    log.info({ device: 'kitchen-gas' }, 'online');
    const rec = JSON.parse(lines[0] as string) as Record<string, unknown>;
    expect(rec).toMatchObject({ level: 'info', msg: 'online', device: 'kitchen-gas' });
    expect(String(rec.time)).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it("pretty lines carry the venue's time whatever the process's zone, level, name, message and fields", () => {
    const tz = process.env.TZ;
    process.env.TZ = 'UTC'; // a box left at UTC
    try {
      const rec = JSON.stringify({ level: 'warn', time: '2026-11-30T12:03:04.120Z', name: 'uplink', msg: 'broker down', retryInS: 8 });
      expect(formatLine(rec, 'Asia/Shanghai')).toBe('20:03:04.120 WARN  uplink: broker down retryInS=8\n');
      expect(formatLine(rec)).toBe('12:03:04.120 WARN  uplink: broker down retryInS=8\n'); // no zone known yet: the process's
    } finally {
      if (tz === undefined) delete process.env.TZ;
      else process.env.TZ = tz;
    }
  });

  it('pretty lines say events in words, one line each, not a JSON blob', () => {
    const at = '2026-11-30T12:03:04.120Z';
    const line = (event: object) => formatLine(JSON.stringify({ level: 'warn', time: at, name: 'gateway', msg: 'channel event', event })).slice(13);
    expect(
      line({
        type: 'channel',
        device: 'kitchen-gas',
        channel: 'lel',
        state: 'alarm',
        value: 26.8,
        unit: '%LEL',
        detail: '26.8 ≥ 25',
        latched: true,
        test: false,
      }),
    ).toBe('WARN  gateway: 报警 ALARM kitchen-gas/lel 26.8 %LEL: 26.8 ≥ 25 (latched)\n');
    expect(line({ type: 'output', output: 'gas-valve', role: 'gas-valve', action: 'close', status: 'confirmed', reason: 'linkage' })).toBe(
      'WARN  gateway: 燃气阀关闭 gas valve gas-valve close: confirmed — 已关闭 closed\n',
    );
    expect(line({ type: 'output', output: 'fan', role: 'fan', action: 'on', status: 'failed', reason: 'linkage', detail: 'read back off' })).toBe(
      'WARN  gateway: 输出故障 OUTPUT FAULT fan on: read back off\n',
    );
    expect(line({ type: 'output', output: 'fan', role: 'fan', action: 'on', status: 'commanded', reason: 'linkage g' })).toBe(
      'WARN  gateway: fan on: commanded (linkage g)\n',
    );
    expect(line({ type: 'device', device: 'rcd', state: 'offline', reason: 'timeout' })).toBe('WARN  gateway: 离线 OFFLINE rcd: timeout\n');
    // Something that is not one of our events is shown as it is.
    expect(line({ type: 'other', x: 1 })).toBe('WARN  gateway: channel event event={"type":"other","x":1}\n');
  });
});
