// An error shown where the data would be: what failed, in the server's words, with a retry when one helps.

import { ApiError } from '../lib/api-client.js';

export function messageOf(error: unknown): string {
  if (error instanceof ApiError) return error.explanation;
  if (error instanceof Error) return error.message;
  return String(error);
}

export function ErrorBox({ error, retry }: { error: unknown; retry?: () => void }) {
  return (
    <div class="error-box" role="alert">
      <strong>Error: </strong>
      {messageOf(error)}
      {retry ? <button type="button" class="link-button" onClick={retry}>Retry</button> : null}
    </div>
  );
}
