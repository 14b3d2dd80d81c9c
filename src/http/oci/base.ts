/** GET /v2/: the version check every client starts with. */
import type { OciHandler } from './oci-context.js';

export const apiVersion: OciHandler = async (context) => context.reply.code(200).send({});
