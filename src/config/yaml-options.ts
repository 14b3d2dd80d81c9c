/**
 * How Berth reads YAML, for files and env values alike. Distribution uses a YAML 1.1 parser, so
 * `enabled: yes` and `enabled: on` are booleans there and must be here. Timestamps are left as
 * text: no Distribution key is a date, and a path like 2024-01-01 must stay a string.
 */
import type { DocumentOptions, ParseOptions, SchemaOptions } from 'yaml';

export const YAML_OPTIONS: DocumentOptions & ParseOptions & SchemaOptions = {
  version: '1.1',
  prettyErrors: false,
  customTags: (tags) => tags.filter((tag) => typeof tag === 'string' || tag.tag !== 'tag:yaml.org,2002:timestamp'),
};
