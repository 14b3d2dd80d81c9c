/**
 * registry:2's notification events raised at the edge. registry:2 notifies per request (its
 * events carry the request's id, address, host, method and user agent), and which requests
 * notify is its HTTP behaviour: GET and HEAD of a manifest or blob are pulls, a completed upload
 * or a monolithic POST is a blob push, a mount is a mount, a manifest PUT a push. So the
 * handlers say what they served (`request.servedEvent`, one property write), and the hook,
 * registered only when a notifier is enabled, turns that into an event once the whole response
 * went out with a success status. A request that failed raises nothing, as in registry:2.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Notifier } from '../../core/events/notifier.js';
import type { EventAction, EventInput, EventTarget } from '../../core/events/registry-event.js';

export interface ServedEvent {
  action: EventAction;
  kind: 'manifest' | 'blob';
  digest?: string;
  size?: number;
  mediaType?: string;
  tag?: string;
  /** A manifest body, for `events.includereferences`. */
  body?: Buffer;
  /** A mount's source repository. */
  fromRepository?: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** What a /v2 handler served that registry:2 would notify about; see registry-events.ts. */
    servedEvent: ServedEvent | undefined;
    /** Set by the error handler when a push was refused by the project's quota: its message. */
    quotaRefusal: string | undefined;
  }
}

/** registry:2 describes every blob with this type: it does not know a blob's real one. */
const BLOB_MEDIA_TYPE = 'application/octet-stream';

export function installNotifyHook(app: FastifyInstance, notifier: Notifier, baseUrl: string | undefined): void {
  // Not onResponse: it runs on 'finish' only, and a client that closes the connection as soon as
  // it has a small body (skopeo with a config blob) can make the response end in 'close' without
  // 'finish'. Every response ends in 'close'; `writableEnded` says the whole body was written,
  // which is when registry:2 (ServeBlob returned without error) notifies too.
  app.addHook('onRequest', (request, reply, done) => {
    reply.raw.once('close', () => {
      if (request.quotaRefusal !== undefined && request.oci && notifier.quotaExceeded !== undefined) {
        const actor = request.actor;
        notifier.quotaExceeded(request.oci.name, actor === null || actor === 'anonymous' ? undefined : actor, request.headers.host ?? '', request.quotaRefusal);
        return;
      }
      const served = request.servedEvent;
      if (served === undefined || !request.oci || reply.raw.statusCode >= 400 || !reply.raw.writableEnded) return;
      try {
        notifier.publish(eventOf(request, served, request.oci.name, baseUrl));
      } catch (error) {
        request.log.error({ err: error }, 'could not queue a notification');
      }
    });
    done();
  });
}

function eventOf(request: FastifyRequest, served: ServedEvent, repository: string, baseUrl: string | undefined): EventInput {
  const target: EventTarget = {};
  if (served.action !== 'delete') {
    target.mediaType = served.kind === 'blob' ? BLOB_MEDIA_TYPE : served.mediaType;
    target.size = served.size;
  }
  if (served.digest !== undefined) target.digest = served.digest;
  if (served.action !== 'delete') target.length = served.size;
  target.repository = repository;
  if (served.fromRepository !== undefined) target.fromRepository = served.fromRepository;
  if (served.action !== 'delete' && served.digest !== undefined) {
    const base = baseUrl ?? `${request.protocol}://${request.headers.host ?? request.hostname}`;
    target.url = `${base}/v2/${repository}/${served.kind === 'blob' ? 'blobs' : 'manifests'}/${served.digest}`;
  }
  if (served.tag !== undefined) target.tag = served.tag;
  const socket = request.raw.socket;
  // Behind a trusted proxy the client is the forwarded address (no port known), as registry:2 reports it.
  const addr = request.ip !== socket.remoteAddress ? request.ip : `${request.ip}:${socket.remotePort ?? 0}`;
  const actor = request.actor;
  return {
    action: served.action,
    target,
    request: {
      id: request.id,
      addr,
      host: request.headers.host ?? '',
      method: request.method,
      useragent: request.headers['user-agent'] ?? '',
    },
    actor: actor === null || actor === 'anonymous' ? undefined : actor,
    ...(served.body === undefined ? {} : { manifestBody: served.body }),
    kind: served.kind,
  };
}
