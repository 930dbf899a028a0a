// The case lifecycle of the county regulation (Art. 8) as pure logic, and the dispatch plan and the
// inspection calendar (Art. 6(5)) it relies on.
import { describe, expect, it } from 'vitest';
import type { AlarmMessage } from '../../gateway/contract/messages.js';
import { acknowledge, CaseError, close, DEFAULT_ESCALATION, escalate, onAlarmMessage, openCase, tick, townshipOf } from './cases.js';
import { DispatchPlan } from './departments.js';
import { inspectionDue } from './inspection.js';

const plan = new DispatchPlan();
const T0 = Date.parse('2026-12-01T08:00:00Z');

function alarm(over: Partial<AlarmMessage> = {}, venue: Partial<AlarmMessage['venue']> = {}): AlarmMessage {
  return {
    v: 1,
    id: 'msg-1',
    gw: 'GW-1',
    seq: 1,
    at: new Date(T0).toISOString(),
    clock: 'synced',
    boot: 'b1',
    type: 'channel',
    alarmId: 'A-1',
    device: 'kitchen-gas',
    channel: 'lel',
    kind: 'gas',
    state: 'alarm',
    previousState: 'warning',
    reason: 'threshold',
    detail: '26.4 ≥ alarm 25',
    value: 26.4,
    threshold: 25,
    unit: '%LEL',
    latched: true,
    test: false,
    reannounce: false,
    venue: { id: 'V-1', adminCode: '500242100000', category: 'catering', risk: 'orange', ...venue },
    ...over,
  };
}

describe('cases (Art. 8)', () => {
  it('an alarm is received and assigned to the township of its adminCode', () => {
    const c = openCase(alarm(), 'C-000001', T0, DEFAULT_ESCALATION, plan);
    expect(c.status).toBe('assigned');
    expect(c.levels).toEqual(['township']);
    expect(townshipOf('500242100000')).toBe('500242100');
    expect(c.timeline.map((s) => s.kind)).toEqual(['received', 'assigned']);
    expect(c.timeline[1]!.text).toBe('township 500242100');
  });

  it('acknowledged by the township, escalated after N minutes open, dispatched by category, closed with feedback to every level', () => {
    const c = openCase(alarm(), 'C-000001', T0, DEFAULT_ESCALATION, plan);
    acknowledge(c, T0 + 1000, '张三');
    expect(c.status).toBe('acknowledged');
    expect(() => acknowledge(c, T0 + 2000, '张三')).toThrow(CaseError);
    expect(tick(c, T0 + 29 * 60_000, DEFAULT_ESCALATION, plan)).toBe(false);
    expect(tick(c, T0 + 30 * 60_000, DEFAULT_ESCALATION, plan)).toBe(true);
    expect(c.status).toBe('escalated');
    expect(c.levels).toEqual(['township', 'county', 'department']);
    expect(c.department).toMatch(/县商务委/);
    expect(c.cooperating.join()).toMatch(/住房城乡建委.*消防救援大队/);
    expect(() => close(c, T0 + 40 * 60_000, '李四', '  ')).toThrow(/a disposition is needed/);
    close(c, T0 + 40 * 60_000, '李四', 'hose replaced, valve reopened by the owner after the check');
    expect(c.status).toBe('closed');
    expect(c.timeline.map((s) => s.kind)).toEqual(['received', 'assigned', 'acknowledged', 'escalated', 'dispatched', 'disposed', 'closed', 'fed-back']);
    expect(c.timeline.at(-1)!.text).toMatch(/township 500242100, county centre, 县商务委/);
    expect(c.timeline.every((s, i) => i === 0 || s.at >= c.timeline[i - 1]!.at)).toBe(true);
    expect(() => close(c, T0 + 50 * 60_000, '李四', 'again')).toThrow(/already closed/);
    expect(() => escalate(c, T0, 'x', 'y', plan)).toThrow(/closed/);
  });

  it("a red venue's gas or fire alarm goes to the county centre at once; a warning does not, until it becomes an alarm", () => {
    const red = openCase(alarm({}, { risk: 'red' }), 'C-1', T0, DEFAULT_ESCALATION, plan);
    expect(red.status).toBe('escalated');
    expect(red.timeline.find((s) => s.kind === 'escalated')!.by).toBe('rule:red-venue');
    const warning = openCase(alarm({ state: 'warning', previousState: 'normal' }, { risk: 'red' }), 'C-2', T0, DEFAULT_ESCALATION, plan);
    expect(warning.status).toBe('assigned');
    onAlarmMessage(warning, alarm({ id: 'msg-2', state: 'alarm', previousState: 'warning' }, { risk: 'red' }), T0 + 5000, DEFAULT_ESCALATION, plan);
    expect(warning.status).toBe('escalated');
    expect(warning.worst).toBe('alarm');
    const orange = openCase(alarm(), 'C-3', T0, DEFAULT_ESCALATION, plan);
    expect(orange.status).toBe('assigned');
    const fault = openCase(alarm({ state: 'fault', reason: 'unreadable' }, { risk: 'red' }), 'C-4', T0, DEFAULT_ESCALATION, plan);
    expect(fault.status).toBe('assigned'); // a sensor fault is the township's (maintenance), not a major hazard
    const test = openCase(alarm({ test: true }, { risk: 'red' }), 'C-5', T0, DEFAULT_ESCALATION, plan);
    expect(test.status).toBe('assigned');
    expect(tick(test, T0 + 3600_000, DEFAULT_ESCALATION, plan)).toBe(false); // a test never escalates by time
  });

  it('re-announcements and the clearing at the gateway are recorded; the case stays open until people close it', () => {
    const c = openCase(alarm(), 'C-1', T0, DEFAULT_ESCALATION, plan);
    expect(onAlarmMessage(c, alarm({ id: 'm2', reannounce: true }), T0 + 60_000, DEFAULT_ESCALATION, plan)).toBe(true);
    expect(onAlarmMessage(c, alarm({ id: 'm3' }), T0 + 61_000, DEFAULT_ESCALATION, plan)).toBe(false);
    onAlarmMessage(
      c,
      alarm({ id: 'm4', state: 'normal', previousState: 'alarm', reason: 'reset', detail: 'local reset' }),
      T0 + 90_000,
      DEFAULT_ESCALATION,
      plan,
    );
    expect(c.alarmState).toBe('normal');
    expect(c.clearedAt).toBe(T0 + 90_000);
    expect(c.status).toBe('assigned');
    expect(c.timeline.map((s) => s.kind)).toEqual(['received', 'assigned', 'reannounced', 'state']);
    expect(c.timeline.at(-1)!.text).toMatch(/^reset at the gateway/);
  });

  it('a message older than one already applied (two replicas, a redelivery) is recorded but never turns the state back', () => {
    const c = openCase(alarm({ seq: 10, state: 'warning', previousState: 'normal' }), 'C-1', T0, DEFAULT_ESCALATION, plan);
    onAlarmMessage(c, alarm({ id: 'm12', seq: 12, state: 'normal', previousState: 'alarm', reason: 'cleared' }), T0 + 2000, DEFAULT_ESCALATION, plan);
    expect(onAlarmMessage(c, alarm({ id: 'm11', seq: 11, state: 'alarm', previousState: 'warning' }), T0 + 2100, DEFAULT_ESCALATION, plan)).toBe(true);
    expect(c.alarmState).toBe('normal');
    expect(c.timeline.at(-1)).toMatchObject({ kind: 'late', text: 'seq 11 (warning → alarm) arrived after seq 12: recorded, state not changed' });
    // The counter survives a restart of the gateway (another boot): seq still orders.
    onAlarmMessage(c, alarm({ id: 'm20', boot: 'b2', seq: 20, state: 'alarm', reannounce: true }), T0 + 61_000, DEFAULT_ESCALATION, plan);
    expect(c.alarmState).toBe('alarm');
    onAlarmMessage(c, alarm({ id: 'm13', seq: 13, state: 'normal', previousState: 'alarm' }), T0 + 62_000, DEFAULT_ESCALATION, plan);
    expect(c.alarmState).toBe('alarm');
  });

  it('a state of normal opens nothing', () => {
    expect(() => openCase(alarm({ state: 'normal' }), 'C-1', T0, DEFAULT_ESCALATION, plan)).toThrow(/nothing to open/);
  });
});

