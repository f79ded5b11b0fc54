// The `type=` names the built-in trainer accepts, offered by completion, each
// with its role: read from the dependency-free table in src/registry, so the
// language server does not bundle the trainer or the data layer.

import { TYPE_NAMES } from '../registry/type-names';

export const KNOWN_TYPES: Record<string, string> = Object.fromEntries(TYPE_NAMES.map((t) => [t.name, t.kind.replace(/_/g, ' ')]));
