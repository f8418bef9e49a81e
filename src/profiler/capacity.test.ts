import { describe, expect, it } from 'vitest';
import { capacityPlan, replicasFor } from './capacity.js';
import { point } from './fake-points.test-util.js';

describe('capacity', () => {
  it('replicas = ceil(target / (throughput x headroom))', () => {
    expect(replicasFor(5000, 1000)).toBe(8); // 5000 / 700 = 7.14
    expect(replicasFor(700, 1000)).toBe(1);
    expect(replicasFor(701, 1000)).toBe(2);
    expect(replicasFor(1, 1000)).toBe(1);
    expect(replicasFor(5000, 1000, 0.5)).toBe(10);
    expect(() => replicasFor(10, 0)).toThrow(/throughput of 0/);
  });

  it('requests the config\'s cores and the measured memory with a margin, in a Deployment and an HPA', () => {
    const plan = capacityPlan(point({ instances: 2, intraOpThreads: 2 }, 1000, 10), 5000, 'Digits_x');
    expect(plan.replicas).toBe(8);
    expect(plan.cpu).toBe(4);
    expect(plan.memoryMiB).toBe(300);
    expect(plan.deploymentYaml).toContain('kind: Deployment');
    expect(plan.deploymentYaml).toContain('  replicas: 8');
    expect(plan.deploymentYaml).toContain('cpu: "4"');
    expect(plan.deploymentYaml).toContain('memory: 300Mi');
    expect(plan.deploymentYaml).toContain('name: slipway-digits-x');
    expect(plan.hpaYaml).toContain('kind: HorizontalPodAutoscaler');
    expect(plan.hpaYaml).toContain('minReplicas: 8');
    expect(plan.hpaYaml).toContain('averageUtilization: 70');
  });

  it('asks for the cores the throughput was measured with, not threads the host could not run at once', () => {
    const plan = capacityPlan(point({ instances: 2, intraOpThreads: 2, busyIntraOpThreads: 1 }, 105, 80, 8, 2), 500, 'resnet');
    expect(plan.cpu).toBe(2);
    expect(plan.deploymentYaml).toContain('cpu: "2"');
  });
});
