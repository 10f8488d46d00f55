/**
 * The wire record of a flow: named steps, every exchange on the back channel (HTTP requests the tool
 * sent) and the front channel (the authorize URL opened, the redirect received), and notes explaining
 * what was derived or checked. Recording is a few array pushes; sinks (text, JSON lines, HAR, curl)
 * render it later, always through the one redaction function in core.
 */
import type { WireRequest, WireResponse } from '../core/wire.js';
import './run-key.js';

export type TraceEvent =
  | { type: 'step'; at: number; name: string }
  | { type: 'note'; at: number; text: string }
  | {
      type: 'exchange';
      at: number;
      channel: 'back';
      request: WireRequest;
      response?: WireResponse;
      error?: { code: string; message: string };
      durationMs: number;
      attempt: number;
    }
  | { type: 'front'; at: number; direction: 'open' | 'receive'; url: string; via: string };

export interface TraceListener {
  (event: TraceEvent): void;
}

/** Collects the events of one run; listeners see each event as it happens (for live `--trace`). */
export class Trace {
  readonly events: TraceEvent[] = [];
  private readonly listeners: TraceListener[] = [];
  constructor(private readonly clock: () => number = Date.now) {}

  onEvent(listener: TraceListener): void {
    this.listeners.push(listener);
  }

  private push(event: TraceEvent): void {
    this.events.push(event);
    for (const l of this.listeners) l(event);
  }

  step(name: string): void {
    this.push({ type: 'step', at: this.clock(), name });
  }

  note(text: string): void {
    this.push({ type: 'note', at: this.clock(), text });
  }

  front(direction: 'open' | 'receive', url: string, via: string): void {
    this.push({ type: 'front', at: this.clock(), direction, url, via });
  }

  exchange(e: Omit<Extract<TraceEvent, { type: 'exchange' }>, 'type' | 'at' | 'channel'>): void {
    this.push({ type: 'exchange', at: this.clock(), channel: 'back', ...e });
  }
}
