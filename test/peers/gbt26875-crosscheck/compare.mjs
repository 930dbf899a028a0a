// Compares what the Go codec decoded (go.jsonl) with what we encoded (cases.json), field by field.
import { readFileSync } from 'node:fs';
const cases = JSON.parse(readFileSync('cases.json', 'utf8'));
const go = readFileSync('go.jsonl', 'utf8')
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l));
const ts = (t) => Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute, t.second) / 1000;
let ok = 0;
const bad = [];
const eq = (i, what, a, b) => {
  if (a !== b) bad.push(`${i} ${what}: ours ${a} go ${b}`);
};
cases.forEach((c, i) => {
  const g = go[i];
  const p = g.packet;
  const h = p.header;
  eq(i, 'serial', c.frame.serial, h.SerialId);
  eq(i, 'version', c.frame.version.main * 256 + c.frame.version.user, h.Version);
  eq(i, 'time', ts(c.frame.time), h.Timestamp);
  eq(i, 'source', c.frame.source, h.Source);
  eq(i, 'target', c.frame.destination, h.Target);
  eq(i, 'action', 2, g.action);
  const list =
    {
      1: p.controller_states,
      2: p.equipment_states,
      3: p.equipment_parameters,
      4: p.controller_operations,
      5: p.controller_versions,
      6: p.controller_configures,
      7: p.equipment_configures,
      8: p.controller_timestamps,
      21: p.transmission_states,
      24: p.transmission_operations,
      25: p.transmission_versions,
      26: p.transmission_configures,
      28: p.transmission_timestamps,
    }[c.type] ?? [];
  eq(i, `type ${c.type} count`, c.objects.length, list.length);
  c.objects.forEach((o, k) => {
    const x = list[k] ?? {};
    const w = `type ${c.type} #${k}`;
    const ctrl = x.Ctrl ?? x.Equ?.Ctrl;
    if ('systemType' in o) {
      eq(i, `${w} systemType`, o.systemType, ctrl?.Type);
      eq(i, `${w} systemAddress`, o.systemAddress, ctrl?.Addr);
    }
    if ('componentType' in o) {
      eq(i, `${w} componentType`, o.componentType, x.Equ?.Type);
      eq(i, `${w} componentAddress`, o.componentAddress, x.Equ?.Addr);
    }
    if ('status' in o) eq(i, `${w} status`, o.status, x.Flag);
    if ('operation' in o) {
      eq(i, `${w} operation`, o.operation, x.Flag);
      eq(i, `${w} operator`, o.operator, x.Operator);
    }
    if (c.type === 2 || c.type === 7) eq(i, `${w} description`, o.description, x.Description);
    if (c.type === 6 || c.type === 26) eq(i, `${w} description`, o.description, x.Configure);
    if (c.type === 3) {
      eq(i, `${w} analogType`, o.analogType, x.Info?.Type);
      eq(i, `${w} value`, o.value, x.Info?.Value);
    }
    if (c.type === 5 || c.type === 25) eq(i, `${w} version`, o.major * 256 + o.minor, x.Version);
    if ('time' in o) eq(i, `${w} time`, ts(o.time), x.Timestamp);
    if ('clock' in o) eq(i, `${w} clock`, ts(o.clock), x.Timestamp);
  });
  ok++;
});
console.log(`${ok} frames compared, ${bad.length} differences`);
console.log(bad.slice(0, 20).join('\n'));
const byType = {};
for (const c of cases) byType[c.type] = (byType[c.type] ?? 0) + 1;
console.log(JSON.stringify(byType));
