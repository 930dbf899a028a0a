// Cross-check input: 1000 random frames of the 13 upload types, encoded by our codec (dist/), written as
// hex lines for the Go harness (xcheck.go) and as JSON for compare.mjs. Run through run.sh.
import { writeFileSync } from 'node:fs';

const { encodeFrame, timeLabelOf } = await import(`${process.env.JX_ROOT}/dist/gateway/centre/gbt26875/frame.js`);
const { encodeUnit } = await import(`${process.env.JX_ROOT}/dist/gateway/centre/gbt26875/units.js`);
let a = 42;
const rand = () => {
  a |= 0;
  a = (a + 0x6d2b79f5) | 0;
  let t = Math.imul(a ^ (a >>> 15), 1 | a);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const rnd = (n) => Math.floor(rand() * n);
const time = () => timeLabelOf(new Date(Date.UTC(2020 + rnd(10), rnd(12), 1 + rnd(28), rnd(24), rnd(60), rnd(60))));
const words = ['厨房燃气', '配电箱 panel', 'A区1层走廊', '后厨灶台燃气探测器', 'gas lel', ''];
const sys = () => ({ systemType: rnd(256), systemAddress: rnd(256) });
const comp = () => ({ ...sys(), componentType: rnd(256), componentAddress: rnd(2 ** 31) });
const makers = {
  1: () => ({ type: 1, ...sys(), status: rnd(65536), time: time() }),
  2: () => ({ type: 2, ...comp(), status: rnd(65536), description: words[rnd(words.length)], time: time() }),
  3: () => ({ type: 3, ...comp(), analogType: rnd(13), value: rnd(65536) - 32768, time: time() }),
  4: () => ({ type: 4, ...sys(), operation: rnd(256), operator: rnd(256), time: time() }),
  5: () => ({ type: 5, ...sys(), major: rnd(256), minor: rnd(256) }),
  6: () => ({ type: 6, ...sys(), description: words[rnd(words.length)] + 'x' }),
  7: () => ({ type: 7, ...comp(), description: words[rnd(words.length)] }),
  8: () => ({ type: 8, ...sys(), clock: time() }),
  21: () => ({ type: 21, status: rnd(256), time: time() }),
  24: () => ({ type: 24, operation: rnd(256), operator: rnd(256), time: time() }),
  25: () => ({ type: 25, major: rnd(256), minor: rnd(256) }),
  26: () => ({ type: 26, description: words[rnd(words.length)] + 'y' }),
  28: () => ({ type: 28, clock: time() }),
};
const types = Object.keys(makers).map(Number);
const cases = [];
for (let i = 0; i < 1000; i++) {
  const type = types[rnd(types.length)];
  const count = type === 6 || type === 26 ? 1 : 1 + rnd(4);
  const objects = Array.from({ length: count }, () => makers[type]());
  const frame = {
    serial: rnd(65536),
    version: { main: 1, user: rnd(256) },
    time: time(),
    source: rnd(2 ** 47),
    destination: rnd(2 ** 47),
    command: 2,
    data: encodeUnit({ type, objects }),
  };
  cases.push({ frame: { ...frame, data: undefined }, type, objects, hex: Buffer.from(encodeFrame(frame)).toString('hex') });
}
writeFileSync('cases.json', JSON.stringify(cases));
writeFileSync('frames.hex', cases.map((c) => c.hex).join('\n') + '\n');
