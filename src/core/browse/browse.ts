/** The web UI's use cases over one set of dependencies, for the API to call. */
import type { BrowseDeps } from './browse-deps.js';
import { ManifestDetailsView } from './manifest-details.js';
import { RepositoryBrowser } from './repository-browser.js';
import { RepositoryMarks } from './repository-marks.js';
import { TagListing } from './tag-listing.js';

export class Browse {
  readonly repositories: RepositoryBrowser;
  readonly tags: TagListing;
  readonly manifests: ManifestDetailsView;
  readonly marks: RepositoryMarks;

  constructor(deps: BrowseDeps) {
    this.repositories = new RepositoryBrowser(deps);
    this.tags = new TagListing(deps);
    this.manifests = new ManifestDetailsView(deps);
    this.marks = new RepositoryMarks(deps);
  }
}
