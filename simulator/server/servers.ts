// The three ways the simulator serves its devices: Modbus TCP, RTU over TCP (as a serial server in
// transparent mode would), and RTU on a serial path (one end of a socat pty pair, or a real adapter).

import { createServer, type Server, type Socket } from 'node:net';
import { SerialPort } from 'serialport';
import { RtuServerStream } from './rtu-stream.js';
import type { Station } from './station.js';

export interface RunningServer {
  readonly label: string;
  /** The bound TCP port (useful when 0 was asked for). */
  readonly port?: number;
  close(): Promise<void>;
}

function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.removeListener('error', reject);
      const addr = server.address();
      resolve(typeof addr === 'object' && addr ? addr.port : port);
    });
  });
}

function tracked(server: Server): { sockets: Set<Socket>; close: () => Promise<void> } {
  const sockets = new Set<Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => s.destroy());
  });
  return {
    sockets,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

export async function serveTcp(station: Station, host: string, port: number): Promise<RunningServer> {
  const server = createServer((socket) => {
    socket.setNoDelay(true);
    let buf: Buffer = Buffer.alloc(0);
    socket.on('data', (chunk) => {
      buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
      while (buf.length >= 7) {
        const len = buf.readUInt16BE(4);
        if (buf.readUInt16BE(2) !== 0 || len < 2 || len > 254) {
          socket.destroy(); // not Modbus TCP: a real device would drop it too
          return;
        }
        if (buf.length < 6 + len) return;
        const tid = buf.readUInt16BE(0);
        const slaveId = buf[6] as number;
        const pdu = Buffer.from(buf.subarray(7, 6 + len));
        buf = buf.subarray(6 + len);
        const a = station.handle(slaveId, pdu, 7);
        if (a.kind === 'silent') continue;
        if (a.kind === 'drop') {
          socket.destroy();
          return;
        }
        const head = Buffer.alloc(7);
        head.writeUInt16BE(a.corrupt ? (tid + 1) & 0xffff : tid, 0);
        head.writeUInt16BE(0, 2);
        head.writeUInt16BE(a.pdu.length + 1, 4);
        head[6] = a.slaveId;
        const frame = Buffer.concat([head, a.pdu]);
        const send = () => {
          if (!socket.destroyed) socket.write(frame);
        };
        if (a.delayMs > 0) setTimeout(send, a.delayMs);
        else send();
      }
    });
  });
  const t = tracked(server);
  const bound = await listen(server, host, port);
  return { label: `Modbus TCP on ${host}:${bound}`, port: bound, close: t.close };
}

export async function serveRtuOverTcp(station: Station, host: string, port: number): Promise<RunningServer> {
  const server = createServer((socket) => {
    socket.setNoDelay(true);
    const stream = new RtuServerStream(
      station,
      (frame) => {
        if (!socket.destroyed) socket.write(frame);
      },
      () => socket.destroy(),
    );
    socket.on('data', (chunk) => stream.push(chunk));
  });
  const t = tracked(server);
  const bound = await listen(server, host, port);
  return { label: `RTU over TCP on ${host}:${bound}`, port: bound, close: t.close };
}

export async function serveRtu(station: Station, path: string, baud: number): Promise<RunningServer> {
  const port = new SerialPort({ path, baudRate: baud, autoOpen: false });
  await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(new Error(`cannot open ${path}: ${err.message}`)) : resolve())));
  const stream = new RtuServerStream(
    station,
    (frame) => {
      if (port.isOpen) port.write(frame);
    },
    () => {
      // A serial line cannot be "dropped"; the nearest thing is silence.
    },
  );
  port.on('data', (chunk: Buffer) => stream.push(chunk));
  port.on('error', () => {
    // the master side may go away; nothing to do
  });
  return {
    label: `RTU on ${path} at ${baud} baud`,
    close: () => new Promise<void>((resolve) => (port.isOpen ? port.close(() => resolve()) : resolve())),
  };
}
