/**
 * Manifests: store byte-exact, address by the digest of those bytes, validate references
 * against the repository, record subject and reference graph in one metadata transaction.
 */
import { MetadataMissingReferencesError } from '../../ports/metadata-lifecycle.js';
import type { ManifestRecord } from '../../ports/metadata-store.js';
import { MetadataQuotaExceededError } from '../../ports/metadata-usage.js';
import type { ProjectPolicy } from '../../ports/policy-store.js';
import { projectOf } from '../access/actions.js';
import {
  DigestInvalidError,
  ManifestBlobUnknownError,
  ManifestTooLargeError,
  ManifestUnknownError,
  NameUnknownError,
  UnsupportedError,
} from '../errors.js';
import { checkManifestPush, checkTagDelete, checkWritable, immutablePatternOf, tagPushIsRestricted } from '../lifecycle/write-policy.js';
import { quotaExceeded } from '../lifecycle/quota.js';
import { parseManifest } from '../manifest/parse-manifest.js';
import { assertName, assertReference, digestAlgorithm, isValidTag, looksLikeDigest } from '../reference/reference.js';
import { ConfigLabels, DESCRIPTION_KEY } from './config-label.js';
import { digestOf } from './digest-hasher.js';
import type { RegistryDeps } from './registry-deps.js';

export interface PutManifestResult {
  digest: string;
  /** The manifest's media type as stored (Content-Type or the body's own). */
  mediaType: string;
  subject: string | undefined;
}

export class ManifestService {
  private readonly labels: ConfigLabels;

  constructor(private readonly deps: RegistryDeps) {
    this.labels = new ConfigLabels(deps.blobs);
  }

  async put(repository: string, reference: string, body: Buffer, contentType: string | undefined): Promise<PutManifestResult> {
    assertName(repository);
    const { byDigest } = assertReference(reference);
    await this.deps.mirror?.refuseWrite(repository, 'push');
    const policy = await this.policyOf(repository);
    checkWritable(policy, repository);
    if (body.length > this.deps.maxManifestBytes) {
      throw new ManifestTooLargeError(`manifest is ${body.length} bytes; the limit is ${this.deps.maxManifestBytes}`, {
        size: body.length,
        limit: this.deps.maxManifestBytes,
      });
    }
    const parsed = parseManifest(body, contentType);
    const digest = digestOf(byDigest ? digestAlgorithm(reference) : 'sha256', body);
    if (byDigest && digest !== reference) {
      throw new DigestInvalidError('manifest digest does not match the reference it was pushed to', {
        reference,
        computed: digest,
      });
    }
    const { metadata } = this.deps;
    // Judged by the store inside the write's transaction, so two first pushes of one tag
    // cannot both pass under disallow-redeploy or an immutable pattern.
    const checkTag =
      !byDigest && tagPushIsRestricted(policy, reference)
        ? (current: string | undefined) => checkManifestPush(policy, repository, reference, current, digest)
        : undefined;
    const record: ManifestRecord = {
      repository,
      digest,
      mediaType: parsed.mediaType,
      artifactType: parsed.artifactType,
      subject: parsed.subject,
      body,
      annotations: parsed.annotations,
      createdAt: this.deps.now(),
    };
    // Only a tagged image push describes the repository, and the annotation wins over the label.
    const label =
      !byDigest && parsed.kind === 'image' && parsed.subject === undefined && parsed.annotations?.[DESCRIPTION_KEY] === undefined
        ? await this.labels.description(body)
        : undefined;
    await this.deps.checkpoint?.('manifest:parsed', [digest]);
    try {
      // The store checks the references in the transaction that records them, so a collector
      // cannot remove a blob or child between the check and the write.
      await metadata.putManifest(record, { blobs: parsed.blobs, manifests: parsed.manifests }, byDigest ? undefined : reference, {
        checkTag,
        quotaBytes: policy?.quotaBytes,
        ...(label === undefined ? {} : { description: { text: label, source: 'label' as const } }),
      });
    } catch (error) {
      if (error instanceof MetadataQuotaExceededError) {
        throw quotaExceeded(error.project, error.usedBytes, error.addingBytes, error.limitBytes);
      }
      if (!(error instanceof MetadataMissingReferencesError)) throw error;
      const { missing } = error;
      throw new ManifestBlobUnknownError(
        `manifest references ${missing.length} unknown blob(s) or manifest(s) in ${repository}`,
        { missing },
        { cause: error },
      );
    }
    return { digest, mediaType: parsed.mediaType, subject: parsed.subject };
  }

