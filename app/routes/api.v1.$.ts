import { apiError } from "~/app/api/errors.server";

/** Any /api/v1 path no route claims answers the JSON 404 of docs/product/api.md, never an HTML page. */
const notFound = ({ request }: { request: Request }) =>
  apiError("not_found", `No such endpoint: ${request.method} ${new URL(request.url).pathname}`);

export const loader = notFound;
export const action = notFound;