describe('dispatch plan', () => {
  it('has a lead for every category, cooperating departments by kind, and takes overrides', () => {
    expect(plan.dispatch('medical', 'smoke')).toEqual({
      lead: '县卫生健康委 county health commission',
      cooperating: ['县消防救援大队 county fire and rescue brigade'],
    });
    expect(plan.dispatch('shopping', 'voltage').cooperating).toEqual([]);
    const local = new DispatchPlan({ leads: { catering: '县市场监管局' }, cooperating: { voltage: ['国网供电公司'] } });
    expect(local.dispatch('catering', 'voltage')).toEqual({ lead: '县市场监管局', cooperating: ['国网供电公司'] });
    expect(() => new DispatchPlan({ leads: { bakery: 'x' } } as never)).toThrow(/bakery|key/i);
  });
});

describe('inspection calendar (Art. 6(5))', () => {
  const last = Date.parse('2026-01-31T02:00:00Z');
  it('red monthly, orange every two months, yellow quarterly, blue half-yearly; a missing day falls on the month end', () => {
    expect(new Date(inspectionDue('red', last, 0)).toISOString()).toBe('2026-02-28T02:00:00.000Z');
    expect(new Date(inspectionDue('orange', last, 0)).toISOString()).toBe('2026-03-31T02:00:00.000Z');
    expect(new Date(inspectionDue('yellow', last, 0)).toISOString()).toBe('2026-04-30T02:00:00.000Z');
    expect(new Date(inspectionDue('blue', last, 0)).toISOString()).toBe('2026-07-31T02:00:00.000Z');
    expect(new Date(inspectionDue('blue', Date.parse('2026-09-15T00:00:00Z'), 0)).toISOString()).toBe('2027-03-15T00:00:00.000Z');
  });
  it('a venue never inspected is due now', () => {
    expect(inspectionDue('yellow', null, T0)).toBe(T0);
  });
});
