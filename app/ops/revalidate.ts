import type { ShouldRevalidateFunction } from "@remix-run/react";

/**
 * Reload a page's data after every post, refusals (4xx) included: a refused publish has still
 * saved the draft, and a stale page should show what is there now (Remix skips the reload after
 * a 4xx by default). Routes export it as their `shouldRevalidate`.
 */
export const revalidateAfterPosts: ShouldRevalidateFunction = ({
  formMethod,
  defaultShouldRevalidate,
}) => formMethod === "POST" || defaultShouldRevalidate;
