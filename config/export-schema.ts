import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from './paths.js';
import { AnyProfileSchema } from './profile-schema.js';
import { ConfigSchema } from './schema.js';

/** The JSON Schemas editors use for autocompletion (yaml-language-server: `# yaml-language-server: $schema=…`). */
export function jsonSchemas(): Record<string, unknown> {
  const doc = (title: string, schema: object) => ({
    $schema: 'http://json-schema.org/draft-07/schema#',
    title,
    ...JSON.parse(JSON.stringify(schema)),
  });
  return {
    'linegate.schema.json': doc('linegate site config', ConfigSchema),
    'profile.schema.json': doc('linegate machine profile', AnyProfileSchema),
  };
}

export function renderSchemas(): Record<string, string> {
  return Object.fromEntries(
    Object.entries(jsonSchemas()).map(([k, v]) => [k, `${JSON.stringify(v, null, 2)}\n`]),
  );
}

if (process.argv[1]?.endsWith('export-schema.js')) {
  for (const [name, text] of Object.entries(renderSchemas())) {
    const file = join(packageRoot(), 'config', name);
    writeFileSync(file, text);
    process.stdout.write(`wrote ${file}\n`);
  }
}
