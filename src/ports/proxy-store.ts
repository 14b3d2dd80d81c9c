/**
 * ProxyStore: which projects are proxies of an upstream registry (and with what settings), and
 * when each cached tag was last checked against its upstream. Kept in the metadata database so
 * every instance sees the same projects and the same tag freshness.
 *
 * The upstream password is stored only as the SecretBox sealed it (see ports/secret-box.ts):
 * this store never sees it in clear.
 *
 * It also keeps group projects (an ordered list of member projects under one name) and which
 * project mirrors which upstream host: both are routing settings of the same kind.
 */
import type { IoOptions } from './blob-store.js';

export interface ProxySettings {
  /** Base URL of the upstream (`https://registry-1.docker.io`, `http://127.0.0.1:5000`). */
  url: string;
  username?: string | undefined;
  /** The password as sealed by a SecretBox; never the clear text. */
  sealedPassword?: string | undefined;
  /** How long a cached tag is served without asking the upstream again. */
  ttlSeconds: number;
  /** Extra certificate authorities (PEM) trusted for this upstream. */
  caPem?: string | undefined;
  /** Accept any certificate from the upstream (digests are still checked). */
  skipVerify: boolean;
}

export interface GroupSettings {
  /** Member projects, in the order a pull tries them. */
  members: string[];
  /** The hosted member that receives pushes to the group; undefined: pushes refused. */
  pushTo?: string | undefined;
}

export interface ProxyStore {
  /** The project's proxy settings; undefined for a hosted project (or no project at all). */
  get(project: string, options?: IoOptions): Promise<ProxySettings | undefined>;
  /** Makes the project a proxy with these settings, or replaces its settings. */
  set(project: string, settings: ProxySettings, options?: IoOptions): Promise<void>;
  /** Every proxy project, by name. */
  list(options?: IoOptions): Promise<Array<{ project: string; settings: ProxySettings }>>;
  /** When `tag` in `repository` was last fetched or re-validated upstream; undefined if never. */
  tagCheckedAt(repository: string, tag: string, options?: IoOptions): Promise<Date | undefined>;
  /** Records a fetch or re-validation of `tag` (creates or moves the stamp). */
  markTagChecked(repository: string, tag: string, at: Date, options?: IoOptions): Promise<void>;
  /** The project's group settings; undefined when it is no group. */
  group(project: string, options?: IoOptions): Promise<GroupSettings | undefined>;
  /** Makes the project a group with these settings, or replaces them. */
  setGroup(project: string, settings: GroupSettings, options?: IoOptions): Promise<void>;
  /** Every group project, by name. */
  listGroups(options?: IoOptions): Promise<Array<{ project: string; settings: GroupSettings }>>;
  /** The project that mirrors `host` (`docker.io`), if any. */
  mirrorOf(host: string, options?: IoOptions): Promise<string | undefined>;
  /** Makes `project` the mirror of `host` (replacing any other), or, with undefined, no project. */
  setMirror(host: string, project: string | undefined, options?: IoOptions): Promise<void>;
  /** Every mirrored host and its project. */
  listMirrors(options?: IoOptions): Promise<Array<{ host: string; project: string }>>;
}
