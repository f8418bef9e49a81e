// Where a worker thread's entry file is: the built .js next to the caller, or the .ts source under tests (with tsx).

export interface WorkerScript {
  url: URL;
  execArgv: string[];
}

/** `callerUrl` is the caller's import.meta.url; `baseName` the worker file's name without extension. */
export function workerScript(callerUrl: string, baseName: string): WorkerScript {
  if (!callerUrl.endsWith('.ts')) return { url: new URL(`./${baseName}.js`, callerUrl), execArgv: [] };
  // Node 20 does not apply the hooks of a worker's `--import tsx` to the worker's entry module (a .ts entry fails with
  // ERR_UNKNOWN_FILE_EXTENSION). A one-line ESM bootstrap registers tsx inside the worker, then imports the source.
  const source = new URL(`./${baseName}.ts`, callerUrl).href;
  const tsx = import.meta.resolve('tsx/esm/api');
  const bootstrap = `const { register } = await import(${JSON.stringify(tsx)}); register(); await import(${JSON.stringify(source)});`;
  return { url: new URL(`data:text/javascript,${encodeURIComponent(bootstrap)}`), execArgv: [] };
}
