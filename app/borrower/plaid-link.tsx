import { useEffect, useRef, useState } from "react";
import { useSubmit } from "@remix-run/react";

type PlaidHandler = { open: () => void; destroy: () => void };
declare global {
  interface Window {
    Plaid?: {
      create(options: {
        token: string;
        onSuccess: (publicToken: string) => void;
        onExit: (error: unknown) => void;
      }): PlaidHandler;
    };
  }
}

const scriptSrc = "https://cdn.plaid.com/link/v2/stable/link-initialize.js";

/**
 * Live Plaid Link (JavaScript only): loads Plaid's script on demand and posts the public token
 * back through the same form action the sandbox chooser uses. Without JavaScript the page's
 * "continue without linking" form is the fallback (ADR 014).
 */
export function PlaidLinkButton({ linkToken }: { linkToken: string | null }) {
  const submit = useSubmit();
  const [ready, setReady] = useState(false);
  const [failed, setFailed] = useState(false);
  const handler = useRef<PlaidHandler | null>(null);

  useEffect(() => {
    if (!linkToken) return;
    const script = document.createElement("script");
    script.src = scriptSrc;
    script.async = true;
    script.onload = () => {
      handler.current =
        window.Plaid?.create({
          token: linkToken,
          onSuccess: (publicToken) => submit({ intent: "link", publicToken }, { method: "post" }),
          onExit: () => undefined,
        }) ?? null;
      setReady(Boolean(handler.current));
    };
    script.onerror = () => setFailed(true);
    document.body.appendChild(script);
    return () => {
      handler.current?.destroy();
      script.remove();
    };
  }, [linkToken, submit]);

  if (failed)
    return <p className="error">Plaid couldn't load. Continue without linking a bank below.</p>;
  return (
    <button type="button" disabled={!ready} onClick={() => handler.current?.open()}>
      {ready ? "Connect my bank with Plaid" : "Loading Plaid…"}
    </button>
  );
}
