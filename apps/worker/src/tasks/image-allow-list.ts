/**
 * OZ_WORKER_ALLOWED_IMAGES: globs over image names as environments give them (`*` any run of
 * characters, `/` and `:` included; `?` one character). No globs: every image is allowed. Names are
 * compared as written, so `node:22` and `docker.io/library/node:22` are different names.
 */
export function imageAllowed(image: string, globs: readonly string[]): boolean {
  return globs.length === 0 || globs.some((glob) => globPattern(glob).test(image));
}

function globPattern(glob: string): RegExp {
  const source = [...glob].map((char) => (char === '*' ? '.*' : char === '?' ? '.' : char.replace(/[\\^$.|+()[\]{}]/g, '\\$&'))).join('');
  return new RegExp(`^${source}$`);
}
