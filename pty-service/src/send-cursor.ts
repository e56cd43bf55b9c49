/**
 * SendCursor: where one session's output stands on the way to the store. Chunks are written in
 * seq order; the store acknowledges a prefix (durable_seq); when the stream breaks, everything
 * after the last ack is written again on the next stream, in order, and nothing before it.
 *
 * Pure bookkeeping (no gRPC): StoreLink keeps one per session.
 */
export class SendCursor {
  private produced = 0;
  private written = 0;
  private durable = 0;

  /** Highest seq the session has produced. */
  get lastSeq(): number {
    return this.produced;
  }

  /** Highest seq the store acknowledged. */
  get durableSeq(): number {
    return this.durable;
  }

  /** Some produced chunk is not written on the current stream yet. */
  get hasUnsent(): boolean {
    return this.written < this.produced;
  }

  /** Some produced chunk is not acknowledged yet. */
  get hasUnacked(): boolean {
    return this.durable < this.produced;
  }

  /** The seq to write next (meaningful while hasUnsent). */
  get nextSeq(): number {
    return this.written + 1;
  }

  /** The session produced chunks up to seq. */
  produce(seq: number): void {
    this.produced = seq;
  }

  /** Chunk seq was written on the current stream. */
  wrote(seq: number): void {
    this.written = seq;
  }

  /**
   * The store acknowledged every chunk up to seq; false when that is not news. After a break the
   * store may acknowledge chunks it kept from the broken stream before they were written again:
   * writing goes on after them (the session need not hold them any more).
   */
  ack(seq: number): boolean {
    if (seq <= this.durable) return false;
    this.durable = seq;
    if (this.written < seq) this.written = seq;
    return true;
  }

  /** The stream broke: what it carried past the last ack is written again on the next one. */
  rewind(): void {
    this.written = this.durable;
  }
}
