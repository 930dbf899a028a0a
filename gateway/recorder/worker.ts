// The recorder's worker thread: the outbox, the state file's writes, the reporter and the uplink, away
// from the thread that polls and drives the outputs. A write that blocks (a frozen or dying SD card, a
// full disk mid-fsync) blocks only this thread; the runtime goes on and the status page says the
// recorder has gone quiet.

import { parentPort, workerData } from 'node:worker_threads';
import type { ConfigAnswer, ControlPort, ProcessDiagnostics, ResetResult, RuntimeStatus } from '../control/port.js';
import { createLogger } from '../log/logger.js';
import { RecentLines } from '../log/recent.js';
import type { ControlCall, FromRecorder, RecorderInit, ToRecorder } from './protocol.js';
import { Recorder } from './recorder.js';
import { SystemClock } from '../uplink/clock.js';

const init = workerData as RecorderInit;
const port = parentPort;
if (!port) throw new Error('gateway/recorder/worker.js runs only as a worker thread');
const send = (m: FromRecorder) => port.postMessage(m);
/** This thread's last log lines, for `get-logs`. */
const recent = new RecentLines();
const log = createLogger({
  level: init.log.level as 'info',
  pretty: init.log.pretty,
  ...(init.log.time === false ? { time: false } : {}),
  ...(init.log.timeZone ? { timeZone: init.log.timeZone } : {}),
  name: 'gateway',
  recent,
});

// The stack of what kills this thread, logged here: the error the main thread gets has lost it.
process.on('uncaughtException', (err) => {
  log.fatal({ err }, 'recorder thread: uncaught exception');
  throw err;
});

let status: RuntimeStatus = init.status;
let nextId = 0;
const waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
function call<T>(c: ControlCall): Promise<T> {
  const id = ++nextId;
  return new Promise<T>((resolve, reject) => {
    waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
    send({ t: 'control', id, call: c });
  });
}

const control: ControlPort = {
  status: () => status,
  reset: (scope, source) => call<ResetResult>({ method: 'reset', scope, source }),
  silence: () => call<string[]>({ method: 'silence' }),
  setMaintenance: (device, on, opts) =>
    call({ method: 'maintenance', device, on, ...(opts.linkageTest !== undefined ? { linkageTest: opts.linkageTest } : {}), source: opts.source }),
  applyConfig: (offer) => call<ConfigAnswer>({ method: 'apply-config', offer }),
  update: (offer) => call<ConfigAnswer>({ method: 'update', offer }),
  diagnostics: () => call<ProcessDiagnostics>({ method: 'diagnostics' }),
};

const recorder = new Recorder(
  init.config,
  init.risk,
  { status: () => status, port: control },
  {
    boot: init.boot,
    log,
    recent,
    ...(init.clockSynced ? { clock: new SystemClock(undefined, true) } : {}),
    ...(init.timers ? { timers: init.timers } : {}),
    ...(init.centreMaps ? { centreMaps: init.centreMaps } : {}),
  },
);
// The picture goes to the runtime's thread when it changes (looked at every 100 ms: a page opened right
// after a command shows its effect), and once a second regardless: its arrival says the thread is alive.
let lastPicture = '';
let lastSentAt = 0;
const picture = (): void => {
  const m = { t: 'picture' as const, picture: recorder.picture(), troubles: recorder.troubles() };
  const json = JSON.stringify(m);
  const now = performance.now();
  if (json === lastPicture && now - lastSentAt < 1000) return;
  lastPicture = json;
  lastSentAt = now;
  send(m);
};
const pictures = setInterval(picture, 100);

port.on('message', (m: ToRecorder) => {
  switch (m.t) {
    case 'event':
      recorder.record(m.e);
      return;
    case 'reading':
      recorder.reading(m.device, m.points);
      return;
    case 'status':
      status = m.status;
      return;
    case 'save':
      recorder.saveState(new Map(m.changed), m.valves, undefined);
      return;
    case 'answer': {
      const w = waiting.get(m.id);
      waiting.delete(m.id);
      if (m.ok) w?.resolve(m.value);
      else w?.reject(new Error(m.error));
      return;
    }
    case 'answer-inspection':
      send({ t: 'inspection-answered', id: m.id, answer: recorder.answerInspection() });
      return;
    case 'start':
      recorder.start(restored);
      return;
    case 'report':
      recorder.reporter.event(m.type, m.body);
      return;
    case 'stop':
      clearInterval(pictures);
      void recorder.stop(m.flushMs, m.restarting).then((report) => {
        send({ t: 'stopped', report });
        port.close();
      });
      return;
  }
});

// Alarms standing from before a restart are restored before any event can touch them; the timers and
// the first heartbeat wait for the runtime's start, so the heartbeat lists the devices it polls.
const restored = recorder.restore();
picture();
