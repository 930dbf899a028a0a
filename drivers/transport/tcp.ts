// TCP link for Modbus TCP and for RTU over TCP (a serial server in transparent mode).

import { Socket } from 'node:net';
import { Transport } from './transport.js';

export interface TcpOptions {
  host: string;
  port: number;
  /** How long a connection attempt may take before it counts as failed. */
  connectTimeoutMs: number;
}

export class TcpTransport extends Transport {
  readonly kind = 'tcp' as const;
  readonly label: string;
  private socket: Socket | undefined;

  constructor(private readonly options: TcpOptions) {
    super();
    this.label = `tcp ${options.host.includes(':') ? `[${options.host}]` : options.host}:${options.port}`;
  }

  get isOpen(): boolean {
    return this.socket !== undefined && !this.socket.destroyed && this.socket.readyState === 'open';
  }

  open(): Promise<void> {
    if (this.isOpen) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const socket = new Socket();
      let settled = false;
      const fail = (reason: string) => {
        if (settled) return;
        settled = true;
        socket.destroy();
        reject(new Error(reason));
      };
      const timer = setTimeout(
        () => fail(`connect to ${this.options.host}:${this.options.port} timed out after ${this.options.connectTimeoutMs} ms`),
        this.options.connectTimeoutMs,
      );
      socket.once('error', (err: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        fail(err.code === 'ECONNREFUSED' ? `connection refused by ${this.options.host}:${this.options.port}` : err.message);
      });
      socket.connect({ host: this.options.host, port: this.options.port }, () => {
        clearTimeout(timer);
        if (settled) return;
        settled = true;
        // Modbus frames are small and latency matters more than packing.
        socket.setNoDelay(true);
        socket.setKeepAlive(true, 10_000);
        socket.removeAllListeners('error');
        socket.on('error', () => {
          // 'close' follows every 'error' and carries the report.
        });
        socket.on('data', (chunk) => this.emit('data', chunk));
        socket.once('close', (hadError) => {
          // Only a close we did not ask for is news: close() clears this.socket first.
          if (this.socket !== socket) return;
          this.socket = undefined;
          this.emit('close', hadError ? 'connection reset' : 'peer closed the connection');
        });
        this.socket = socket;
        resolve();
      });
    });
  }

  write(data: Buffer): Promise<void> {
    const socket = this.socket;
    if (!socket || !this.isOpen) return Promise.reject(new Error('not connected'));
    return new Promise((resolve, reject) => socket.write(data, (err) => (err ? reject(err) : resolve())));
  }

  close(): Promise<void> {
    const socket = this.socket;
    if (!socket) return Promise.resolve();
    this.socket = undefined;
    return new Promise((resolve) => {
      socket.once('close', () => resolve());
      socket.destroy();
    });
  }
}
