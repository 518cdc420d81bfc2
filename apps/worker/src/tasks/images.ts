import { Logger } from '@nestjs/common';
import type Docker from 'dockerode';
import { TaskSetupError } from './task-errors';

const logger = new Logger('docker');

/** Uses a local image when there is one; pulls only a missing image. */
export async function ensureImage(docker: Docker, image: string, failureReason: 'image_pull' | 'sidecar_prep'): Promise<void> {
  try {
    await docker.getImage(image).inspect();
    return;
  } catch {
    // missing: pull it
  }
  logger.log({ image }, 'image.pull');
  try {
    const stream = await docker.pull(image);
    await new Promise((resolve, reject) => docker.modem.followProgress(stream, (error) => (error ? reject(error) : resolve(null))));
  } catch (error) {
    throw new TaskSetupError(failureReason, `Image ${image} is not on this machine and could not be pulled: ${(error as Error).message}`);
  }
}
