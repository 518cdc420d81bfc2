import { assertDockerEngine, assertDockerImages, containersLabelled } from '@oz/testing';

/** Built from docker/sidecar and docker/test-task by `nx run worker-e2e:images` (project.json), which e2e runs first. */
export const SIDECAR_IMAGE = 'oz-sidecar:e2e';
export const TASK_IMAGE = 'oz-test-task:e2e';

/** A Docker engine answers and the test images are there (tests never build or pull them). */
export function assertDockerReady(): void {
  assertDockerEngine();
  assertDockerImages([SIDECAR_IMAGE, TASK_IMAGE], 'npx nx run worker-e2e:images');
}

/** Ids of the containers (running or not) of a run's task, found by the label the worker puts on them. */
export function taskContainersOf(runId: string): string[] {
  return containersLabelled(`oz.task-id=${runId}`);
}
