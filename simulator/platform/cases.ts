// Cases: what the county platform makes of an alarm, with the lifecycle of the county regulation (seed,
// Art. 8). Pure: every function takes the case and the time and returns what changed; the store keeps
// them, the intake and the console call them.
//
//   received → assigned (the township of the venue's adminCode: ordinary hazards and monitoring warnings,
//   Art. 8(1)) → acknowledged (the gateway is told: it stops re-announcing) → escalated to the county
//   governance centre (三级治理中心) and dispatched to the responsible department by the plan (Art. 8(1):
//   a major hazard, or what the township cannot solve: by rule or by hand) → disposition recorded → closed,
//   the result fed back to every level that saw the case (Art. 8(3), 闭环).

import type { RiskColour, SignalKind, VenueCategory } from '../../config/index.js';
import type { AlarmMessage } from '../../gateway/contract/messages.js';
import type { DispatchPlan } from './departments.js';

type CaseStatus = 'assigned' | 'acknowledged' | 'escalated' | 'closed';

/** Who sees a case: the township always; the county centre and a department once escalated. */
type Level = 'township' | 'county' | 'department';

type StepKind =
  | 'received'
  | 'assigned'
  | 'acknowledged'
  | 'escalated'
  | 'dispatched'
  | 'disposed'
  | 'closed'
  | 'fed-back'
  | 'state' // the alarm's state changed at the gateway (warning → alarm, cleared, reset)
  | 'reannounced'
  | 'late'; // a message older than one already applied (replicas, redelivery): recorded, not applied

interface CaseStep {
  at: number;
  kind: StepKind;
  /** Who did it: `rule:…`, `gateway`, or a person's name from the console. */
  by: string;
  text: string;
}

export interface Case {
  /** The alarm's id at the gateway: stable across its whole lifecycle and across re-announcements. */
  alarmId: string;
  /** A short number for people (`C-000042`). */
  no: string;
  gw: string;
  venueId: string;
  adminCode: string;
  category: VenueCategory;
  risk: RiskColour;
  device: string;
  channel: string;
  kind: SignalKind;
  /** The alarm's state at the gateway now (warning, alarm, fault; normal once cleared). */
  alarmState: AlarmMessage['state'];
  /** The worst state the alarm reached. */
  worst: 'warning' | 'alarm' | 'fault';
  test: boolean;
  status: CaseStatus;
  levels: Level[];
  /** The department it was dispatched to (lead), and those that cooperate (Art. 8(2)). */
  department: string | null;
  cooperating: string[];
  disposition: string | null;
  openedAt: number;
  acknowledgedAt: number | null;
  escalatedAt: number | null;
  closedAt: number | null;
  /** When the gateway reported the alarm cleared or reset (the case stays open until closed by people). */
  clearedAt: number | null;
  timeline: CaseStep[];
  /** The seq of the newest message of this alarm applied: with replicas (or a redelivery) an older one can
   *  be handled after it and must not turn the state back. Alarms and events share one gateway counter
   *  that survives restarts, so seq orders them across boots too. Absent in cases stored before it was kept. */
  lastSeq?: number;
}

export interface EscalationRules {
  /** A case not closed this long after it opened goes to the county centre (the township could not solve it). */
  openMinutes: number;
  /** A red venue's gas or fire alarm goes to the county centre at once (a major hazard, 重大事故隐患). */
  redVenueMajor: boolean;
}

export const DEFAULT_ESCALATION: EscalationRules = { openMinutes: 30, redVenueMajor: true };

/** Kinds whose alarm is a gas leak or a fire (the major hazards of the escalation rule). */
const MAJOR_KINDS: ReadonlySet<SignalKind> = new Set(['gas', 'smoke', 'smoke-density', 'temperature', 'residual-current']);

const RANK = { normal: 0, warning: 1, fault: 1, alarm: 2 } as const;

export class CaseError extends Error {}

function step(c: Case, at: number, kind: StepKind, by: string, text: string): void {
  c.timeline.push({ at, kind, by, text });
}

/** Whether an alarm message opens a case: a state other than normal, on a channel not in test. */
export function opensCase(m: AlarmMessage): boolean {
  return m.state !== 'normal';
}

/** A new case from the first message of an alarm (or a re-announcement of one the platform never saw). */
export function openCase(m: AlarmMessage, no: string, now: number, rules: EscalationRules, plan: DispatchPlan): Case {
  if (!opensCase(m)) throw new CaseError(`alarm ${m.alarmId} is ${m.state}: nothing to open`);
  const c: Case = {
    alarmId: m.alarmId,
    no,
    gw: m.gw,
    venueId: m.venue.id,
    adminCode: m.venue.adminCode,
    category: m.venue.category,
    risk: m.venue.risk,
    device: m.device,
    channel: m.channel,
    kind: m.kind,
    alarmState: m.state,
    worst: m.state as Case['worst'],
    test: m.test,
    status: 'assigned',
    levels: ['township'],
    department: null,
    cooperating: [],
    disposition: null,
    openedAt: now,
    acknowledgedAt: null,
    escalatedAt: null,
    closedAt: null,
    clearedAt: null,
    timeline: [],
    lastSeq: m.seq,
  };
  step(c, now, 'received', 'gateway', `${m.state} on ${m.device}/${m.channel}: ${m.detail}${m.reannounce ? ' (re-announced)' : ''}${m.test ? ' (test)' : ''}`);
  step(c, now, 'assigned', 'rule:adminCode', `township ${townshipOf(m.venue.adminCode)}`);
  if (rules.redVenueMajor && isMajor(c)) escalate(c, now, 'rule:red-venue', 'a red venue’s gas or fire alarm is a major hazard', plan);
  return c;
}

