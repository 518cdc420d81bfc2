import { Inject } from '@nestjs/common';

/**
 * The node-postgres pool under TypeORM's DataSource, injected where plain SQL is the simpler tool
 * (every run-state write, the dispatcher, the executor): one pool per replica, sized by
 * OZ_DB_POOL_SIZE, shared with TypeORM. DatabaseModule provides it.
 */
export const PG_POOL = Symbol('PG_POOL');

/** `@InjectPool() pool: Pool` */
export const InjectPool = (): ParameterDecorator => Inject(PG_POOL);
