/**
 * A loopback TCP proxy that can cut the network without closing anything, for the fault tests:
 * blackhole() freezes the connections open so far (no FIN, no RST: nothing gets through) while
 * new ones are forwarded; partition() freezes every connection, new ones included, and heal()
 * lets the frozen ones carry on (what was sent meanwhile waits in the socket buffers, as TCP
 * retransmission delivers it once a partition heals).
 */
import net from "node:net";

export class Proxy {
  private readonly pairs: Array<[net.Socket, net.Socket]> = [];
  private readonly frozen: Array<[net.Socket, net.Socket]> = [];
  private partitioned = false;
  connections = 0;
  private readonly server = net.createServer((client) => {
    this.connections++;
    const upstream = net.connect(this.targetPort, "127.0.0.1");
    client.on("error", () => {});
    upstream.on("error", () => {});
    if (this.partitioned) {
      client.pause();
      this.frozen.push([client, upstream]);
      return;
    }
    client.pipe(upstream);
    upstream.pipe(client);
    this.pairs.push([client, upstream]);
  });
  constructor(private readonly targetPort: number) {}

  async listen(port = 0): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(port, "127.0.0.1", resolve));
    return `127.0.0.1:${(this.server.address() as net.AddressInfo).port}`;
  }

  /** Stops reading and forwarding on the open connections; the sockets stay open. */
  blackhole(): void {
    for (const [a, b] of this.pairs.splice(0)) {
      a.unpipe(b);
      b.unpipe(a);
      a.pause();
      b.pause();
      this.frozen.push([a, b]);
    }
  }

  /** Like blackhole(), and connections opened from now on are held too, until heal(). */
  partition(): void {
    this.partitioned = true;
    this.blackhole();
  }

  /** Ends the partition: every held connection forwards again, what waited included. */
  heal(): void {
    this.partitioned = false;
    for (const [a, b] of this.frozen.splice(0)) {
      a.pipe(b);
      b.pipe(a);
      a.resume();
      b.resume();
      this.pairs.push([a, b]);
    }
  }

  async close(): Promise<void> {
    for (const s of [...this.frozen.flat(), ...this.pairs.flat()]) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
