export const WORKER_CONFIG = Symbol('WORKER_CONFIG');
/** The dockerode client (tests give a fake). */
export const DOCKER = Symbol('DOCKER');
