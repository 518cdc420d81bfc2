import { Injectable } from '@nestjs/common';
import { withTimeout } from '@oz/server-kit';
import type { Pool } from 'pg';
import { InjectPool } from './pg-pool';

const PING_TIMEOUT_MS = 2000;

/** Whether the database answers, for the health route. */
@Injectable()
export class DatabaseHealth {
  constructor(@InjectPool() private readonly pool: Pool) {}

  async isUp(): Promise<boolean> {
    try {
      await withTimeout(this.pool.query('SELECT 1'), PING_TIMEOUT_MS);
      return true;
    } catch {
      return false;
    }
  }
}
