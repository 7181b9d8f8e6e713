import { ApiError } from '../api';

export function Loading({ what }: { what: string }) {
  return (
    <p className="state loading" role="status">
      Loading {what}…
    </p>
  );
}

export function Empty({ children }: { children: React.ReactNode }) {
  return <p className="state empty">{children}</p>;
}

// A failure as the server worded it, with its machine code.
export function ErrorBox({ error }: { error: unknown }) {
  if (!error) return null;
  const message = error instanceof Error ? error.message : String(error);
  const code = error instanceof ApiError ? error.code : '';
  return (
    <p className="state error" role="alert">
      {message}
      {code && <code>{code}</code>}
    </p>
  );
}
