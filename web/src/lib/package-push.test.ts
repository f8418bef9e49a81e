// A push from chosen files: a folder's top directory dropped, only the manifest's files sent, a bare file named.

import { describe, expect, it } from 'vitest';
import { pushOfFiles } from './package-push.js';

const file = (path: string, body = 'x') => ({ path, data: new Blob([body]) });
const manifest = 'name: tiny\nmodel: model.onnx\nbaseline: baseline.csv\n';

describe('pushOfFiles', () => {
  it('sends the manifest and the files it refers to, from inside a chosen folder', async () => {
    const push = await pushOfFiles([file('tiny/slipway.yaml', manifest), file('tiny/model.onnx'), file('tiny/baseline.csv'), file('tiny/train.py'), file('tiny/.DS_Store')], undefined);
    expect(push.name).toBe('tiny');
    expect(push.manifest).toBe(manifest);
    expect(push.files.map((f) => f.path)).toEqual(['model.onnx', 'baseline.csv']);
    expect(push.skipped).toEqual(['train.py', '1 hidden file(s)']);
  });

  it('names what the manifest refers to but the files lack', async () => {
    await expect(pushOfFiles([file('slipway.yaml', manifest), file('model.onnx')], undefined)).rejects.toThrow(/"baseline.csv"/);
  });

  it('pushes one bare model file under a name from its file name or the override', async () => {
    expect((await pushOfFiles([file('My Model.onnx')], undefined)).name).toBe('my-model');
    expect((await pushOfFiles([file('m.onnx')], 'other')).name).toBe('other');
  });
});
