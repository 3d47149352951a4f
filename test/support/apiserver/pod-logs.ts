// Container output for `pods/<name>/log`, appended by the deployment controller or a test, followed by
// `?follow=true` readers.
import { EventEmitter } from 'node:events';

export class PodLogs {
  private readonly lines = new Map<string, string[]>();
  private readonly events = new EventEmitter();

  constructor() {
    this.events.setMaxListeners(0);
  }

  private key(namespace: string, pod: string, container: string): string {
    return `${namespace}/${pod}/${container}`;
  }

  append(namespace: string, pod: string, container: string, line: string): void {
    const k = this.key(namespace, pod, container);
    const list = this.lines.get(k) ?? [];
    list.push(line);
    this.lines.set(k, list);
    this.events.emit(k, line);
  }

  read(namespace: string, pod: string, container: string): string[] {
    return [...(this.lines.get(this.key(namespace, pod, container)) ?? [])];
  }

  /** Calls `onLine` for each line appended from now on; returns the unsubscribe function. */
  follow(namespace: string, pod: string, container: string, onLine: (line: string) => void): () => void {
    const k = this.key(namespace, pod, container);
    this.events.on(k, onLine);
    return () => this.events.off(k, onLine);
  }

  /** Ends followers when the pod goes away. */
  close(namespace: string, pod: string): void {
    this.events.emit(`${namespace}/${pod}/$closed`);
  }

  onClose(namespace: string, pod: string, fn: () => void): () => void {
    const k = `${namespace}/${pod}/$closed`;
    this.events.once(k, fn);
    return () => this.events.off(k, fn);
  }
}
