import { createHash, timingSafeEqual } from 'node:crypto';

/** A secret kept as its digest, compared in constant time whatever the candidate's length. */
export class SecretDigest {
  private readonly digest: Buffer;

  constructor(secret: string) {
    this.digest = sha256(secret);
  }

  static of(secret: string | null | undefined): SecretDigest | null {
    return secret ? new SecretDigest(secret) : null;
  }

  matches(candidate: string): boolean {
    return timingSafeEqual(sha256(candidate), this.digest);
  }
}

function sha256(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}
