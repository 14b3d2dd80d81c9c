/**
 * Sends a proxy project's blob as it arrives from the upstream, and tells the fill when the
 * connection is done with each chunk (the write's callback without error), so the fill can free
 * the chunk rather than leave it to the garbage collector (core/mirror/proxy-blobs.ts). Only over
 * HTTP/1.x (canSendPooled), whose write callback means the socket, or TLS, which encrypts into
 * its own buffers, no longer points at the bytes.
 *
 * As in pooled-send.ts the reply is hijacked: the headers set through Fastify are written as
 * they are and the request's onResponse hooks run on the response's 'finish'. A client that goes
 * away destroys the stream, and the fill stages the rest on its own; a stream that fails once the
 * headers are out cuts the connection, the only honest report left.
 */
import type { FastifyReply } from 'fastify';
import type { Readable } from 'node:stream';
import { writeHijackedHead } from './pooled-send.js';

export function sendProxied(reply: FastifyReply, stream: Readable, sent: (chunk: Uint8Array) => void): Promise<void> {
  reply.hijack();
  const res = reply.raw;
  return new Promise<void>((resolve) => {
    // 'data' rather than an async iterator: a paused byte stream's read() joins the buffered
    // chunks into a new buffer, and the fill knows its chunks by identity.
    const onData = (chunk: Buffer): void => {
      const more = res.write(chunk, (error) => {
        if (!error) sent(chunk);
      });
      if (!more) stream.pause();
    };
    const onDrain = (): void => {
      stream.resume();
    };
    const onEnd = (): void => {
      res.end();
      done();
    };
    const onError = (error: Error): void => {
      reply.log.warn({ err: error }, 'proxied blob failed mid-response; connection closed');
      if (!res.destroyed) res.destroy();
      done();
    };
    const onClose = (): void => {
      if (!res.writableFinished) stream.destroy();
      done();
    };
    let settled = false;
    const done = (): void => {
      if (settled) return;
      settled = true;
      stream.off('data', onData);
      stream.off('end', onEnd);
      res.off('drain', onDrain);
      res.off('close', onClose);
      // An error after this (a stream destroyed above) has no one left to tell.
      stream.on('error', () => undefined);
      stream.off('error', onError);
      resolve();
    };
    writeHijackedHead(reply, reply.statusCode);
    res.on('drain', onDrain);
    res.on('close', onClose);
    stream.on('error', onError);
    stream.on('end', onEnd);
    stream.on('data', onData);
  });
}
