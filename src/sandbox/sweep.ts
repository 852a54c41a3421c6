import { hostname } from 'node:os';
import type Docker from 'dockerode';
import { logger } from '../util/log.js';
import { pidAlive } from '../util/process.js';
import { errorMessage } from '../util/errors.js';
import { IBENCH_LABEL, removeContainerAndVolume } from './docker-sandbox.js';

export interface SweepResult {
  containers: number;
  volumes: number;
}


/** Left over: made on this host by a process that is gone. */
function leftover(labels: Record<string, string> | null | undefined, host: string): boolean {
  if (labels === null || labels === undefined) return false;
  if (labels[IBENCH_LABEL] !== '1' || labels['ibench.host'] !== host) return false;
  const pid = Number(labels['ibench.pid']);
  return !pidAlive(pid);
}

/**
 * Removes the containers and volumes that a crashed or killed ibench process on this host left
 * behind. Those of live processes (e.g. parallel test workers) are never touched.
 */
export async function sweepLeftovers(docker: Docker): Promise<SweepResult> {
  const host = hostname();
  const result = await removeLabelled(docker, [`${IBENCH_LABEL}=1`, `ibench.host=${host}`], (labels) => leftover(labels, host));
  if (result.containers + result.volumes > 0) {
    logger.info(`removed ${result.containers} container(s) and ${result.volumes} volume(s) left by ended runs`);
  }
  return result;
}

/** Removes every container and volume this process made on `docker` (a second Ctrl-C, on the way out). */
export function removeOwnResources(docker: Docker): Promise<SweepResult> {
  return removeLabelled(docker, [`${IBENCH_LABEL}=1`, `ibench.host=${hostname()}`, `ibench.pid=${process.pid}`], () => true);
}

async function removeLabelled(
  docker: Docker,
  labelFilters: string[],
  select: (labels: Record<string, string> | null | undefined) => boolean,
): Promise<SweepResult> {
  const filters = JSON.stringify({ label: labelFilters });
  const result: SweepResult = { containers: 0, volumes: 0 };

  // removeContainerAndVolume: a removal already in progress is fine, a volume still in use is waited for.
  const containers = await docker.listContainers({ all: true, filters });
  for (const info of containers) {
    if (!select(info.Labels)) continue;
    try {
      await removeContainerAndVolume(docker, info.Id, undefined);
      result.containers++;
    } catch (err) {
      logger.warn(`sweep: ${errorMessage(err)}`);
    }
  }

  const { Volumes: volumes } = await docker.listVolumes({ filters });
  for (const volume of volumes ?? []) {
    if (!select(volume.Labels)) continue;
    try {
      await removeContainerAndVolume(docker, undefined, volume.Name);
      result.volumes++;
    } catch (err) {
      logger.warn(`sweep: ${errorMessage(err)}`);
    }
  }
  return result;
}
