import { Inject } from '@nestjs/common';

/**
 * This running instance of the control plane (`newReplicaId()`), written next to the work it holds:
 * the lease owner of the provider runs it executes and of the worker runs it assigns, and the replica
 * of its worker connections. One per app instance, so a restarted replica is a new owner.
 */
export const REPLICA_ID = Symbol('REPLICA_ID');

/** `@InjectReplicaId() replica: string` */
export const InjectReplicaId = (): ParameterDecorator => Inject(REPLICA_ID);
