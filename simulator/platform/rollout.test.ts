// The rollout's rules on a simulated clock: waves, rate, abort threshold, timeouts.
import { describe, expect, it } from 'vitest';
import { Rollout, type RolloutPlan } from './rollout.js';

const gws = (n: number) => Array.from({ length: n }, (_, i) => `GW-${String(i + 1).padStart(4, '0')}`);
const plan = (o: Partial<RolloutPlan> = {}): RolloutPlan => ({
  id: 'r1',
  kind: 'config',
  version: 'v2',
  gateways: gws(1000),
  waves: [0.01, 0.1, 1],
  ratePerS: 50,
  abort: { failurePct: 5, minAnswered: 10 },
  probationS: 60,
  answerTimeoutS: 30,
  ...o,
});

/** Runs a rollout where each box answers at once and keeps the config unless `fails` says otherwise. */
function run(p: RolloutPlan, fails: (gw: string) => 'refuse' | 'roll-back' | 'silent' | null) {
  const sent: { gw: string; at: number }[] = [];
  let now = 0;
  const r: Rollout = new Rollout(p, (gw) => sent.push({ gw, at: now }), now);
  for (; now < 3_600_000 && r.view().state === 'running'; now += 100) {
    r.tick(now);
    for (const s of sent.filter((x) => x.at === now)) {
      const f = fails(s.gw);
      if (f === 'silent') continue;
      r.answered(s.gw, f !== 'refuse', f === 'refuse' ? 'config refused' : null, now);
      if (f === null) r.outcome(s.gw, 'kept', null, now);
      if (f === 'roll-back') r.outcome(s.gw, 'rolled-back', 'device x not answering', now);
    }
  }
  return { r, sent, now };
}

describe('rollout', () => {
  it('goes wave by wave at the rate and ends when every box kept the config', () => {
    const { r, sent, now } = run(plan(), () => null);
    expect(r.view()).toMatchObject({ state: 'done', wave: 3, counts: { kept: 1000 }, failurePct: 0 });
    expect(sent.map((s) => s.gw)).toEqual(gws(1000));
    // 1000 offers at 50/s: about 20 s; never more than 50 in any second.
    expect(now).toBeGreaterThan(19_000);
    for (let t = 0; t < now; t += 1000) expect(sent.filter((s) => s.at >= t && s.at < t + 1000).length).toBeLessThanOrEqual(50);
  });

  it('stops after the first wave when too many boxes fail: nobody beyond it is offered the config', () => {
    // Every fourth box rolls back: the first wave (GW-0001…GW-0010) has two, 20 % > 5 %.
    const bad = (gw: string) => (Number(gw.slice(3)) % 4 === 0 ? 'roll-back' : null);
    const { r, sent } = run(plan(), bad);
    const v = r.view();
    expect(v.state).toBe('aborted');
    expect(v.reason).toMatch(/failed \(\d+\.\d % > 5 %\) in wave 1/);
    expect(sent.length).toBe(10);
    expect(v.counts['rolled-back']).toBe(2);
  });

  it('counts silent boxes as failed once their probation and the answer time are over', () => {
    const { r } = run(plan({ gateways: gws(20), waves: [1], abort: { failurePct: 50, minAnswered: 10 } }), (gw) => (gw === 'GW-0003' ? 'silent' : null));
    expect(r.view()).toMatchObject({ state: 'done', counts: { kept: 19, 'timed-out': 1 }, failurePct: 5 });
    expect(r.boxesView().find((b) => b.gw === 'GW-0003')?.reason).toBe('no outcome within 90 s');
  });

  it('refuses a plan whose waves do not rise to 1', () => {
    expect(() => new Rollout(plan({ waves: [0.5, 0.2, 1] }), () => undefined, 0)).toThrow(/waves must rise to 1/);
    expect(() => new Rollout(plan({ waves: [0.1, 0.5] }), () => undefined, 0)).toThrow(/waves must rise to 1/);
  });
});
