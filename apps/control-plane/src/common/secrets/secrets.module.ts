import { Global, Module } from '@nestjs/common';
import { SecretBox } from './secret-box';
import { SecretsUpgrade } from './secrets-upgrade';

/** The secret box every feature seals with, and the one-off sealing of what older versions stored. */
@Global()
@Module({
  providers: [SecretBox, SecretsUpgrade],
  exports: [SecretBox, SecretsUpgrade],
})
export class SecretsModule {}
