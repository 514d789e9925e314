import type { ConsumerConf, GroupKeys } from '@kf/core';
import type { IRedis, Logger } from '@kf/protocol';

/**
 * `conf.waitReplicas`: after an organiser write, Redis `WAIT` until that many replicas
 * acknowledged it. Replication is asynchronous; a write the master acknowledged can
 * vanish with it in a fail-over. For the organiser's writes that costs duplicates, not
 * messages (docs/guarantees.md): waiting narrows the window, at a replica round trip
 * per write. A short count is warned about once per stretch, not on every write; the
 * organiser then ends its tick's writes, so a lagging replica slows scheduling down
 * instead of letting unreplicated ranges pile up.
 */
export class ReplicaWait {
  private short = false;

  constructor(
    private readonly redis: IRedis,
    private readonly keys: GroupKeys,
    private readonly conf: Pick<ConsumerConf, 'waitReplicas' | 'waitTimeoutMs'>,
    private readonly logger: Logger,
  ) {}

  /** Resolves true when the write reached `waitReplicas` replicas (or none are asked for). */
  async afterWrite(what: string): Promise<boolean> {
    const { waitReplicas: replicas, waitTimeoutMs: timeoutMs } = this.conf;
    if (replicas === 0) return true;
    // On a cluster the group's keys share one slot: its master is the one written to.
    const acknowledged = await this.redis.wait({ replicas, timeoutMs, key: this.keys.work });
    if (acknowledged >= replicas) {
      if (this.short) this.logger.info({ replicas }, 'replicas acknowledge organiser writes again');
      this.short = false;
      return true;
    }
    if (!this.short) {
      this.logger.warn(
        { what, acknowledged, replicas, timeoutMs },
        'an organiser write was acknowledged by fewer replicas than conf.waitReplicas; going on',
      );
    }
    this.short = true;
    return false;
  }
}