/** The township's code: the first 9 digits of the 12-digit division code (乡级). */
export function townshipOf(adminCode: string): string {
  return adminCode.slice(0, 9);
}

function isMajor(c: Case): boolean {
  return !c.test && c.risk === 'red' && c.worst === 'alarm' && MAJOR_KINDS.has(c.kind);
}

/** A later message of the same alarm: its state at the gateway, a re-announcement. Returns whether it changed. */
export function onAlarmMessage(c: Case, m: AlarmMessage, now: number, rules: EscalationRules, plan: DispatchPlan): boolean {
  if (c.lastSeq !== undefined && m.seq < c.lastSeq) {
    step(c, now, 'late', 'gateway', `seq ${m.seq} (${m.previousState} → ${m.state}) arrived after seq ${c.lastSeq}: recorded, state not changed`);
    return true;
  }
  c.lastSeq = m.seq;
  if (m.reannounce && m.state === c.alarmState) {
    step(c, now, 'reannounced', 'gateway', 'still standing, not yet acknowledged at the gateway');
    return true;
  }
  if (m.state === c.alarmState && m.test === c.test) return false;
  c.alarmState = m.state;
  if (m.test !== c.test) c.test = m.test;
  if (m.state === 'normal') {
    c.clearedAt = now;
    step(c, now, 'state', 'gateway', `${m.reason === 'reset' ? 'reset' : 'cleared'} at the gateway: ${m.detail}`);
    return true;
  }
  if (RANK[m.state] > RANK[c.worst]) c.worst = m.state as Case['worst'];
  step(c, now, 'state', 'gateway', `${m.previousState} → ${m.state}: ${m.detail}`);
  if (c.status !== 'closed' && c.status !== 'escalated' && rules.redVenueMajor && isMajor(c)) {
    escalate(c, now, 'rule:red-venue', 'a red venue’s gas or fire alarm is a major hazard', plan);
  }
  return true;
}

/** The township takes the case; the gateway is then told (`ack-alarm`) and stops re-announcing. */
export function acknowledge(c: Case, now: number, by: string): void {
  if (c.status === 'closed') throw new CaseError(`case ${c.no} is closed`);
  if (c.acknowledgedAt !== null) throw new CaseError(`case ${c.no} is already acknowledged`);
  c.acknowledgedAt = now;
  if (c.status === 'assigned') c.status = 'acknowledged';
  step(c, now, 'acknowledged', by, 'acknowledged; ack-alarm sent to the gateway');
}

/** Up to the county centre and dispatched to the responsible department by the plan (Art. 8(1)–(2)). */
export function escalate(c: Case, now: number, by: string, why: string, plan: DispatchPlan): void {
  if (c.status === 'closed') throw new CaseError(`case ${c.no} is closed`);
  if (c.escalatedAt !== null) throw new CaseError(`case ${c.no} is already with the county centre`);
  const d = plan.dispatch(c.category, c.kind);
  c.status = 'escalated';
  c.escalatedAt = now;
  c.department = d.lead;
  c.cooperating = d.cooperating;
  c.levels = ['township', 'county', 'department'];
  step(c, now, 'escalated', by, `to the county governance centre: ${why}`);
  step(c, now, 'dispatched', 'rule:plan', `lead ${d.lead}${d.cooperating.length ? `; cooperating ${d.cooperating.join(', ')}` : ''}`);
}

/** Escalation by time: a case the township has not closed within the rule's minutes. */
export function tick(c: Case, now: number, rules: EscalationRules, plan: DispatchPlan): boolean {
  if (c.status === 'closed' || c.escalatedAt !== null || c.test) return false;
  if (now - c.openedAt < rules.openMinutes * 60_000) return false;
  escalate(c, now, 'rule:open-too-long', `not closed after ${rules.openMinutes} min`, plan);
  return true;
}

/** The disposition recorded and the case closed; the result fed back to every level that saw it (Art. 8(3)). */
export function close(c: Case, now: number, by: string, disposition: string): void {
  if (c.status === 'closed') throw new CaseError(`case ${c.no} is already closed`);
  const text = disposition.trim();
  if (!text) throw new CaseError(`case ${c.no}: a disposition is needed to close it (what was found and done)`);
  c.disposition = text;
  c.status = 'closed';
  c.closedAt = now;
  step(c, now, 'disposed', by, text);
  step(c, now, 'closed', by, 'closed');
  const seen = c.levels.map((l) => (l === 'township' ? `township ${townshipOf(c.adminCode)}` : l === 'county' ? 'county centre' : c.department));
  step(c, now, 'fed-back', 'rule:closed-loop', `result sent to ${seen.join(', ')}`);
}
