/** Bytes that are not a valid message never crash the store or leave a call hanging. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as grpc from "@grpc/grpc-js";
import { Code } from "@ptykeep/proto";
import { register, startStoreFixture } from "./helpers.js";

let fx: Awaited<ReturnType<typeof startStoreFixture>>;
beforeAll(async () => {
  fx = await startStoreFixture("store_garbage");
});
afterAll(async () => {
  await fx?.close();
  await fx?.dropDb();
});

const raw = (b: Buffer) => b;

describe("undecodable requests", () => {
  it("end an AppendOutput call with an error status; the store carries on", async () => {
    const client = new grpc.Client(fx.store.address, grpc.credentials.createInsecure());
    try {
      const stream = client.makeBidiStreamRequest<Buffer, Buffer>("/ptykeep.store.v1.StoreService/AppendOutput", raw, raw);
      const status = new Promise<grpc.StatusObject>((resolve) => stream.on("status", resolve));
      stream.on("error", () => {});
      stream.on("data", () => {});
      // Field 1 (chunk), wire type 2, length 200, but only 3 bytes follow.
      stream.write(Buffer.from([0x0a, 0xc8, 0x01, 1, 2, 3]));
      const s = await status;
      expect(s.code).not.toBe(Code.OK);
    } finally {
      client.close();
    }
    // Still serving.
    await register(fx.client);
  });

  it("fail a unary call without crashing", async () => {
    const client = new grpc.Client(fx.store.address, grpc.credentials.createInsecure());
    try {
      const err = await new Promise<grpc.ServiceError | null>((resolve) =>
        client.makeUnaryRequest("/ptykeep.store.v1.StoreService/RegisterSession", raw, raw, Buffer.from([0xff, 0xff, 0xff]), (e) => resolve(e)),
      );
      expect(err?.code).not.toBe(Code.OK);
      expect(err).not.toBeNull();
    } finally {
      client.close();
    }
    await register(fx.client);
  });
});
