// Names of models, endpoints and aliases: one rule, so that no name can become a path or a query trick.

import { InvalidInputError } from './errors.js';

const NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;

export type NameKind = 'model' | 'endpoint' | 'alias' | 'variant';

/** Throws unless `name` is 1–63 characters of lowercase letters, digits, '-' and '_', starting with a letter or digit. */
export function checkName(kind: NameKind, name: string): string {
  if (!NAME.test(name)) {
    throw new InvalidInputError(
      `${kind} name ${JSON.stringify(name)} is invalid: expected 1-63 characters of a-z, 0-9, '-' or '_', starting with a letter or digit`,
    );
  }
  return name;
}
