// ${ENV} expansion and path → position mapping, the two things every config error message rests on.
import { describe, expect, it } from 'vitest';
import { YamlSource } from '../../config/yaml-source.js';

function parse(text: string) {
  const { source, syntaxErrors } = YamlSource.parse(text);
  expect(syntaxErrors).toEqual([]);
  return source;
}

describe('${ENV} expansion', () => {
  it('replaces set variables, uses defaults, keeps $${ literal', () => {
    const s = parse('a: "${HOST}:${PORT:-1883}"\nb: "$${NOT_A_VAR}"\nc: [x, "${HOST}"]\n');
    const r = s.expandEnv({ HOST: 'broker.local' });
    expect(r.errors).toEqual([]);
    expect(s.toJS()).toEqual({ a: 'broker.local:1883', b: '${NOT_A_VAR}', c: ['x', 'broker.local'] });
    expect([...r.fromEnv.keys()]).toEqual(['a', 'c[1]']);
  });

  it('an empty variable counts as unset, so the default applies or it is an error', () => {
    const s = parse('a: ${EMPTY:-fallback}\nb: ${EMPTY}\n');
    const r = s.expandEnv({ EMPTY: '' });
    expect(s.toJS()).toEqual({ a: 'fallback', b: '${EMPTY}' });
    expect(r.errors).toEqual([
      { path: 'b', line: 2, column: 4, message: 'environment variable EMPTY is not set', said: { code: 'envNotSet', params: { name: 'EMPTY' } } },
    ]);
  });

  it('does not touch numbers, booleans or keys', () => {
    const s = parse('port: 1883\n"${K}": 1\nflag: true\n');
    s.expandEnv({ K: 'x' });
    expect(s.toJS()).toEqual({ port: 1883, '${K}': 1, flag: true });
  });
});

describe('locate', () => {
  const s = parse('venue:\n  id: V1\ndevices:\n  - id: a\n    slaveId: 0\n  - { id: b, slaveId: 2 }\n');

  it('points at the value of a path', () => {
    expect(s.locate(['devices', 0, 'slaveId'])).toEqual({ line: 5, column: 14 });
    expect(s.locate(['devices', 1, 'slaveId'])).toEqual({ line: 6, column: 23 });
  });

  it('points at the key when asked (unknown keys)', () => {
    expect(s.locate(['devices', 0, 'slaveId'], 'key')).toEqual({ line: 5, column: 5 });
  });

  it('a missing key points at its parent', () => {
    expect(s.locate(['venue', 'adminCode'])).toEqual({ line: 1, column: 1 });
    expect(s.locate(['devices', 5, 'id'])).toEqual({ line: 4, column: 3 });
  });
});
