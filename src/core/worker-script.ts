// Where a worker thread's entry file is: the built .js next to the caller, or the .ts source under tests (with tsx).

export interface WorkerScript {
  url: URL;
  execArgv: string[];
}

/** `callerUrl` is the caller's import.meta.url; `baseName` the worker file's name without extension. */
export function workerScript(callerUrl: string, baseName: string): WorkerScript {
  const fromSource = callerUrl.endsWith('.ts');
  return {
    url: new URL(`./${baseName}${fromSource ? '.ts' : '.js'}`, callerUrl),
    execArgv: fromSource ? ['--import', 'tsx'] : [],
  };
}
