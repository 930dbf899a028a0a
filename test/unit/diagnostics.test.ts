import { describe, expect, it } from 'vitest';
import { DIAGNOSTICS_EN, english, joinedSaid, renderSaid, said } from '../../config/diagnostics.js';
import { DIAGNOSTICS_ZH } from '../../config/diagnostics-zh.js';
import { loadConfigText } from '../../config/load.js';
import { BUILTIN_PROFILES } from '../../drivers/profiles/index.js';

const load = (text: string) => loadConfigText(text, 'config.yaml', { builtinProfiles: BUILTIN_PROFILES, env: {} });

describe('config diagnostics as codes', () => {
  it('renders nested parameters in the same language, and keeps ids and values as written', () => {
    const s = said('cannotReadPasswordFile', { file: '/etc/jx/pw', whyText: said('noSuchFile') });
    expect(english(s)).toBe('cannot read the password file /etc/jx/pw: no such file');
    expect(renderSaid(s, DIAGNOSTICS_ZH)).toBe('无法读取密码文件 /etc/jx/pw：文件不存在');
    const why = joinedSaid([said('whyFireKeyUnit'), said('whyHeavyGas')]);
    expect(renderSaid(why, DIAGNOSTICS_ZH)).toBe('是消防重点场所；大量使用燃气，如火锅店');
    expect(english(why)).toBe('is a fire-safety key unit, 消防重点场所; uses a lot of gas, e.g. a hotpot restaurant');
  });

  it('the Chinese follows the code, not the English sentence: rewording the English cannot lose it', () => {
    const reworded = { ...DIAGNOSTICS_EN, slaveTaken: 'slave {id} is taken on "{bus}" by "{device}"' };
    const s = said('slaveTaken', { id: 3, bus: 'rs485', device: 'gas-1' });
    expect(renderSaid(s, reworded)).toBe('slave 3 is taken on "rs485" by "gas-1"');
    expect(renderSaid(s, DIAGNOSTICS_ZH)).toBe('总线 "rs485" 上的从站地址 3 已被设备 "gas-1" 使用');
  });

  it('every diagnostic of a loaded config carries its code; message is its English', () => {
    const r = load(
      [
        'gateway: { id: GW-1, timeZone: Mars/Olympus }',
        'venue: { id: v1, name: x, category: catering, adminCode: "500242000000", flammables: false, heavyGasUse: true, risk: red }',
        'buses: [{ id: b1, type: tcp, host: 127.0.0.1, port: 502 }]',
        'devices:',
        '  - { id: g1, bus: b2, slaveId: 1, profile: gas-lell }',
      ].join('\n'),
    );
    const all = [...r.errors, ...r.warnings];
    expect(all.length).toBeGreaterThan(3);
    for (const d of all) {
      expect(d.said.code in DIAGNOSTICS_EN, d.message).toBe(true);
      expect(d.message).toBe(english(d.said));
    }
    const codes = all.map((d) => d.said.code);
    expect(codes).toEqual(expect.arrayContaining(['notTimeZone', 'riskTypedIn', 'noBusGuess', 'unknownProfileGuess', 'busNoDevices', 'required']));
    const bus = all.find((d) => d.said.code === 'noBusGuess');
    expect(bus?.said.params).toMatchObject({ bus: 'b2', guess: 'b1', list: 'b1' });
  });

  it("the YAML library's errors go by its code, with its sentence as the detail", () => {
    const tab = load('gateway:\n\tid: GW-1\n');
    expect(tab.status).toBe('syntax');
    expect(tab.errors[0]?.said.code).toBe('yaml.TAB_AS_INDENT');
    expect(renderSaid(tab.errors[0]!.said, DIAGNOSTICS_ZH)).toBe('不能用 Tab 缩进：请用空格缩进');
    const quote = load('gateway:\n  id: "GW-1\n');
    expect(quote.errors[0]?.said.code).toBe('yaml.MISSING_CHAR');
    expect(quote.errors[0]?.said.params.library).toMatch(/^Missing closing/);
    expect(renderSaid(quote.errors[0]!.said, DIAGNOSTICS_ZH)).toMatch(/^缺少字符/);
  });
});