  async get(repository: string, reference: string): Promise<ManifestRecord> {
    assertName(repository);
    // A read answers 200 or 404 (the spec lists nothing else for it, and Distribution agrees):
    // no manifest is stored under a name that is not a valid tag. TAG_INVALID stays for PUT.
    if (!looksLikeDigest(reference) && !isValidTag(reference)) {
      throw new ManifestUnknownError('manifest unknown to registry: not a valid tag', {
        repository,
        reference: reference.length > 300 ? `${reference.slice(0, 300)}…` : reference,
        rule: 'a tag is [a-zA-Z0-9_] followed by up to 127 of [a-zA-Z0-9._-]',
      });
    }
    const { byDigest } = assertReference(reference);
    const { metadata, mirror } = this.deps;
    const target = await mirror?.targetOf(repository);
    if (target !== undefined) {
      const proxied = await mirror!.manifest(target, repository, reference);
      await this.deps.pulls?.record(repository, proxied.digest);
      return proxied;
    }
    const record = byDigest ? await metadata.manifest(repository, reference) : await metadata.manifestByTag(repository, reference);
    // The store answers nothing from a deleted repository; only a miss asks which 404 it is.
    if (record === undefined && (await metadata.isRepositoryDeleted(repository))) {
      throw new NameUnknownError('repository name not known to registry (it was deleted; an admin can still restore its tags)', { name: repository });
    }
    if (!record) throw new ManifestUnknownError('manifest unknown to registry', { repository, reference });
    await this.deps.pulls?.record(repository, record.digest);
    return record;
  }

  /**
   * By tag: removes only the tag (restorable for the restore window; see core/lifecycle). By
   * digest: removes the manifest and every tag on it. Space is freed by the collector.
   */
  async delete(repository: string, reference: string): Promise<void> {
    if (!this.deps.deleteEnabled) throw new UnsupportedError('deletes are disabled on this registry');
    assertName(repository);
    const { byDigest } = assertReference(reference);
    await this.deps.mirror?.refuseWrite(repository, 'delete');
    const { metadata } = this.deps;
    const policy = await this.policyOf(repository);
    checkTagDelete(policy, repository, byDigest ? undefined : reference);
    if (byDigest) await this.refuseUntaggingImmutable(policy, repository, reference);
    const deleted = byDigest ? await metadata.deleteManifest(repository, reference) : await metadata.deleteTag(repository, reference);
    if (!deleted) throw new ManifestUnknownError('manifest unknown to registry', { repository, reference });
  }

  private async policyOf(repository: string): Promise<ProjectPolicy | undefined> {
    return this.deps.policies?.get(projectOf(repository));
  }

  /**
   * A delete by digest removes every tag on the manifest, so it must not be a way around an
   * immutable tag. Walks the tags only when the project has patterns (deletes by digest are rare).
   */
  private async refuseUntaggingImmutable(policy: ProjectPolicy | undefined, repository: string, digest: string): Promise<void> {
    if (policy === undefined || policy.immutableTags.length === 0) return;
    const tags = await this.deps.metadata.listTags(repository, {});
    for (const tag of tags) {
      if (immutablePatternOf(policy, tag) === undefined) continue;
      const current = await this.deps.metadata.manifestByTag(repository, tag);
      if (current?.digest === digest) checkTagDelete(policy, repository, tag);
    }
  }
}
