// The console's change to many boxes' configs: a YAML edit of each box's own file, comments kept, list
// items by id, and an error naming what did not fit.
import { describe, expect, it } from 'vitest';
import { ConfigEditError, editConfig } from './config-edit.js';

const BOX = `# 老王火锅 — installed 2026-11-02
gateway: { id: GW-1 }
devices:
  - id: kitchen-gas   # over the stove
    profile: gas-lel
    channels:
      lel: { warning: 10, alarm: 20 }
  - id: hall-smoke
    profile: smoke
`;

describe('editConfig', () => {
  it('sets a value by list item id, keeps the comments and the rest of the file', () => {
    const out = editConfig(BOX, [{ path: 'devices[kitchen-gas].channels.lel.warning', value: 8 }]);
    expect(out).toContain('# 老王火锅 — installed 2026-11-02');
    expect(out).toContain('# over the stove');
    expect(out).toMatch(/lel: \{ warning: 8, alarm: 20 \}/);
    expect(out).toContain('id: hall-smoke');
  });

  it('makes the maps missing below an item (a device on default thresholds gets its own)', () => {
    const out = editConfig(BOX, [{ path: 'devices[hall-smoke].pollIntervalMs', value: 500 }]);
    expect(out).toMatch(/- id: hall-smoke\n {4}profile: smoke\n {4}pollIntervalMs: 500/);
  });

  it('names the part that does not fit, and the path that is malformed', () => {
    expect(() => editConfig(BOX, [{ path: 'devices[ghost].channels.lel.warning', value: 8 }])).toThrow(
      new ConfigEditError('devices[ghost].channels.lel.warning: no item [ghost] in devices'),
    );
    expect(() => editConfig(BOX, [{ path: 'gateway[0].id', value: 'x' }])).toThrow('gateway[0].id: gateway is not a list');
    expect(() => editConfig(BOX, [{ path: 'devices.x', value: 1 }])).toThrow('devices.x: devices is a list: name an item, devices[ID]');
    expect(() => editConfig(BOX, [{ path: '[0]', value: 1 }])).toThrow('path "[0]" is not like devices[kitchen-gas].channels.lel.warning');
    expect(() => editConfig('a: [', [{ path: 'a', value: 1 }])).toThrow(/^the config does not parse/);
  });
});
